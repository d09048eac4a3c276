"""Parse and check query parameters: every bad one is reported by name (400), never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import ValidationError

from catalog.read.selectors import SORT_COLUMNS, Ordering, ProductFilters

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
MAX_ID = 2**63 - 1
AMOUNT = re.compile(r"^\d{1,8}(\.\d{1,2})?$")
ATTRIBUTE = re.compile(r"^attr(?:\.(?P<dot>.+)|\[(?P<bracket>.+)\])$", re.DOTALL)
DEFAULT_ORDER = {"name": "asc", "price": "asc", "newest": "desc", "updated": "desc"}
COMMON_PARAMS = frozenset({"format"})
LIST_PARAMS = COMMON_PARAMS | {
    "category", "brand", "price_min", "price_max", "availability", "tag", "updated_since",
    "sort", "order", "cursor", "page_size", "include_total",
}
BRAND_LIST_PARAMS = COMMON_PARAMS | {"cursor", "page_size"}
REPEATABLE = frozenset({"tag"})
MAX_TAGS, MAX_ATTRIBUTES = 10, 10
# A cursor holds a sort value: a 255-character name escapes to up to 12 characters
# each in the signed JSON (astral characters), and base64 adds a third.
MAX_CURSOR = 4500

NOT_ALLOWED = "Unknown parameter; allowed: {allowed}."
ONCE = "Give this parameter once."
WHOLE_NUMBER = f"Must be a whole number from 1 to {MAX_ID}."
AMOUNT_INVALID = "Must be an amount of 0 or more with at most 2 decimals, e.g. 19.90."
PRICE_ORDER = "Must not be above price_max."
CHOICE = "Must be one of: {choices}."
BOOLEAN = "Must be true or false."
DATETIME = "Must be an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z."
PAGE_SIZE = f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."
TEXT = "Must be 1 to {limit} characters without control characters."
TOO_MANY = "At most {limit} values."
UUID_INVALID = "Must be a valid UUID."


@dataclass(frozen=True)
class ProductQuery:
    """A checked product list request."""

    filters: ProductFilters
    ordering: Ordering
    page_size: int
    include_total: bool
    cursor: str | None


class Problems:
    """Collect errors per parameter, then raise them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        """Record a problem with parameter ``name``."""
        self.errors.setdefault(name, []).append(message)

    def raise_any(self) -> None:
        """Raise a 400 naming every bad parameter, if there is one."""
        if self.errors:
            raise ValidationError(self.errors)


def is_text(value: str, limit: int) -> bool:
    """Tell whether ``value`` is 1..limit printable characters (no NUL: PostgreSQL rejects it)."""
    return 0 < len(value) <= limit and not any(ord(c) < 32 or c == "\x7f" for c in value)


def check_names(query: QueryDict, allowed: Iterable[str], problems: Problems, *,
                attributes: bool = False) -> None:
    """Report parameters that are unknown or given more than once."""
    allowed = frozenset(allowed)
    names = sorted(allowed - COMMON_PARAMS) + (["attr.<name>"] if attributes else [])
    for name, values in query.lists():
        if name not in allowed and not (attributes and ATTRIBUTE.match(name)):
            problems.add(name, NOT_ALLOWED.format(allowed=", ".join(names) or "none"))
        elif len(values) > 1 and name not in REPEATABLE:
            problems.add(name, ONCE)


def check_query(query: QueryDict, allowed: Iterable[str] = COMMON_PARAMS) -> None:
    """Reject unknown or repeated parameters on endpoints that take (almost) none."""
    problems = Problems()
    check_names(query, allowed, problems)
    problems.raise_any()


def parse_uuid(value: str, name: str = "id") -> UUID:
    """Return ``value`` as a UUID, or raise a 400 naming ``name``."""
    try:
        return UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise ValidationError({name: [UUID_INVALID]}) from None


def _whole(value: str, name: str, problems: Problems) -> int | None:
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    problems.add(name, WHOLE_NUMBER)
    return None


def _amount(value: str, name: str, problems: Problems) -> Decimal | None:
    if AMOUNT.match(value):
        return Decimal(value)
    problems.add(name, AMOUNT_INVALID)
    return None


def _datetime(value: str, name: str, problems: Problems) -> datetime | None:
    # A "+" in an offset arrives as a space when the client did not encode it.
    for candidate in (value, value.replace(" ", "+")):
        try:
            parsed = parse_datetime(candidate)
            if parsed is None and (day := parse_date(candidate)) is not None:
                parsed = datetime(day.year, day.month, day.day)
        except ValueError:
            parsed = None
        if parsed is not None:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts.
            try:
                return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            except OverflowError:  # before year 1 once in UTC
                break
    problems.add(name, DATETIME)
    return None


def _boolean(value: str, name: str, problems: Problems) -> bool:
    lowered = value.lower()
    if lowered in {"true", "1"}:
        return True
    if lowered not in {"false", "0"}:
        problems.add(name, BOOLEAN)
    return False


def _choice(value: str, name: str, choices: Iterable[str], problems: Problems) -> str | None:
    choices = tuple(choices)
    if value in choices:
        return value
    problems.add(name, CHOICE.format(choices=", ".join(choices)))
    return None


def _page_size(query: QueryDict, problems: Problems) -> int:
    value = query.get("page_size")
    if value is None:
        return DEFAULT_PAGE_SIZE
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE:
        return int(value)
    problems.add("page_size", PAGE_SIZE)
    return DEFAULT_PAGE_SIZE


