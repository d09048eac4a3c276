"""Denormalized read tables, built by catalog.projections and never written elsewhere."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class ProductView(models.Model):
    """One row per product with everything a read request needs, without joins.

    ``category_ids`` are the product's own categories; ``category_tree_ids``
    adds all their ancestors, so "category X including its descendants" is
    ``category_tree_ids @> {X}`` on a GIN index. ``version`` is the write-side
    version the row was built from; rows never go back to an older version.
    """

    id = models.UUIDField(primary_key=True)
    tenant_id = models.BigIntegerField()
    sku = models.CharField(max_length=50)
    name = models.CharField(max_length=255)
    description = models.TextField(default="")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    sale_price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    effective_price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    brand_id = models.BigIntegerField(null=True)
    brand_name = models.CharField(max_length=255, default="")
    category_ids = ArrayField(models.BigIntegerField(), default=list)
    category_tree_ids = ArrayField(models.BigIntegerField(), default=list)
    category_paths = ArrayField(models.TextField(), default=list)
    tags = ArrayField(models.CharField(max_length=50), default=list)
    attributes = models.JSONField(default=dict)
    translations = models.JSONField(default=dict)
    stock_quantity = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    is_available = models.BooleanField(default=True)
    search_vector = SearchVectorField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # Deferred: one projection batch may move a SKU from one product to another.
            models.UniqueConstraint(fields=["tenant_id", "sku"], name="productview_tenant_sku",
                                    deferrable=models.Deferrable.DEFERRED),
        ]
        indexes = [
            models.Index(fields=["tenant_id", "name", "id"], name="productview_name_keyset"),
            models.Index(fields=["tenant_id", "effective_price", "id"], name="productview_price_keyset"),
            models.Index(fields=["tenant_id", "-updated_at", "id"], name="productview_updated_keyset"),
            models.Index(fields=["tenant_id", "-created_at", "id"], name="productview_created_keyset"),
            GinIndex(fields=["category_tree_ids"], name="productview_categories"),
            GinIndex(fields=["search_vector"], name="productview_search"),
            GinIndex(fields=["name"], name="productview_name_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(fields=["tenant_id", "brand_id"], name="productview_brand"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} v{self.version}"

