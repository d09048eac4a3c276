"""The event store: the audit trail and the outbox the projections consume."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog.models.base import TenantQuerySet


class EventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    PARKED = "parked", "Parked (failed)"
    # Recorded by a bulk import: projected in large chunks by the bulk queue, not the live one.
    BULK = "bulk", "Pending (bulk)"


class Event(models.Model):
    """A fact about one aggregate, written in the same transaction as the change.

    The table grows forever (it is the audit trail), so pending work is found
    through a partial index on pending rows only.
    """

    # Indexed by the indexes below that begin with the tenant, not on its own.
    tenant = models.ForeignKey("catalog.Tenant", on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    aggregate_type = models.CharField(max_length=20)
    aggregate_id = models.CharField(max_length=36)
    aggregate_version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey(  # indexed where set only (event_actor): most events have none
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(
        max_length=100, blank=True, db_default="",
        help_text="Who acted when it was not a user, e.g. api-key:ck_1a2b3c4d5e; empty otherwise.")
    occurred_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-id"], name="event_tenant_recent"),
            models.Index(
                fields=["tenant", "aggregate_type", "aggregate_id", "id"], name="event_history"
            ),
            models.Index(
                fields=["id"], name="event_pending",
                condition=models.Q(status=EventStatus.PENDING),
            ),
            models.Index(
                fields=["id"], name="event_parked", condition=models.Q(status=EventStatus.PARKED),
            ),
            models.Index(
                fields=["tenant", "id"], name="event_bulk", condition=models.Q(status=EventStatus.BULK),
            ),
            models.Index(fields=["actor"], name="event_actor", condition=models.Q(actor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id} v{self.aggregate_version}"

    @property
    def actor_name(self) -> str:
        """Return who caused the event: the user's name, the service's label, or "system"."""
        if self.actor is not None:
            return self.actor.get_username()
        return self.actor_label or "system"
