"""Search products of a tenant: pick the backend, run the query, answer with read rows.

Both backends return product ids and facet counts; this module turns them into
the response (read rows with their versions, names for facet values), so the
two backends answer in exactly the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from catalog.read import selectors
from catalog.read.models import BrandView, CategoryView
from catalog.search.base import (
    CATEGORY_FACET_LIMIT,
    FacetCounts,
    SearchBackend,
    SearchRequest,
    SearchUnavailable,
    Suggestion,
    price_ranges,
)
from catalog.search.elastic import ElasticsearchSearch
from catalog.search.postgres import PostgresSearch

logger = logging.getLogger(__name__)

NAMED_FIELDS = ("id", "name", "slug")  # of a category or brand in a facet

BACKENDS: dict[str, type[SearchBackend]] = {"elasticsearch": ElasticsearchSearch,
                                             "postgres": PostgresSearch}


def backend_name() -> str:
    """Return the configured backend: settings.SEARCH_BACKEND, or by ELASTICSEARCH_URL when "auto"."""
    name = settings.SEARCH_BACKEND
    if name == "auto":
        return "elasticsearch" if settings.ELASTICSEARCH_URL else "postgres"
    assert name in BACKENDS, f"SEARCH_BACKEND must be auto, elasticsearch or postgres, not {name!r}."
    return name


def get_backend(name: str | None = None) -> SearchBackend:
    """Return a backend by name (default: the configured one)."""
    return BACKENDS[name or backend_name()]()


@dataclass
class SearchOutcome:
    """A search answer and the backend that gave it (``degraded``: the fallback answered)."""

    body: dict[str, Any]
    backend: str
    degraded: bool = False


def category_facets(*, tenant_id: int, category_id: int | None) -> dict[int, dict[str, Any]]:
    """Return the categories the category facet counts, by id: the chosen one's children, or the roots.

    Each with its name and slug, so the answer needs no second lookup of them.
    """
    queryset = CategoryView.objects.for_tenant(tenant_id)
    queryset = (queryset.filter(parent_id=category_id) if category_id is not None
                else queryset.filter(parent_id__isnull=True))
    return {row["id"]: row for row in queryset.order_by("position", "name", "id")
            .values(*NAMED_FIELDS)[:CATEGORY_FACET_LIMIT]}


def _named(queryset: QuerySet[Any], ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in queryset.filter(id__in=list(ids)).values(*NAMED_FIELDS)}


def _facet_body(tenant_id: int, facets: FacetCounts,
                categories: dict[int, dict[str, Any]] | None) -> dict[str, Any]:
    if categories is None:
        categories = _named(CategoryView.objects.for_tenant(tenant_id), facets.categories)
    brands = _named(BrandView.objects.for_tenant(tenant_id), facets.brands)
    return {
        "categories": sorted(
            ({**categories[i], "count": n} for i, n in facets.categories.items() if i in categories),
            key=lambda item: (-item["count"], item["name"], item["id"])),
        "brands": [{**brands[i], "count": n} for i, n in facets.brands.items() if i in brands],
        "price": [{"key": bucket.key, "from": bucket.low, "to": bucket.high, "count": count}
                  for bucket, count in zip(price_ranges(), facets.prices, strict=True)],
        "availability": [{"key": "in_stock", "count": facets.availability.get(True, 0)},
                         {"key": "out_of_stock", "count": facets.availability.get(False, 0)}],
    }


def _answer(request: SearchRequest, backend: SearchBackend,
            categories: dict[int, dict[str, Any]] | None) -> dict[str, Any]:
    hits = backend.search(request)
    rows = {str(row["id"]): row for row in selectors.products(tenant_id=request.tenant_id)
            .filter(id__in=hits.ids).values(*selectors.PRODUCT_FIELDS)}
    body: dict[str, Any] = {
        # A hit whose read row has just been deleted is left out (the index lags the read table).
        "results": [rows[i] for i in hits.ids if i in rows],
        "count": hits.total,
        "page": request.page,
        "page_size": request.page_size,
    }
    if hits.facets is not None:
        body["facets"] = _facet_body(request.tenant_id, hits.facets, categories)
    return body


def search_products(request: SearchRequest, *, backend: str | None = None,
                    categories: dict[int, dict[str, Any]] | None = None) -> SearchOutcome:
    """Search with the configured backend; when Elasticsearch is unreachable, ask PostgreSQL.

    settings.SEARCH_FALLBACK = "postgres" (the default) answers from the read
    table and marks the answer degraded; "none" lets SearchUnavailable through.
    ``categories``: category_facets() of the request's facet categories, when the
    caller has them (else they are looked up).
    """
    chosen = get_backend(backend)
    try:
        return SearchOutcome(body=_answer(request, chosen, categories), backend=chosen.name)
    except SearchUnavailable as exc:
        if chosen.name == "postgres" or settings.SEARCH_FALLBACK != "postgres":
            raise
        logger.warning("search falls back to PostgreSQL: %s", exc)
        fallback = PostgresSearch()
        return SearchOutcome(body=_answer(request, fallback, categories), backend=fallback.name,
                             degraded=True)


def suggest(*, tenant_id: int, prefix: str, limit: int = 10,
            backend: str | None = None) -> tuple[list[Suggestion], str]:
    """Return completions of ``prefix`` and the backend that answered."""
    chosen = get_backend(backend)
    try:
        return chosen.suggest(tenant_id=tenant_id, prefix=prefix, limit=limit), chosen.name
    except SearchUnavailable as exc:
        if chosen.name == "postgres" or settings.SEARCH_FALLBACK != "postgres":
            raise
        logger.warning("suggest falls back to PostgreSQL: %s", exc)
        return PostgresSearch().suggest(tenant_id=tenant_id, prefix=prefix, limit=limit), "postgres"
