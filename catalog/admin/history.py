"""A product's change history for the admin, built from the event store."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet

from catalog.events import Aggregate
from catalog.models import Brand, Category, Event, Product

CHANGE_PAGE_LIMIT = 50
EMPTY = "\u2014"


@dataclass(frozen=True)
class FieldChange:
    """One field of one event: its value before and after."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    """One event of a product, ready to show."""

    occurred_at: datetime
    actor: str
    event_type: str
    version: int
    status: str
    changes: tuple[FieldChange, ...]


def product_events(product: Product) -> QuerySet[Event]:
    """Return the events of ``product``, newest first (served by the event_history index)."""
    return (
        Event.objects.filter(tenant_id=product.tenant_id, aggregate_type=Aggregate.PRODUCT,
                             aggregate_id=str(product.pk))
        .select_related("actor")
        .order_by("-id")
    )


def history_rows(events: Iterable[Event], *, tenant_id: int) -> list[HistoryRow]:
    """Turn events into rows, naming brands and categories with one query each."""
    events = list(events)
    diffs = [_diff(event.payload or {}) for event in events]
    names = _names(diffs, tenant_id=tenant_id)
    return [
        HistoryRow(
            occurred_at=event.occurred_at,
            actor=event.actor_name,
            event_type=event.event_type,
            version=event.aggregate_version,
            status=event.get_status_display(),
            changes=tuple(
                FieldChange(_label(field), _show(field, before, names),
                            _show(field, after, names))
                for field, before, after in diff
            ),
        )
        for event, diff in zip(events, diffs, strict=True)
    ]


def _diff(payload: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Return (field, before, after) from any payload shape the signals and commands write."""
    if "changes" in payload:
        return [(field, pair[0], pair[1]) for field, pair in payload["changes"].items()]
    if "after" in payload:  # created
        return [(field, None, value) for field, value in payload["after"].items() if _set(value)]
    if "before" in payload:  # deleted
        return [(field, value, None) for field, value in payload["before"].items() if _set(value)]
    return []


def _set(value: Any) -> bool:
    return value not in (None, "", [], {})


def _names(diffs: list[list[tuple[str, Any, Any]]], *, tenant_id: int) -> dict[str, dict[int, str]]:
    wanted: dict[str, set[int]] = {"brand_id": set(), "category_ids": set()}
    for diff in diffs:
        for field, before, after in diff:
            if field == "brand_id":
                wanted[field].update(v for v in (before, after) if v is not None)
            elif field == "category_ids":
                wanted[field].update([*(before or ()), *(after or ())])
    return {
        "brand_id": _name_map(Brand, tenant_id, wanted["brand_id"]),
        "category_ids": _name_map(Category, tenant_id, wanted["category_ids"]),
    }


def _name_map(model: Any, tenant_id: int, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(model.objects.for_tenant(tenant_id).filter(pk__in=ids).values_list("pk", "name"))


def _show(field: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "":
        return EMPTY
    if field == "brand_id":
        return names["brand_id"].get(value, f"#{value} (deleted)")
    if field == "category_ids":
        return ", ".join(names["category_ids"].get(pk, f"#{pk} (deleted)") for pk in value) or EMPTY
    if isinstance(value, list):
        return ", ".join(map(str, value)) or EMPTY
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _label(name: str) -> str:
    if name == "category_ids":
        return "categories"
    try:
        return str(Product._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name
