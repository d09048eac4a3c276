"""The read model lives in its own app label so the router can send it to the "read" alias."""

from django.apps import AppConfig


class ReadConfig(AppConfig):
    """Denormalized read tables (app label ``catalog_read``)."""

    name = "catalog.read"
    label = "catalog_read"
    default_auto_field = "django.db.models.BigAutoField"
