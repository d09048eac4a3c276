"""Product read endpoints: the list (filters, sorts, keyset pages) and details by id and SKU."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api import openapi
from catalog.api.pagination import decode_cursor, encode_cursor, next_link
from catalog.api.params import TEXT, is_text, parse_product_query, parse_uuid
from catalog.api.permissions import tenant_id_of
from catalog.api.serializers.errors import COMMON, NOT_FOUND, NOT_MODIFIED
from catalog.api.serializers.read import ProductPageSerializer, ProductSerializer
from catalog.api.views.base import ReadView, version_etag
from catalog.read import cache, selectors


def _product_etag(data: dict[str, Any], body: bytes) -> str:
    return version_etag(data["version"], body)


class ProductListView(ReadView):
    """List the tenant's products: filter, sort, and page with a cursor."""

    @extend_schema(
        tags=["products"], operation_id="products_list", parameters=openapi.LIST_PARAMETERS,
        responses={200: ProductPageSerializer, 304: NOT_MODIFIED, **COMMON})
    def get(self, request: Request) -> Response:
        """List products (keyset pages: follow ``next``; pages stay stable under edits)."""
        query = parse_product_query(request.query_params)
        tenant_id = tenant_id_of(request)
        after = None
        if query.cursor is not None:
            after = decode_cursor(query.cursor, tenant_id=tenant_id, ordering=query.ordering)
        # The body links to the next page with this request's own URL: key on all of it.
        key = cache.entry_key("list", tenant_id, request.get_host(), request.is_secure(),
                              request.path, sorted(request.query_params.lists()))

        def compute() -> dict[str, Any]:
            rows = selectors.product_page(tenant_id=tenant_id, filters=query.filters,
                                          ordering=query.ordering, after=after,
                                          limit=query.page_size + 1)
            cursor = None
            if len(rows) > query.page_size:
                rows = rows[:query.page_size]
                cursor = encode_cursor(tenant_id=tenant_id, ordering=query.ordering, row=rows[-1])
            page: dict[str, Any] = {
                "results": rows, "next_cursor": cursor,
                "next": next_link(request, cursor) if cursor else None,
                "page_size": query.page_size,
            }
            if query.include_total:
                page["total"] = selectors.product_count(tenant_id=tenant_id, filters=query.filters)
            return page

        return self.cached(request, key=key, ttl=cache.LIST_TTL, compute=compute,
                           generation_keys=[cache.tenant_generation_key(tenant_id)])


class ProductDetailView(ReadView):
    """Show one product of the tenant by id."""

    @extend_schema(
        tags=["products"], operation_id="products_retrieve",
        parameters=[openapi.PRODUCT_ID, openapi.IF_NONE_MATCH],
        responses={200: ProductSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND, **COMMON})
    def get(self, request: Request, product_id: str) -> Response:
        """Show a product; its ETag follows its version (send it as If-None-Match for a 304)."""
        self.check_params(request)
        uuid = str(parse_uuid(product_id))
        tenant_id = tenant_id_of(request)
        return self.cached(
            request, key=cache.entry_key("product", tenant_id, uuid), ttl=cache.DETAIL_TTL,
            generation_keys=[cache.detail_epoch_key(tenant_id),
                             cache.product_generation_key(tenant_id, uuid)],
            compute=lambda: selectors.product_detail(tenant_id=tenant_id, product_id=uuid),
            etag=_product_etag,
        )


class ProductBySkuView(ReadView):
    """Show one product of the tenant by SKU."""

    @extend_schema(
        tags=["products"], operation_id="products_by_sku_retrieve",
        parameters=[openapi.SKU, openapi.IF_NONE_MATCH],
        responses={200: ProductSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND, **COMMON})
    def get(self, request: Request, sku: str) -> Response:
        """Show a product by SKU (the same body and ETag as by id)."""
        self.check_params(request)
        if not is_text(sku, 50):
            raise ValidationError({"sku": [TEXT.format(limit=50)]})
        tenant_id = tenant_id_of(request)
        return self.cached(
            request, key=cache.entry_key("sku", tenant_id, sku), ttl=cache.DETAIL_TTL,
            generation_keys=[cache.tenant_generation_key(tenant_id)],
            compute=lambda: selectors.product_detail_by_sku(tenant_id=tenant_id, sku=sku),
            etag=_product_etag,
        )
