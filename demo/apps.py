from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The bundled demo games (Reaction Race, Quick Quiz): a worked example of a GameBuddies integration."""

    name = "demo"
    verbose_name = "Demo games"
    default_auto_field = "django.db.models.BigAutoField"
