"""Denormalized read tables, built by catalog.projections and never written elsewhere."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Func, Value

# Every write of a read row takes the next number: the search index uses it as the
# external version of the row's document, so an older document never replaces a newer one
# (a category or brand rename changes a row without changing its product's version).
REVISION_SEQUENCE = "catalog_read_productview_revision"


def next_revision() -> Func:
    """Return the SQL expression that draws the next read-row revision."""
    return Func(Value(REVISION_SEQUENCE), function="nextval", output_field=models.BigIntegerField())


class ReadQuerySet(models.QuerySet):
    """The one entry point for read-side queries: ``View.objects.for_tenant(tenant_id)``."""

    def for_tenant(self, tenant_id: int) -> ReadQuerySet:
        """Return only the rows of the tenant with this id."""
        assert isinstance(tenant_id, int), "for_tenant() takes a tenant id (int) on the read side."
        return self.filter(tenant_id=tenant_id)


class ProductView(models.Model):
    """One row per product with everything a read request needs, without joins.

    ``category_ids`` are the product's own categories; ``category_tree_ids``
    adds all their ancestors. A list filtered by category (descendants
    included) reads ProductCategoryView, which holds one row per entry of
    ``category_tree_ids`` with the sort keys. ``version`` is the write-side
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
    revision = models.BigIntegerField(db_default=next_revision())

    objects = ReadQuerySet.as_manager()

    class Meta:
        constraints = [
            # Deferred: one projection batch may move a SKU from one product to another.
            models.UniqueConstraint(fields=["tenant_id", "sku"], name="productview_tenant_sku",
                                    deferrable=models.Deferrable.DEFERRED),
        ]
        indexes = [
            # A tenant's rows in id order: rebuild batches find their orphans by id range.
            models.Index(fields=["tenant_id", "id"], name="productview_tenant_id"),
            models.Index(fields=["tenant_id", "name", "id"], name="productview_name_keyset"),
            models.Index(fields=["tenant_id", "effective_price", "id"], name="productview_price_keyset"),
            models.Index(fields=["tenant_id", "-updated_at", "id"], name="productview_updated_keyset"),
            models.Index(fields=["tenant_id", "-created_at", "id"], name="productview_created_keyset"),
            GinIndex(fields=["category_tree_ids"], name="productview_categories"),
            GinIndex(fields=["search_vector"], name="productview_search"),
            GinIndex(fields=["name"], name="productview_name_trgm", opclasses=["gin_trgm_ops"]),
            # A brand's products in every sort, as a range scan however the brand's names spread.
            models.Index(fields=["tenant_id", "brand_id", "name", "id"], name="productview_brand_name"),
            models.Index(fields=["tenant_id", "brand_id", "effective_price", "id"],
                         name="productview_brand_price"),
            models.Index(fields=["tenant_id", "brand_id", "-updated_at", "id"],
                         name="productview_brand_updated"),
            models.Index(fields=["tenant_id", "brand_id", "-created_at", "id"],
                         name="productview_brand_created"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} v{self.version}"


class ProductCategoryView(models.Model):
    """One row per product and category it is filed under, ancestors included, with its sort keys.

    A GIN index answers "in category X" but cannot hand rows over in a sort
    order, so a page of a large category meant sorting all of it. These rows
    make the storefront sorts of a category's list (name, price, newest) a
    range scan of a btree that leads with the category. Each such index costs
    about 0.3 s per 5,000 projected products at 1M, so ``updated`` (a sync
    client's sort, rarely combined with a category) has none: that list
    filters with the GIN index. The rows are a function of the ProductView
    row alone and are written in the same transaction
    (catalog.projections.listing).
    """

    pk = models.CompositePrimaryKey("product_id", "category_id")
    product_id = models.UUIDField()
    category_id = models.BigIntegerField()
    tenant_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    effective_price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField()
    # No column: lets a ProductView query join these rows (FilteredRelation) and sort by them.
    product = models.ForeignObject(ProductView, on_delete=models.DO_NOTHING, from_fields=["product_id"],
                                   to_fields=["id"], related_name="category_rows")

    objects = ReadQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["tenant_id", "category_id", "name", "product_id"],
                         name="productcategory_name"),
            models.Index(fields=["tenant_id", "category_id", "effective_price", "product_id"],
                         name="productcategory_price"),
            models.Index(fields=["tenant_id", "category_id", "-created_at", "product_id"],
                         name="productcategory_created"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.category_id}"


class ProductCountView(models.Model):
    """How many of the tenant's products there are (``category_id`` 0) and in each category.

    Kept by the projection in the transaction that changes the read rows (the
    difference of the rows before and after), so the statistics never need a
    pass over a tenant's products; a rebuild counts again from scratch.
    """

    ALL_PRODUCTS = 0

    pk = models.CompositePrimaryKey("tenant_id", "category_id")
    tenant_id = models.BigIntegerField()
    category_id = models.BigIntegerField(help_text="A category (descendants included), or 0: all.")
    product_count = models.BigIntegerField(default=0)
    available_count = models.BigIntegerField(default=0)

    objects = ReadQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.category_id}: {self.product_count}"


class SearchQueueEntry(models.Model):
    """A read row that changed (or went away) and must reach the search index.

    Filled in the same read-side transaction as the row change, drained by
    catalog.projections.search. ``revision`` is set for deletions only: the
    version the deleted marker gets in the index.
    """

    id = models.BigAutoField(primary_key=True)
    tenant_id = models.BigIntegerField()
    product_id = models.UUIDField()
    revision = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.product_id} (tenant {self.tenant_id})"


class SearchWord(models.Model):
    """A word of a tenant's product names (any locale): what a misspelled word is corrected to.

    Filled by ``project_products`` from the names (every locale) of the rows it
    writes with new or changed names; a word outlives its last product (a
    correction to it finds nothing and the search falls back to names like the
    text). A small table per tenant with a trigram index, so a correction never
    scans the product names.
    """

    id = models.BigAutoField(primary_key=True)
    tenant_id = models.BigIntegerField()
    word = models.CharField(max_length=64)

    objects = ReadQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "word"], name="searchword_tenant_word")]
        indexes = [GinIndex(fields=["word"], name="searchword_trgm", opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.word}"


class CategoryView(models.Model):
    """One row per category, so the API serves the tree (empty branches included) from the read side."""

    id = models.BigIntegerField(primary_key=True)
    tenant_id = models.BigIntegerField()
    parent_id = models.BigIntegerField(null=True)
    name = models.CharField(max_length=255)
    slug = models.CharField(max_length=255)
    position = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=1024)
    depth = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    objects = ReadQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["tenant_id", "path"], name="categoryview_tenant_path")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class BrandView(models.Model):
    """One row per brand, so the API lists brands (unused ones included) from the read side."""

    id = models.BigIntegerField(primary_key=True)
    tenant_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    slug = models.CharField(max_length=255)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    objects = ReadQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["tenant_id", "name", "id"], name="brandview_tenant_name")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
