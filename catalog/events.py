"""Event types and recording events in the current transaction.

The ordinary model path (``save()``, ``delete()``, ``categories.add()`` and
friends, as the admin uses it) records events through the receivers in
``catalog.signals``. Signals do NOT fire for ``QuerySet.update()``,
``bulk_create()``, ``bulk_update()``, raw SQL or COPY: those paths must call
``record_events_bulk()`` themselves, inside the same transaction.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from catalog.models import Event


class Aggregate:
    PRODUCT = "product"
    CATEGORY = "category"
    BRAND = "brand"


class EventType:
    PRODUCT_CREATED = "ProductCreated"
    PRODUCT_UPDATED = "ProductUpdated"
    PRODUCT_DELETED = "ProductDeleted"
    PRODUCT_CATEGORIES_CHANGED = "ProductCategoriesChanged"
    CATEGORY_CREATED = "CategoryCreated"
    CATEGORY_UPDATED = "CategoryUpdated"
    CATEGORY_DELETED = "CategoryDeleted"
    BRAND_CREATED = "BrandCreated"
    BRAND_UPDATED = "BrandUpdated"
    BRAND_DELETED = "BrandDeleted"


class RawJSON(str):
    """An event payload already rendered as compact JSON, for bulk paths that build it as text."""


@dataclass(frozen=True)
class EventRecord:
    """One event to be written; ``payload`` holds the changed fields (before/after)."""

    tenant_id: int
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    event_type: str
    payload: dict[str, Any] | RawJSON = field(default_factory=dict)
    actor_id: int | None = None
    actor_label: str = ""


def record_event(record: EventRecord, *, using: str = "default") -> Event:
    """Write one event row in the current transaction."""
    assert connections[using].in_atomic_block, (
        "record_event() must run inside the transaction of the change it records."
    )
    wake_projection_on_commit(using=using)
    return Event.objects.using(using).create(
        tenant_id=record.tenant_id,
        aggregate_type=record.aggregate_type,
        aggregate_id=str(record.aggregate_id),
        aggregate_version=record.aggregate_version,
        event_type=record.event_type,
        payload=json.loads(record.payload) if isinstance(record.payload, RawJSON) else record.payload,
        actor_id=record.actor_id,
        actor_label=record.actor_label,
    )


COPY_EVENTS_SQL = (
    "COPY catalog_event (tenant_id, aggregate_type, aggregate_id, aggregate_version, event_type,"
    " payload, actor_id, actor_label, occurred_at, status, attempts, last_error) FROM STDIN"
)


def record_events_bulk(
    records: Iterable[EventRecord], *, using: str = "default", chunk_rows: int = 50_000
) -> int:
    """Write many events with COPY in the current transaction; return how many.

    For the bulk paths that bypass signals (bulk_create, QuerySet.update, COPY).
    """
    connection = connections[using]
    assert connection.in_atomic_block, (
        "record_events_bulk() must run inside the transaction of the changes it records: "
        "wrap the bulk write and this call in transaction.atomic()."
    )
    wake_projection_on_commit(using=using)
    now = timezone.now().isoformat()
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(COPY_EVENTS_SQL) as copy:
        buffer = io.StringIO()
        for record in records:
            payload = (record.payload if isinstance(record.payload, RawJSON)
                       else json.dumps(record.payload, separators=(",", ":"), default=str))
            actor = r"\N" if record.actor_id is None else str(record.actor_id)
            buffer.write(
                f"{record.tenant_id}\t{record.aggregate_type}\t{record.aggregate_id}\t"
                f"{record.aggregate_version}\t{record.event_type}\t{_copy_text(payload)}\t"
                f"{actor}\t{_copy_text(record.actor_label)}\t{now}\tpending\t0\t\n"
            )
            count += 1
            if count % chunk_rows == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def wake_projection_on_commit(*, using: str = "default") -> None:
    """Enqueue one projection wake-up when the current transaction commits.

    A failed enqueue (broker down) is logged and ignored: the write has
    committed and its events are pending, so the periodic relay picks them up.
    """
    connection = connections[using]
    if any(func is _enqueue_projection for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_projection, using=using, robust=True)


def _enqueue_projection() -> None:
    from catalog.tasks import project_pending_task

    project_pending_task.apply_async(retry=False)


def _copy_text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def current_transaction_id(*, using: str = "default") -> int:
    """Return the id of the open database transaction (assigning one if needed)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return int(cursor.fetchone()[0])
