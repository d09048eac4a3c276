"""Project the events a bulk import recorded (status ``bulk``), in large chunks per tenant.

An import of a million products records a million events; the live outbox
(500 events a batch, oldest first, every tenant) would chew through them while
other tenants' edits wait behind. These events skip it: this consumer claims a
tenant's bulk events ``chunk_size`` at a time (FOR UPDATE SKIP LOCKED, in the
write transaction that marks them processed), projects their products with one
set-based ``project_products`` call, and commits. A crash leaves the claimed
events in ``bulk``, and ``catalog.tasks.relay_outbox_task`` wakes this again.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from catalog.models import Event, EventStatus
from catalog.projections.products import project_products


def project_bulk_chunk(*, tenant_id: int, chunk_size: int = 5000) -> int:
    """Project one chunk of the tenant's bulk events; return how many events it handled."""
    with transaction.atomic():
        events = list(
            Event.objects.for_tenant(tenant_id).select_for_update(skip_locked=True)
            .filter(status=EventStatus.BULK).order_by("id").values_list("id", "aggregate_id")
            [:chunk_size]
        )
        if not events:
            return 0
        project_products(tenant_id=tenant_id, product_ids=sorted({pid for _, pid in events}))
        Event.objects.filter(id__in=[pk for pk, _ in events]).update(
            status=EventStatus.PROCESSED, processed_at=timezone.now())
        return len(events)


def project_bulk(*, tenant_id: int, budget_seconds: float | None = None, chunk_size: int = 5000) -> int:
    """Project the tenant's bulk events until none are left or the time budget is spent."""
    handled = 0
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    while deadline is None or time.monotonic() < deadline:
        count = project_bulk_chunk(tenant_id=tenant_id, chunk_size=chunk_size)
        if count == 0:
            break
        handled += count
    return handled


def has_bulk(*, tenant_id: int) -> bool:
    """Tell whether the tenant has bulk events left."""
    return Event.objects.for_tenant(tenant_id).filter(status=EventStatus.BULK).exists()


def stale_bulk_tenants(*, older_than: timedelta) -> list[int]:
    """Return the tenants whose oldest bulk event waited longer than ``older_than``."""
    limit = timezone.now() - older_than
    oldest = Event.objects.filter(status=EventStatus.BULK).order_by("id").values_list(
        "occurred_at", flat=True).first()
    if oldest is None or oldest >= limit:
        return []
    return sorted(set(Event.objects.filter(status=EventStatus.BULK, occurred_at__lt=limit)
                      .values_list("tenant_id", flat=True).distinct()))
