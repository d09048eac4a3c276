"""Category tree, brands and catalog statistics: read-side tables only, cached per tenant."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.permissions import tenant_id_of
from catalog.api.serializers.errors import COMMON, NOT_MODIFIED
from catalog.api.serializers.read import BrandListSerializer, CategoryTreeSerializer, StatsSerializer
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
    """List the tenant's brands."""

    @extend_schema(
        tags=["catalog"], operation_id="brands_list",
        responses={200: BrandListSerializer, **RESPONSES})
    def get(self, request: Request) -> Response:
        """List every brand of the tenant by name."""
        self.check_params(request)
        tenant_id = tenant_id_of(request)
        return self.cached(request, key=cache.entry_key("brands", tenant_id), ttl=cache.LIST_TTL,
                           generation_keys=[cache.tenant_generation_key(tenant_id)],
                           compute=lambda: {"results": selectors.brand_list(tenant_id=tenant_id)})


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
