"""The read API a Django team would write first: a ModelViewSet over the normalized write models.

Mounted only by the benchmarks (bench/urls.py under ``/baseline/``). It keeps
the project's authentication, throttle and renderer (so the comparison is about
data access, serialization and pagination), and does what the tutorials show:
a ModelSerializer with nested brand and categories, ``select_related`` /
``prefetch_related``, filters as ORM lookups (a category includes its
descendants through a join) and PageNumberPagination, i.e. ``OFFSET`` plus a
``COUNT(*)`` on every page.

``stats/`` is the statistics as the API computed them before they were
stored: one aggregate pass over the tenant's read rows (a filtered count per
top-level category), uncached.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.urls import path
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from catalog.api.permissions import HasReadScope, tenant_id_of
from catalog.models import Brand, Category, Product
from catalog.read.models import CategoryView, ProductView


class BrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ("id", "name", "slug")


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug", "path")


class ProductSerializer(serializers.ModelSerializer):
    brand = BrandSerializer(read_only=True)
    categories = CategorySerializer(many=True, read_only=True)
    effective_price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    is_available = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ("id", "sku", "name", "description", "price", "sale_price", "effective_price",
                  "currency", "brand", "categories", "tags", "attributes", "translations",
                  "stock_quantity", "is_active", "is_available", "created_at", "updated_at",
                  "version")

    def get_is_available(self, product: Product) -> bool:
        return product.is_active and product.stock_quantity > 0


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve the caller's products from the write model."""

    serializer_class = ProductSerializer
    pagination_class = Pagination
    permission_classes = [HasReadScope]
    throttle_scope = "read"

    def get_queryset(self) -> QuerySet[Product]:
        queryset = (Product.objects.for_tenant(tenant_id_of(self.request))
                    .select_related("brand").prefetch_related("categories"))
        params: Any = self.request.query_params
        if brand := params.get("brand"):
            queryset = queryset.filter(brand_id=brand)
        if category := params.get("category"):
            root = Category.objects.for_tenant(tenant_id_of(self.request)).get(pk=category)
            queryset = queryset.filter(categories__path__startswith=root.path).distinct()
        if price_min := params.get("price_min"):
            queryset = queryset.filter(price__gte=price_min)
        if price_max := params.get("price_max"):
            queryset = queryset.filter(price__lte=price_max)
        return queryset.order_by("name", "id")


class OnePassStatsView(APIView):
    """Statistics from one aggregate pass over the tenant's read rows."""

    permission_classes = [HasReadScope]
    throttle_scope = "read"

    def get(self, request: Request) -> Response:
        tenant_id = tenant_id_of(request)
        top = list(CategoryView.objects.for_tenant(tenant_id).filter(parent_id__isnull=True)
                   .order_by("position", "name", "id").values("id", "name", "slug", "version"))
        aggregates: dict[str, Any] = {
            "product_count": Count("id"), "available_count": Count("id", filter=Q(is_available=True)),
            "price_min": Min("effective_price"), "price_max": Max("effective_price"),
            "last_updated_at": Max("updated_at"),
        }
        for category in top:
            aggregates[f"category_{category['id']}"] = Count(
                "id", filter=Q(category_tree_ids__contains=[category["id"]]))
        totals = ProductView.objects.for_tenant(tenant_id).aggregate(**aggregates)
        for category in top:
            category["product_count"] = totals.pop(f"category_{category['id']}")
        return Response({**totals, "categories": top})


router = DefaultRouter()
router.register("products", ProductViewSet, basename="baseline-product")
urlpatterns = [*router.urls, path("stats/", OnePassStatsView.as_view(), name="baseline-stats")]
