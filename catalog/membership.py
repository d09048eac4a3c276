"""Recording changes of product-category membership (the many-to-many links).

A membership change is a change of the product: it bumps the product's version
and records ProductCategoriesChanged with the category ids before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections

from catalog.events import (
    Aggregate,
    EventRecord,
    EventType,
    current_transaction_id,
    record_event,
    record_events_bulk,
)
from catalog.models import Event, Product


def category_ids_by_product(product_ids: Iterable[Any], *, using: str = "default") -> dict:
    """Return ``{product_id: set(category_ids)}`` for the given products (empty sets included)."""
    ids = list(product_ids)
    result: dict[Any, set[int]] = {pid: set() for pid in ids}
    if not ids:
        return result
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT product_id, array_agg(category_id) FROM catalog_product_category"
            " WHERE product_id = ANY(%s) GROUP BY product_id",
            [ids],
        )
        for product_id, category_ids in cursor.fetchall():
            result[product_id] = set(category_ids)
    return result


def _payload(before: set[int], after: set[int]) -> dict[str, Any]:
    return {"changes": {"category_ids": [sorted(before), sorted(after)]}}


def bump_versions(product_ids: list[Any], *, using: str = "default") -> dict[Any, int]:
    """Add one to the version of each product (one statement); return the new versions."""
    if not product_ids:
        return {}
    with connections[using].cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product SET version = version + 1, updated_at = now()"
            " WHERE id = ANY(%s) RETURNING id, version",
            [product_ids],
        )
        return dict(cursor.fetchall())


def record_changes(
    *, tenant_id: int, product_ids: list[Any], before: dict[Any, set[int]],
    actor_id: int | None, using: str = "default", removed_category_ids: set[int] | None = None,
    actor_label: str = "",
) -> int:
    """Bump and record every product whose category set differs from ``before``; return count."""
    if removed_category_ids is not None:
        after = {pid: before[pid] - removed_category_ids for pid in product_ids}
    else:
        after = category_ids_by_product(product_ids, using=using)
    changed = [pid for pid in product_ids if before.get(pid, set()) != after[pid]]
    versions = bump_versions(changed, using=using)
    return record_events_bulk(
        (
            EventRecord(
                tenant_id=tenant_id, aggregate_type=Aggregate.PRODUCT, aggregate_id=str(pid),
                aggregate_version=version, event_type=EventType.PRODUCT_CATEGORIES_CHANGED,
                payload=_payload(before.get(pid, set()), after[pid]), actor_id=actor_id,
                actor_label=actor_label,
            )
            for pid, version in versions.items()
        ),
        using=using,
    )


def record_product_change(product: Product, *, before: set[int], using: str = "default") -> None:
    """Record a membership change of one product, one event per transaction.

    ``categories.set()`` removes and then adds; both steps of one transaction
    are folded into a single event and a single version bump.
    """
    after = category_ids_by_product([product.pk], using=using)[product.pk]
    txid = current_transaction_id(using=using)
    earlier: tuple[Event, int] | None = getattr(product, "_membership_event", None)
    if earlier is not None and earlier[1] == txid:
        event = earlier[0]
        first_before = set(event.payload["changes"]["category_ids"][0])
        event.payload = _payload(first_before, after)
        event.save(update_fields=["payload"])
        return
    if before == after:
        return
    product.version = bump_versions([product.pk], using=using)[product.pk]
    event = record_event(
        EventRecord(
            tenant_id=product.tenant_id, aggregate_type=Aggregate.PRODUCT,
            aggregate_id=str(product.pk), aggregate_version=product.version,
            event_type=EventType.PRODUCT_CATEGORIES_CHANGED, payload=_payload(before, after),
            actor_id=product.updated_by_id, actor_label=product.actor_label,
        ),
        using=using,
    )
    product._membership_event = (event, txid)
