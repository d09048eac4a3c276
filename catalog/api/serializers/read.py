"""The shape of read responses, for the OpenAPI schema.

Read views render rows from ``values()`` directly (no per-row serializer
work); these classes only document what they render, and the schemathesis test
checks that both agree.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

PRICE = {"max_digits": 10, "decimal_places": 2, "coerce_to_string": True}


class ProductSerializer(serializers.Serializer):
    """A product as the read side holds it; ``version`` is the write-side version it reflects."""

    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(**PRICE)
    sale_price = serializers.DecimalField(**PRICE, allow_null=True)
    effective_price = serializers.DecimalField(**PRICE, help_text="The sale price when set, else the price.")
    currency = serializers.CharField()
    brand_id = serializers.IntegerField(allow_null=True)
    brand_name = serializers.CharField(allow_blank=True)
    category_ids = serializers.ListField(child=serializers.IntegerField())
    category_paths = serializers.ListField(child=serializers.CharField(),
                                           help_text='E.g. "Tools > Drills", one per category.')
    tags = serializers.ListField(child=serializers.CharField())
    attributes = serializers.DictField(child=serializers.JSONField())
    translations = serializers.DictField(child=serializers.DictField(child=serializers.CharField()))
    stock_quantity = serializers.IntegerField()
    is_active = serializers.BooleanField()
    is_available = serializers.BooleanField(help_text="Active and in stock.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class ProductPageSerializer(serializers.Serializer):
    """One page of products; follow ``next`` (or pass ``next_cursor``) for the next one."""

    results = ProductSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    next = serializers.URLField(allow_null=True)
    page_size = serializers.IntegerField()
    total = serializers.IntegerField(required=False, help_text="Only with include_total=true.")


@extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/CategoryNode"}})
class CategoryChildrenField(serializers.ListField):
    """The nested children of a category node (recursive in the schema)."""


class CategoryNodeSerializer(serializers.Serializer):
    """A category with its subcategories."""

    id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    slug = serializers.CharField()
    position = serializers.IntegerField()
    depth = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    children = CategoryChildrenField()


class CategoryTreeSerializer(serializers.Serializer):
    """The tenant's category tree: its root categories, empty ones included."""

    results = CategoryNodeSerializer(many=True)


class BrandSerializer(serializers.Serializer):
    """A brand."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class BrandPageSerializer(serializers.Serializer):
    """One page of the tenant's brands by name; follow ``next`` (or pass ``next_cursor``)."""

    results = BrandSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    next = serializers.URLField(allow_null=True)
    page_size = serializers.IntegerField()


class CategoryCountSerializer(serializers.Serializer):
    """A top-level category and how many products are in it or below it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    version = serializers.IntegerField()
    product_count = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    """Catalog statistics of the tenant, as of ``last_updated_at``."""

    product_count = serializers.IntegerField()
    available_count = serializers.IntegerField()
    price_min = serializers.DecimalField(**PRICE, allow_null=True)
    price_max = serializers.DecimalField(**PRICE, allow_null=True)
    last_updated_at = serializers.DateTimeField(
        allow_null=True, help_text="The latest product change these numbers include.")
    categories = CategoryCountSerializer(many=True)
