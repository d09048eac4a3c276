"""Consume the outbox: claim pending events, project them, mark them processed.

Events are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (oldest first) in a
transaction on the write database that lasts until the batch is projected, so
a worker that dies mid-batch releases its claim and loses nothing; several
events of one aggregate become one projection. An event whose projection keeps
failing with a non-transient error is parked after MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Count
from django.utils import timezone

from catalog.events import Aggregate
from catalog.models import Event, EventStatus
from catalog.projections.bulk import oldest_bulk_events
from catalog.projections.products import project_brand, project_category, project_products
from catalog.projections.taxonomy import project_brands, project_categories

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


# Changes of a category or brand that show on its products' read rows. Creating one
# touches no product (links come with their own events); a deleted category's
# products got ProductCategoriesChanged; a brand in use cannot be deleted.
FAN_OUT_FIELDS = {Aggregate.CATEGORY: {"name", "parent_id"}, Aggregate.BRAND: {"name"}}

Events = dict[str, list[Event]]


def _fan_out_ids(aggregate_type: str, by_aggregate: Events) -> list[str]:
    """Return the categories or brands whose change must reach their products' rows."""
    updated = [e.id for events in by_aggregate.values() for e in events
               if e.event_type.endswith("Updated")]
    if not updated:
        return []
    fields = FAN_OUT_FIELDS[aggregate_type]
    payloads = Event.objects.filter(id__in=updated).values_list("aggregate_id", "payload")
    return sorted({aggregate_id for aggregate_id, payload in payloads
                   if fields & set(payload.get("changes", {}))})


def _project_group(tenant_id: int, aggregate_type: str, by_aggregate: Events) -> None:
    if aggregate_type == Aggregate.PRODUCT:
        project_products(tenant_id=tenant_id, product_ids=list(by_aggregate))
    elif aggregate_type == Aggregate.CATEGORY:
        project_categories(tenant_id=tenant_id, category_ids=list(by_aggregate))
        for category_id in _fan_out_ids(aggregate_type, by_aggregate):
            project_category(tenant_id=tenant_id, category_id=int(category_id))
    elif aggregate_type == Aggregate.BRAND:
        project_brands(tenant_id=tenant_id, brand_ids=list(by_aggregate))
        for brand_id in _fan_out_ids(aggregate_type, by_aggregate):
            project_brand(tenant_id=tenant_id, brand_id=int(brand_id))


def process_batch(*, batch_size: int = 500,
                  project: Callable[[int, str, Events], None] = _project_group) -> int:
    """Project one batch of pending events; return how many events it handled (0 = none left)."""
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(status=EventStatus.PENDING).order_by("id")
            .only("id", "tenant_id", "aggregate_type", "aggregate_id", "event_type", "attempts")
            [:batch_size]
        )
        if not events:
            return 0
        groups: dict[tuple[int, str], dict[str, list[Event]]] = defaultdict(lambda: defaultdict(list))
        for event in events:
            groups[(event.tenant_id, event.aggregate_type)][event.aggregate_id].append(event)
        done: list[int] = []
        for (tenant_id, aggregate_type), by_aggregate in groups.items():
            try:
                with transaction.atomic():  # a savepoint: a failure leaves the claim intact
                    project(tenant_id, aggregate_type, by_aggregate)
                done += [e.id for evs in by_aggregate.values() for e in evs]
            except TRANSIENT_ERRORS:
                raise
            except DatabaseError as exc:
                # One bad aggregate must not block the others: retry them one by one.
                logger.warning("batch of %s for tenant %s failed (%s); isolating", aggregate_type,
                               tenant_id, exc)
                done += _isolate(tenant_id, aggregate_type, by_aggregate, project)
            except Exception:
                logger.exception("projection failed for tenant %s", tenant_id)
                done += _isolate(tenant_id, aggregate_type, by_aggregate, project)
        Event.objects.filter(id__in=done).update(status=EventStatus.PROCESSED,
                                                 processed_at=timezone.now())
        return len(events)


def _isolate(tenant_id: int, aggregate_type: str, by_aggregate: Events,
             project: Callable[[int, str, Events], None]) -> list[int]:
    """Project aggregates one at a time; count failures and park the hopeless ones."""
    done: list[int] = []
    for aggregate_id, events in by_aggregate.items():
        try:
            with transaction.atomic():
                project(tenant_id, aggregate_type, {aggregate_id: events})
            done += [e.id for e in events]
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            attempts = max(e.attempts for e in events) + 1
            status = EventStatus.PARKED if attempts >= MAX_ATTEMPTS else EventStatus.PENDING
            Event.objects.filter(id__in=[e.id for e in events]).update(
                attempts=attempts, status=status, last_error=f"{type(exc).__name__}: {exc}"[:4000]
            )
    return done


def retry_parked(*, event_ids: list[int]) -> int:
    """Send parked events back to the queue with a fresh attempt count."""
    return Event.objects.filter(id__in=event_ids, status=EventStatus.PARKED).update(
        status=EventStatus.PENDING, attempts=0, last_error=""
    )


def has_stale_pending(*, older_than: timedelta) -> bool:
    """Tell whether a pending event has waited longer than ``older_than`` (its wake-up was lost)."""
    oldest = Event.objects.filter(status=EventStatus.PENDING).order_by("id").values_list(
        "occurred_at", flat=True).first()
    return oldest is not None and oldest < timezone.now() - older_than


# Waiting for projection: live events, and those of bulk imports (projected by the bulk queue).
WAITING = (EventStatus.PENDING, EventStatus.BULK)


def pending_by_tenant() -> dict[int, int]:
    """Return the number of events waiting for projection (live and bulk) per tenant id."""
    counts: dict[int, int] = {}
    for status in WAITING:  # one query per status: each has its own partial index
        rows = Event.objects.filter(status=status).values("tenant_id").annotate(n=Count("id"))
        for row in rows:
            counts[row["tenant_id"]] = counts.get(row["tenant_id"], 0) + row["n"]
    return counts


def projection_lag() -> timedelta:
    """Return the age of the oldest event waiting for projection (zero when none waits)."""
    oldest = list(oldest_bulk_events().values())
    live = Event.objects.filter(status=EventStatus.PENDING).order_by("id").values_list(
        "occurred_at", flat=True).first()  # the event_pending index (id) gives it at once
    if live is not None:
        oldest.append(live)
    return timezone.now() - min(oldest) if oldest else timedelta(0)


def parked_count() -> int:
    """Return the number of parked (dead-letter) events."""
    return Event.objects.filter(status=EventStatus.PARKED).count()
