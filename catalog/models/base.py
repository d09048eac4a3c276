"""What every tenant-owned, event-recording model shares."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, router, transaction


class TenantQuerySet(models.QuerySet):
    """The one entry point for tenant-scoped queries: ``Model.objects.for_tenant(tenant)``."""

    def for_tenant(self, tenant: Any) -> TenantQuerySet:
        """Return only the rows of ``tenant`` (a Tenant or its id)."""
        tenant_id = getattr(tenant, "pk", tenant)
        assert tenant_id is not None, "for_tenant() needs a saved tenant or a tenant id."
        return self.filter(tenant_id=tenant_id)


def updated_by_index(name: str) -> models.Index:
    """Return an index of ``updated_by`` over the rows that have one, for a user's deletion."""
    return models.Index(fields=["updated_by"], name=name, condition=models.Q(updated_by__isnull=False))


class EventSourcedModel(models.Model):
    """A tenant-owned aggregate whose every change records an event in the same transaction.

    ``save()`` and ``delete()`` run inside ``transaction.atomic`` so that the
    pre/post signal receivers in ``catalog.signals`` (which bump ``version`` and
    write the event row) share the transaction of the write even in autocommit
    mode. The acting user travels on the instance as ``updated_by``: set it
    before ``save()`` or ``delete()``; no thread-locals. An actor that is not a
    user (an API key) travels the same way as ``actor_label``, which is not
    stored on the row, only on the events it records.
    """

    actor_label = ""

    # No index of its own: every subclass has indexes that begin with the tenant.
    tenant = models.ForeignKey("catalog.Tenant", on_delete=models.PROTECT, db_index=False)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Indexed by each subclass where it is set only (updated_by_index): imported rows have none.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False, db_index=False,
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            return super().delete(*args, **kwargs)
