"""What every search backend takes and gives back, so the API is the same on both."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from catalog.read.selectors import ProductFilters

SORTS = ("relevance", "price", "-price", "newest")  # -price: the most expensive first
MAX_RESULT_WINDOW = 10_000  # deepest result reachable by paging (Elasticsearch's default window)
CATEGORY_FACET_LIMIT = 100
BRAND_FACET_LIMIT = 20


class SearchUnavailable(Exception):
    """The search backend cannot answer now (e.g. Elasticsearch unreachable)."""


@dataclass(frozen=True)
class PriceRange:
    """A price facet bucket: ``low`` inclusive, ``high`` exclusive, either open."""

    low: Decimal | None
    high: Decimal | None

    @property
    def key(self) -> str:
        """Return the bucket's name, e.g. ``50-100`` or ``100-*``."""
        return f"{_amount(self.low)}-{_amount(self.high)}"


def _amount(value: Decimal | None) -> str:
    return "*" if value is None else f"{value.normalize():f}"


def price_ranges() -> tuple[PriceRange, ...]:
    """Return the price facet buckets (settings.SEARCH_PRICE_RANGES)."""
    return tuple(PriceRange(None if low is None else Decimal(str(low)),
                            None if high is None else Decimal(str(high)))
                 for low, high in settings.SEARCH_PRICE_RANGES)


@dataclass(frozen=True)
class SearchRequest:
    """A checked search: the text, the list filters, a sort and a page."""

    tenant_id: int
    text: str
    filters: ProductFilters = field(default_factory=ProductFilters)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    facets: bool = True
    category_facet_ids: tuple[int, ...] = ()  # children of the chosen category (or the roots)

    @property
    def offset(self) -> int:
        """Return how many hits come before this page."""
        return (self.page - 1) * self.page_size


@dataclass
class FacetCounts:
    """Counts per facet value, each under every active filter except its own.

    Categories drill down: they count the children of the chosen category (or
    the roots), so the category filter applies to them too.
    """

    categories: dict[int, int] = field(default_factory=dict)
    brands: dict[int, int] = field(default_factory=dict)
    prices: list[int] = field(default_factory=list)  # one count per price_ranges() bucket
    availability: dict[bool, int] = field(default_factory=dict)


@dataclass
class Hits:
    """A page of matching product ids in rank order, the number of matches, and facets."""

    ids: list[str]
    total: int
    facets: FacetCounts | None = None


@dataclass(frozen=True)
class Suggestion:
    """A completion for search-as-you-type."""

    id: str
    sku: str
    name: str


class SearchBackend(Protocol):
    """A search backend."""

    name: str

    def search(self, request: SearchRequest) -> Hits:
        """Return the page of hits (and facets) of ``request``."""
        ...

    def suggest(self, *, tenant_id: int, prefix: str, limit: int) -> list[Suggestion]:
        """Return products whose name or SKU starts with ``prefix`` (typos forgiven)."""
        ...
