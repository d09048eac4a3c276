"""Keyset pagination: an opaque, signed cursor holding the last row's sort value and id.

The cursor is bound to the tenant and the sort it was made for; anything else
(edited, truncated, another tenant's, another sort's) is a 400 naming ``cursor``.
Pages stay stable while rows are inserted or edited: a page starts strictly
after the previous page's last (value, id), never at an offset.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core import signing
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from catalog.read.selectors import Ordering, Position

SIGNER = signing.Signer(salt="catalog.api.cursor")
CURSOR_INVALID = "Invalid cursor: pass the next_cursor of a previous page unchanged."
CURSOR_OTHER_SORT = "This cursor belongs to another sort or order; keep sort and order unchanged."


def encode_cursor(*, tenant_id: int, ordering: Ordering, row: dict[str, Any]) -> str:
    """Return the cursor that continues after ``row``."""
    value = row[ordering.column]
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return SIGNER.sign_object([tenant_id, ordering.sort, ordering.descending, text, str(row["id"])])


def decode_cursor(cursor: str, *, tenant_id: int, ordering: Ordering) -> Position:
    """Return the position a cursor points at, or raise a 400 naming ``cursor``."""
    try:
        tenant, sort, descending, text, last_id = SIGNER.unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError({"cursor": [CURSOR_INVALID]}) from None
    if tenant != tenant_id:
        raise ValidationError({"cursor": [CURSOR_INVALID]})
    if (sort, descending) != (ordering.sort, ordering.descending):
        raise ValidationError({"cursor": [CURSOR_OTHER_SORT]})
    try:
        return Position(value=_value(ordering, text), id=UUID(last_id))
    except (ValueError, TypeError, AttributeError, InvalidOperation):
        raise ValidationError({"cursor": [CURSOR_INVALID]}) from None


def encode_brand_cursor(*, tenant_id: int, row: dict[str, Any]) -> str:
    """Return the cursor that continues the brand list after ``row``."""
    return SIGNER.sign_object([tenant_id, "brands", row["name"], row["id"]])


def decode_brand_cursor(cursor: str, *, tenant_id: int) -> tuple[str, int]:
    """Return the (name, id) a brand cursor points after, or raise a 400 naming ``cursor``."""
    try:
        tenant, kind, name, last_id = SIGNER.unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError({"cursor": [CURSOR_INVALID]}) from None
    if (tenant, kind) != (tenant_id, "brands") or not isinstance(name, str) or type(last_id) is not int:
        raise ValidationError({"cursor": [CURSOR_INVALID]})
    return name, last_id


def _value(ordering: Ordering, text: str) -> Any:
    if ordering.column == "effective_price":
        return Decimal(text)
    if ordering.column in {"created_at", "updated_at"}:
        return datetime.fromisoformat(text)
    return text


def next_link(request: Request, cursor: str) -> str:
    """Return the URL of the next page: this request's URL with ``cursor`` replaced."""
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
