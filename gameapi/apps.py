from django.apps import AppConfig


class GameApiConfig(AppConfig):
    name = "gameapi"
    verbose_name = "Game API"
    default_auto_field = "django.db.models.BigAutoField"
