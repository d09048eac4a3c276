"""The acting user of a command."""

from django.contrib.auth.models import AbstractBaseUser


def actor_id(actor: AbstractBaseUser | None) -> int | None:
    """Return the user's id, or None for system actions."""
    return getattr(actor, "pk", None)