def _filters(query: QueryDict, problems: Problems) -> ProductFilters:
    get = query.get
    fields: dict[str, Any] = {}
    if (value := get("category")) is not None:
        fields["category_id"] = _whole(value, "category", problems)
    if (value := get("brand")) is not None:
        fields["brand_id"] = _whole(value, "brand", problems)
    for name in ("price_min", "price_max"):
        if (value := get(name)) is not None:
            fields[name] = _amount(value, name, problems)
    low, high = fields.get("price_min"), fields.get("price_max")
    if low is not None and high is not None and low > high:
        problems.add("price_min", PRICE_ORDER)
    if (value := get("availability")) is not None:
        choice = _choice(value, "availability", ("in_stock", "out_of_stock"), problems)
        fields["available"] = None if choice is None else choice == "in_stock"
    tags = query.getlist("tag")
    if len(tags) > MAX_TAGS:
        problems.add("tag", TOO_MANY.format(limit=MAX_TAGS))
    elif any(not is_text(tag, 50) for tag in tags):
        problems.add("tag", TEXT.format(limit=50))
    fields["tags"] = tuple(tags)
    attributes = []
    for name, value in query.items():
        if match := ATTRIBUTE.match(name):
            key = match["dot"] or match["bracket"]
            if not is_text(key, 100) or not is_text(value, 200):
                problems.add(name, TEXT.format(limit=200))
            attributes.append((key, value))
    if len(attributes) > MAX_ATTRIBUTES:
        problems.add("attr", TOO_MANY.format(limit=MAX_ATTRIBUTES))
    fields["attributes"] = tuple(sorted(attributes))
    if (value := get("updated_since")) is not None:
        fields["updated_since"] = _datetime(value, "updated_since", problems)
    return ProductFilters(**fields)


@dataclass(frozen=True)
class PageQuery:
    """A checked request for a page of a list without filters (brands)."""

    page_size: int
    cursor: str | None


def _page(query: QueryDict, problems: Problems) -> tuple[int, str | None]:
    page_size = _page_size(query, problems)
    cursor = query.get("cursor")
    if cursor is not None and not is_text(cursor, MAX_CURSOR):
        problems.add("cursor", TEXT.format(limit=MAX_CURSOR))
    return page_size, cursor


def parse_page_query(query: QueryDict) -> PageQuery:
    """Check the parameters of a plain keyset list (page_size, cursor); raise one 400 naming the bad ones."""
    problems = Problems()
    check_names(query, BRAND_LIST_PARAMS, problems)
    page_size, cursor = _page(query, problems)
    problems.raise_any()
    return PageQuery(page_size=page_size, cursor=cursor)


def parse_product_query(query: QueryDict) -> ProductQuery:
    """Check every parameter of the product list; raise one 400 naming all the bad ones."""
    problems = Problems()
    check_names(query, LIST_PARAMS, problems, attributes=True)
    filters = _filters(query, problems)
    sort = _choice(query.get("sort", "name"), "sort", SORT_COLUMNS, problems) or "name"
    order = _choice(query.get("order", DEFAULT_ORDER[sort]), "order", ("asc", "desc"), problems)
    page_size, cursor = _page(query, problems)
    include_total = _boolean(query.get("include_total", "false"), "include_total", problems)
    problems.raise_any()
    return ProductQuery(filters=filters, ordering=Ordering(sort=sort, descending=order == "desc"),
                        page_size=page_size, include_total=include_total, cursor=cursor)


SEARCH_PARAMS = COMMON_PARAMS | {
    "q", "category", "brand", "price_min", "price_max", "availability", "tag", "updated_since",
    "sort", "page", "page_size", "facets",
}
SUGGEST_PARAMS = COMMON_PARAMS | {"q", "limit"}
MAX_QUERY_LENGTH, MAX_SUGGESTIONS = 200, 20
PAGE_WINDOW = "page * page_size must stay within the first {window} results; narrow the search."


@dataclass(frozen=True)
class SearchParams:
    """A checked search request, before the tenant is known."""

    text: str
    filters: ProductFilters
    sort: str
    page: int
    page_size: int
    facets: bool


def parse_search_query(query: QueryDict) -> SearchParams:
    """Check every parameter of a search; raise one 400 naming all the bad ones."""
    from catalog.search.base import MAX_RESULT_WINDOW, SORTS

    problems = Problems()
    check_names(query, SEARCH_PARAMS, problems, attributes=True)
    text = query.get("q", "").strip()
    if text and not is_text(text, MAX_QUERY_LENGTH):
        problems.add("q", TEXT.format(limit=MAX_QUERY_LENGTH))
    filters = _filters(query, problems)
    sort = _choice(query.get("sort", "relevance"), "sort", SORTS, problems) or "relevance"
    page = _whole(query.get("page", "1"), "page", problems) or 1
    page_size = _page_size(query, problems)
    if page * page_size > MAX_RESULT_WINDOW:
        problems.add("page", PAGE_WINDOW.format(window=MAX_RESULT_WINDOW))
    facets = _boolean(query.get("facets", "true"), "facets", problems)
    problems.raise_any()
    return SearchParams(text=text, filters=filters, sort=sort, page=page, page_size=page_size,
                        facets=facets)


def parse_suggest_query(query: QueryDict) -> tuple[str, int]:
    """Check a suggest request: the prefix ``q`` (required) and ``limit``."""
    problems = Problems()
    check_names(query, SUGGEST_PARAMS, problems)
    prefix = query.get("q", "").strip()
    if not is_text(prefix, 50):
        problems.add("q", "Required: " + TEXT.format(limit=50))
    limit = 10
    if (value := query.get("limit")) is not None:
        if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_SUGGESTIONS:
            limit = int(value)
        else:
            problems.add("limit", f"Must be a whole number from 1 to {MAX_SUGGESTIONS}.")
    problems.raise_any()
    return prefix, limit
