"""The actor of a command: a user, a service such as an API key, or nobody (the system)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class ServiceActor:
    """An actor that is not a user, named in the events it causes (e.g. ``api-key:ck_1a2b3c4d5e``)."""

    label: str
    pk = None


Actor = AbstractBaseUser | ServiceActor | None


def actor_id(actor: Actor) -> int | None:
    """Return the user's id, or None for services and system actions."""
    return getattr(actor, "pk", None)


def actor_label(actor: Actor) -> str:
    """Return the name a service actor goes by in events; empty for users and the system."""
    return actor.label if isinstance(actor, ServiceActor) else ""
