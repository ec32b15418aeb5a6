from django.apps import AppConfig


class GameApiConfig(AppConfig):
    name = "gameapi"
    verbose_name = "Game API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Room changes write their webhook deliveries in the same transaction (outbox).
        from rooms.services import register_in_transaction_hook

        from .webhooks.outbox import record_room_change, room_has_endpoints

        register_in_transaction_hook(record_room_change, probe=room_has_endpoints)

        # A saved key must not be served from the authentication cache in its old form: its
        # copies are forgotten at once and again after commit (a request reading the row
        # before the commit could have cached the old one meanwhile).
        from django.db import transaction
        from django.db.models.signals import post_save

        from .models import ApiKey
        from .selectors import forget_cached_key

        def forget(sender, instance, **kwargs):
            forget_cached_key(instance)
            transaction.on_commit(lambda: forget_cached_key(instance))

        post_save.connect(forget, sender=ApiKey, weak=False, dispatch_uid="gameapi.forget_cached_key")
