"""App configuration."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Connect the event-recording signal receivers when the app is ready."""

    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog import signals  # noqa: F401
