"""Category tree, brands and catalog statistics: read-side tables only, cached per tenant."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api import openapi
from catalog.api.pagination import decode_brand_cursor, encode_brand_cursor, next_link
from catalog.api.params import parse_page_query
from catalog.api.permissions import tenant_id_of
from catalog.api.serializers.errors import COMMON, NOT_MODIFIED
from catalog.api.serializers.read import BrandPageSerializer, CategoryTreeSerializer, StatsSerializer
from catalog.api.views.base import ReadView
from catalog.read import cache, selectors

RESPONSES = {304: NOT_MODIFIED, **COMMON}


class CategoryTreeView(ReadView):
    """Show the tenant's category tree."""

    @extend_schema(
        tags=["catalog"], operation_id="categories_tree",
        responses={200: CategoryTreeSerializer, **RESPONSES})
    def get(self, request: Request) -> Response:
        """Show every category of the tenant as a tree (empty ones included), siblings in order."""
        self.check_params(request)
        tenant_id = tenant_id_of(request)
        return self.cached(request, key=cache.entry_key("categories", tenant_id), ttl=cache.LIST_TTL,
                           generation_keys=[cache.tenant_generation_key(tenant_id)],
                           compute=lambda: {"results": selectors.category_tree(tenant_id=tenant_id)})


class BrandListView(ReadView):
    """List the tenant's brands by name, in keyset pages."""

    @extend_schema(
        tags=["catalog"], operation_id="brands_list", parameters=[openapi.CURSOR, openapi.PAGE_SIZE],
        responses={200: BrandPageSerializer, **RESPONSES})
    def get(self, request: Request) -> Response:
        """List the tenant's brands by name (unused ones included); follow ``next`` for more."""
        query = parse_page_query(request.query_params)
        tenant_id = tenant_id_of(request)
        after = None
        if query.cursor is not None:
            after = decode_brand_cursor(query.cursor, tenant_id=tenant_id)
        key = cache.entry_key("brands", tenant_id, request.get_host(), request.is_secure(),
                              request.path, sorted(request.query_params.lists()))

        def compute() -> dict[str, Any]:
            rows = selectors.brand_page(tenant_id=tenant_id, after=after, limit=query.page_size + 1)
            cursor = None
            if len(rows) > query.page_size:
                rows = rows[:query.page_size]
                cursor = encode_brand_cursor(tenant_id=tenant_id, row=rows[-1])
            return {"results": rows, "next_cursor": cursor,
                    "next": next_link(request, cursor) if cursor else None,
                    "page_size": query.page_size}

        return self.cached(request, key=key, ttl=cache.LIST_TTL, compute=compute,
                           generation_keys=[cache.tenant_generation_key(tenant_id)])


class StatsView(ReadView):
    """Show statistics of the tenant's catalog."""

    @extend_schema(
        tags=["catalog"], operation_id="stats_retrieve",
        responses={200: StatsSerializer, **RESPONSES})
    def get(self, request: Request) -> Response:
        """Show product counts, the effective price range and counts per top-level category."""
        self.check_params(request)
        tenant_id = tenant_id_of(request)
        return self.cached(request, key=cache.entry_key("stats", tenant_id), ttl=cache.LIST_TTL,
                           generation_keys=[cache.tenant_generation_key(tenant_id)],
                           compute=lambda: selectors.catalog_stats(tenant_id=tenant_id))
