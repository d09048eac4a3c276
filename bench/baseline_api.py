"""The read API a Django team would write first: a ModelViewSet over the normalized write models.

Mounted only by the benchmarks (bench/urls.py under ``/baseline/``). It keeps
the project's authentication, throttle and renderer (so the comparison is about
data access, serialization and pagination), and does what the tutorials show:
a ModelSerializer with nested brand and categories, ``select_related`` /
``prefetch_related``, filters as ORM lookups (a category includes its
descendants through a join) and PageNumberPagination, i.e. ``OFFSET`` plus a
``COUNT(*)`` on every page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.routers import DefaultRouter

from catalog.api.permissions import HasReadScope, tenant_id_of
from catalog.models import Brand, Category, Product


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


router = DefaultRouter()
router.register("products", ProductViewSet, basename="baseline-product")
urlpatterns = router.urls
