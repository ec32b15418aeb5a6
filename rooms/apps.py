from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gamebuddies.metrics import register_scrape_time_collector

        from .metrics import RoomsByStatusCollector

        register_scrape_time_collector(RoomsByStatusCollector())
