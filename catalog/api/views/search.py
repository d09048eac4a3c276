"""Search and search-as-you-type: answered by catalog.search (Elasticsearch, or PostgreSQL)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api import openapi
from catalog.api.params import MAX_QUERY_LENGTH, MAX_SUGGESTIONS, parse_search_query, parse_suggest_query
from catalog.api.permissions import tenant_id_of
from catalog.api.serializers.errors import COMMON, ErrorSerializer
from catalog.api.serializers.search import SearchPageSerializer, SuggestionListSerializer
from catalog.api.views.base import READ_CACHE_CONTROL, VARY, ReadView
from catalog.search import service
from catalog.search.base import MAX_RESULT_WINDOW, SORTS, SearchRequest, SearchUnavailable

BACKEND_HEADER = "X-Search-Backend"
RESPONSES = {**COMMON, 503: ErrorSerializer}


class SearchUnavailableError(APIException):
    """The search backend is down and no fallback is configured."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Search is unavailable right now; try again shortly."
    default_code = "search_unavailable"


def _headers(backend: str, degraded: bool) -> dict[str, str]:
    return {BACKEND_HEADER: backend + ("; degraded" if degraded else ""),
            "Cache-Control": READ_CACHE_CONTROL, "Vary": VARY}


SEARCH_PARAMETERS = [
    OpenApiParameter("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, OpenApiParameter.QUERY,
                     description="Words to find in SKU, name, translations, tags, brand and "
                                 "description; typos are forgiven. Empty: every product."),
    *[p for p in openapi.LIST_PARAMETERS
      if p.name not in {"sort", "order", "cursor", "page_size", "include_total"}],
    OpenApiParameter("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"},
                     OpenApiParameter.QUERY, description="relevance (an exact SKU first), price, "
                     "-price (most expensive first) or newest."),
    OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_RESULT_WINDOW},
                     OpenApiParameter.QUERY,
                     description=f"Page number; page * page_size <= {MAX_RESULT_WINDOW}."),
    OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                     OpenApiParameter.QUERY, description="Products per page."),
    OpenApiParameter("facets", {"type": "boolean", "default": True}, OpenApiParameter.QUERY,
                     description="Count categories, brands, price ranges and availability."),
]


class SearchView(ReadView):
    """Search the tenant's products, with facets."""

    @extend_schema(tags=["search"], operation_id="search", parameters=SEARCH_PARAMETERS,
                   responses={200: SearchPageSerializer, **RESPONSES})
    def get(self, request: Request) -> Response:
        """Search products (typo-tolerant) with the list filters; facets count the other filters."""
        params = parse_search_query(request.query_params)
        tenant_id = tenant_id_of(request)
        categories = service.category_facets(
            tenant_id=tenant_id, category_id=params.filters.category_id) if params.facets else {}
        search_request = SearchRequest(
            tenant_id=tenant_id, text=params.text, filters=params.filters, sort=params.sort,
            page=params.page, page_size=params.page_size, facets=params.facets,
            category_facet_ids=tuple(categories),
        )
        try:
            outcome = service.search_products(search_request, categories=categories)
        except SearchUnavailable as exc:
            raise SearchUnavailableError() from exc
        body = outcome.body
        following = params.page + 1
        fits = following * params.page_size <= MAX_RESULT_WINDOW
        body["next_page"] = following if fits and body["count"] > params.page * params.page_size else None
        body["backend"] = outcome.backend
        return Response(body, headers=_headers(outcome.backend, outcome.degraded))


class SuggestView(ReadView):
    """Complete a typed prefix to product names and SKUs."""

    @extend_schema(tags=["search"], operation_id="search_suggest", parameters=[
        OpenApiParameter("q", {"type": "string", "minLength": 1, "maxLength": 50},
                         OpenApiParameter.QUERY, required=True, description="What the user typed."),
        OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_SUGGESTIONS,
                                   "default": 10}, OpenApiParameter.QUERY),
    ], responses={200: SuggestionListSerializer, **RESPONSES})
    def get(self, request: Request) -> Response:
        """Suggest products whose name or SKU starts with ``q`` (a typo is forgiven)."""
        prefix, limit = parse_suggest_query(request.query_params)
        try:
            suggestions, backend = service.suggest(tenant_id=tenant_id_of(request), prefix=prefix,
                                                   limit=limit)
        except SearchUnavailable as exc:
            raise SearchUnavailableError() from exc
        return Response({"results": [asdict(s) for s in suggestions], "backend": backend},
                        headers=_headers(backend, False))
