"""Search on PostgreSQL: full text (the read rows' search vectors) and trigram similarity.

Words come from the search vector, which holds SKU, name and every translated
name (weight A), tags (B) and descriptions (C), so ranking puts name matches
above tag and description matches. When no product has every word, typo
tolerance takes over: ``word_similarity`` of the text against the name (pg_trgm,
GIN index on the name). An exact SKU matches and ranks first either way.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connections, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from catalog.read import selectors
from catalog.read.models import ProductView
from catalog.read.selectors import ProductFilters
from catalog.search.base import (
    BRAND_FACET_LIMIT,
    FacetCounts,
    Hits,
    SearchRequest,
    Suggestion,
    price_ranges,
)

READ_ALIAS = "read"
NO_FACET_FILTERS = {"brand_id": None, "price_min": None, "price_max": None, "available": None}


def _set_threshold() -> None:
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                       [str(settings.SEARCH_TRIGRAM_THRESHOLD)])


def _matching(request: SearchRequest, filters: ProductFilters, *,
              similar: bool = False) -> QuerySet[ProductView]:
    """Return the matches: every word (full text), or with ``similar`` names like the text."""
    queryset = selectors.filtered_products(tenant_id=request.tenant_id, filters=filters)
    if not request.text:
        return queryset
    if similar:
        return queryset.filter(Q(name__trigram_word_similar=request.text) | Q(sku=request.text))
    words = SearchQuery(request.text, config="simple", search_type="websearch")
    return queryset.filter(Q(search_vector=words) | Q(sku=request.text))


def _facet_filters(filters: ProductFilters, *, keep: str = "") -> Q:
    """Return the facet-field filters of ``filters`` as a Q, leaving out the facet ``keep``."""
    condition = Q()
    if keep != "brand" and filters.brand_id is not None:
        condition &= Q(brand_id=filters.brand_id)
    if keep != "price":
        if filters.price_min is not None:
            condition &= Q(effective_price__gte=filters.price_min)
        if filters.price_max is not None:
            condition &= Q(effective_price__lte=filters.price_max)
    if keep != "availability" and filters.available is not None:
        condition &= Q(is_available=filters.available)
    return condition


def _price_bucket(low: Any, high: Any) -> Q:
    condition = Q()
    if low is not None:
        condition &= Q(effective_price__gte=low)
    if high is not None:
        condition &= Q(effective_price__lt=high)
    return condition


def _facets(request: SearchRequest, *, similar: bool) -> tuple[int, FacetCounts]:
    """Count the matches and the facet values in two passes (facet filters left out of the base)."""
    filters = request.filters
    base = _matching(request, dataclasses.replace(filters, **NO_FACET_FILTERS), similar=similar)
    every, no_price = _facet_filters(filters), _facet_filters(filters, keep="price")
    no_availability = _facet_filters(filters, keep="availability")
    counts: dict[str, Any] = {
        f"c{category_id}": Count("id", filter=every & Q(category_tree_ids__contains=[category_id]))
        for category_id in request.category_facet_ids
    }
    ranges = price_ranges()
    counts |= {f"p{i}": Count("id", filter=no_price & _price_bucket(r.low, r.high))
               for i, r in enumerate(ranges)}
    counts |= {"in_stock": Count("id", filter=no_availability & Q(is_available=True)),
               "out_of_stock": Count("id", filter=no_availability & Q(is_available=False)),
               "total": Count("id", filter=every)}
    totals = base.aggregate(**counts)
    brands = (base.filter(_facet_filters(filters, keep="brand"), brand_id__isnull=False)
              .values("brand_id").annotate(n=Count("id")).order_by("-n", "brand_id")
              [:BRAND_FACET_LIMIT])
    return totals["total"], FacetCounts(
        categories={c: totals[f"c{c}"] for c in request.category_facet_ids if totals[f"c{c}"]},
        brands={row["brand_id"]: row["n"] for row in brands},
        prices=[totals[f"p{i}"] for i in range(len(ranges))],
        availability={True: totals["in_stock"], False: totals["out_of_stock"]},
    )


def _ordered(queryset: QuerySet[ProductView], request: SearchRequest, *,
             similar: bool) -> QuerySet[ProductView]:
    if request.sort in {"price", "-price"}:
        return queryset.order_by(request.sort.replace("price", "effective_price"), "sku")
    if request.sort == "newest":
        return queryset.order_by("-created_at", "sku")
    if not request.text:
        return queryset.order_by("name", "sku")
    exact = Case(When(sku=request.text, then=Value(1)), default=Value(0), output_field=IntegerField())
    if similar:
        rank: Any = TrigramWordSimilarity(request.text, "name")
    else:
        rank = SearchRank(F("search_vector"), SearchQuery(request.text, config="simple",
                                                          search_type="websearch"))
    return queryset.annotate(exact=exact, rank=rank).order_by("-exact", "-rank", "sku")


class PostgresSearch:
    """The search backend on the read table."""

    name = "postgres"

    def search(self, request: SearchRequest) -> Hits:
        """Return the page of hits (and facets) of ``request``."""
        with transaction.atomic(using=READ_ALIAS):
            _set_threshold()
            # No product has every word: look for names like the text (typos forgiven).
            # Only then, because trigram matching of common words is the costly part.
            for similar in (False, True) if request.text else (False,):
                facets = None
                if request.facets:  # the facet pass counts the matches too
                    total, facets = _facets(request, similar=similar)
                else:
                    total = _matching(request, request.filters, similar=similar).count()
                if total:
                    break
            ids: list[str] = []
            if total > request.offset:
                page = _ordered(_matching(request, request.filters, similar=similar), request,
                                similar=similar)
                ids = [str(i) for i in page[request.offset:request.offset + request.page_size]
                       .values_list("id", flat=True)]
        return Hits(ids=ids, total=total, facets=facets)

    def suggest(self, *, tenant_id: int, prefix: str, limit: int) -> list[Suggestion]:
        """Return products whose SKU or name starts with ``prefix``, then names similar to it."""
        queryset = selectors.products(tenant_id=tenant_id)
        with transaction.atomic(using=READ_ALIAS):
            _set_threshold()
            by_sku = list(queryset.filter(sku__startswith=prefix).order_by("sku")
                          .values_list("id", "sku", "name")[:limit])
            by_name = list(
                queryset.filter(Q(name__istartswith=prefix) | Q(name__trigram_word_similar=prefix))
                .annotate(similarity=TrigramWordSimilarity(prefix, "name"))
                .order_by("-similarity", "name").values_list("id", "sku", "name")[:limit]
            )
        seen: set[str] = set()
        suggestions = []
        for product_id, sku, name in by_sku + by_name:
            if str(product_id) not in seen:
                seen.add(str(product_id))
                suggestions.append(Suggestion(id=str(product_id), sku=sku, name=name))
        return suggestions[:limit]
