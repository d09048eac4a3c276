"""Project the events a bulk import recorded (status ``bulk``), in large chunks per tenant.

An import of a million products records a million events; the live outbox
(500 events a batch, oldest first, every tenant) would chew through them while
other tenants' edits wait behind. These events skip it: this consumer claims a
tenant's bulk events ``chunk_size`` at a time (FOR UPDATE SKIP LOCKED, in the
write transaction that marks them processed), projects their products with one
set-based ``project_products`` call, and commits. A crash leaves the claimed
events in ``bulk``, and ``catalog.tasks.relay_outbox_task`` wakes this again.

With ``workers`` > 1, chunks are projected side by side, each on its own
connections, under the tenant lock taken *shared* as the rebuild does (a live
batch still never interleaves with them; the version guard keeps the newest row
when two chunks hold events of one product).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from catalog.models import Event, EventStatus
from catalog.projections.products import project_products, retry_deadlocks
from catalog.projections.side_by_side import side_by_side


def project_bulk_chunk(*, tenant_id: int, chunk_size: int = 5000, shared: bool = False) -> int:
    """Project one chunk of the tenant's bulk events; return how many events it handled."""
    with transaction.atomic():
        events = list(
            Event.objects.for_tenant(tenant_id).select_for_update(skip_locked=True)
            .filter(status=EventStatus.BULK).order_by("id").values_list("id", "aggregate_id")
            [:chunk_size]
        )
        if not events:
            return 0
        project_products(tenant_id=tenant_id, product_ids=sorted({pid for _, pid in events}),
                         shared=shared)
        Event.objects.filter(id__in=[pk for pk, _ in events]).update(
            status=EventStatus.PROCESSED, processed_at=timezone.now())
        return len(events)


def project_bulk(*, tenant_id: int, budget_seconds: float | None = None, chunk_size: int = 5000,
                 workers: int | None = None) -> int:
    """Project the tenant's bulk events until none are left or the time budget is spent.

    ``workers`` (settings.BULK_PROJECTION_WORKERS) chunks run side by side; called
    inside a transaction, one runs on the caller's connections.
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    return side_by_side(
        # Side by side, each chunk takes the tenant lock shared (see the module docstring).
        lambda threaded: _project_until_done(tenant_id, chunk_size, deadline, shared=threaded),
        workers=workers if workers is not None else settings.BULK_PROJECTION_WORKERS,
        alias="default", name="bulk-projection")


def _project_until_done(tenant_id: int, chunk_size: int, deadline: float | None, *,
                        shared: bool) -> int:
    handled = 0
    while deadline is None or time.monotonic() < deadline:
        # A deadlocked chunk rolls back its claim too: its events are claimed again.
        count = retry_deadlocks(
            lambda: project_bulk_chunk(tenant_id=tenant_id, chunk_size=chunk_size, shared=shared),
            shared=shared, what="bulk chunk")
        if count == 0:
            break
        handled += count
    return handled


def has_bulk(*, tenant_id: int) -> bool:
    """Tell whether the tenant has bulk events left."""
    return Event.objects.for_tenant(tenant_id).filter(status=EventStatus.BULK).exists()


# Each tenant's first bulk event, one probe of the event_bulk index (tenant_id, id) per tenant
# that has any. Walking the events in id order to the first bulk one instead read every
# processed event before it (0.57 s over 1.2 million), and the event table grows forever.
OLDEST_BULK_SQL = f"""
WITH RECURSIVE firsts AS (
    (SELECT tenant_id, id FROM {Event._meta.db_table} WHERE status = %(bulk)s ORDER BY tenant_id, id LIMIT 1)
    UNION ALL
    SELECT n.tenant_id, n.id FROM firsts f CROSS JOIN LATERAL (
        SELECT tenant_id, id FROM {Event._meta.db_table}
        WHERE status = %(bulk)s AND tenant_id > f.tenant_id ORDER BY tenant_id, id LIMIT 1) n
)
SELECT f.tenant_id, e.occurred_at FROM firsts f JOIN {Event._meta.db_table} e ON e.id = f.id
"""


def oldest_bulk_events() -> dict[int, datetime]:
    """Return when each tenant with bulk events recorded its first one still waiting."""
    with connections[router.db_for_read(Event)].cursor() as cursor:
        cursor.execute(OLDEST_BULK_SQL, {"bulk": EventStatus.BULK})
        return dict(cursor.fetchall())


def stale_bulk_tenants(*, older_than: timedelta) -> list[int]:
    """Return the tenants whose oldest bulk event waited longer than ``older_than``."""
    limit = timezone.now() - older_than
    return sorted(tenant for tenant, first in oldest_bulk_events().items() if first < limit)
