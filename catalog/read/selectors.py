"""Read queries for the API: every one takes the tenant id and starts at ``for_tenant()``.

Rows come back as dicts from ``values()``, never model instances: the API
renders them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import FilteredRelation, Max, Min, Q

from catalog.read.models import BrandView, CategoryView, ProductCountView, ProductView, ReadQuerySet

PRODUCT_FIELDS = (
    "id", "sku", "name", "description", "price", "sale_price", "effective_price", "currency",
    "brand_id", "brand_name", "category_ids", "category_paths", "tags", "attributes",
    "translations", "stock_quantity", "is_active", "is_available", "created_at", "updated_at",
    "version",
)
CATEGORY_FIELDS = ("id", "parent_id", "name", "slug", "position", "depth", "updated_at", "version")
BRAND_FIELDS = ("id", "name", "slug", "updated_at", "version")

# Sort name -> read column. Each has a keyset index (tenant_id, column, id); the
# created/updated indexes run the column descending and the id ascending.
SORT_COLUMNS = {"name": "name", "price": "effective_price", "newest": "created_at",
                "updated": "updated_at"}
DESCENDING_INDEXES = frozenset({"created_at", "updated_at"})
# The sorts ProductCategoryView has an index for (catalog.projections.listing.SORT_KEYS).
CATEGORY_SORT_KEYS = frozenset({"name", "effective_price", "created_at"})


@dataclass(frozen=True)
class ProductFilters:
    """The list filters; ``None`` or empty means "not filtered"."""

    category_id: int | None = None
    brand_id: int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    available: bool | None = None
    tags: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    updated_since: datetime | None = None


@dataclass(frozen=True)
class Ordering:
    """A sort of the product list; ties are broken by id in the direction the index runs."""

    sort: str
    descending: bool

    @property
    def column(self) -> str:
        """Return the read column sorted on."""
        return SORT_COLUMNS[self.sort]

    @property
    def id_descending(self) -> bool:
        """Tell whether the id tie-break runs descending (so the index serves the order)."""
        return self.descending != (self.column in DESCENDING_INDEXES)

    def order_by(self) -> tuple[str, str]:
        """Return the ORDER BY of this sort."""
        return (("-" if self.descending else "") + self.column,
                ("-" if self.id_descending else "") + "id")


@dataclass(frozen=True)
class Position:
    """Where a page ends: the sort value and the id of its last row."""

    value: Any
    id: UUID


def products(*, tenant_id: int) -> ReadQuerySet:
    """Return the tenant's read rows: the entry point of every product query."""
    return ProductView.objects.for_tenant(tenant_id)


def _attribute_matches(name: str, value: str) -> Q:
    """Match an attribute given as text also when it is stored as a JSON number or boolean."""
    condition = Q(attributes__contains={name: value})
    typed: Any = {"true": True, "false": False}.get(value)
    if typed is None:
        try:
            typed = int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            typed = None
    if typed is not None and typed == typed and abs(typed) != float("inf"):
        condition |= Q(attributes__contains={name: typed})
    return condition


def filtered_products(*, tenant_id: int, filters: ProductFilters,
                      category_rows: bool = True) -> ReadQuerySet:
    """Return the tenant's read rows narrowed by ``filters``.

    A category filter joins the product's row of that category in
    ProductCategoryView as ``listed`` (at most one per product), whose sort
    keys ``product_page`` orders by; with ``category_rows=False`` it is a
    containment test on the GIN index instead.
    """
    queryset = products(tenant_id=tenant_id)
    if filters.category_id is not None and not category_rows:
        queryset = queryset.filter(category_tree_ids__contains=[filters.category_id])
    elif filters.category_id is not None:
        queryset = queryset.annotate(listed=FilteredRelation(
            "category_rows", condition=Q(category_rows__tenant_id=tenant_id,
                                         category_rows__category_id=filters.category_id),
        )).filter(listed__category_id=filters.category_id)
    if filters.brand_id is not None:
        queryset = queryset.filter(brand_id=filters.brand_id)
    if filters.price_min is not None:
        queryset = queryset.filter(effective_price__gte=filters.price_min)
    if filters.price_max is not None:
        queryset = queryset.filter(effective_price__lte=filters.price_max)
    if filters.available is not None:
        queryset = queryset.filter(is_available=filters.available)
    if filters.tags:
        queryset = queryset.filter(tags__contains=list(filters.tags))
    for name, value in filters.attributes:
        queryset = queryset.filter(_attribute_matches(name, value))
    if filters.updated_since is not None:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    return queryset


def product_page(*, tenant_id: int, filters: ProductFilters, ordering: Ordering,
                 after: Position | None, limit: int) -> list[dict[str, Any]]:
    """Return up to ``limit`` rows after ``after`` in ``ordering`` (keyset pagination).

    The keyset condition is written ``col >= v AND (col > v OR id > i)`` (with
    the directions of the sort), which PostgreSQL turns into a range scan of the
    keyset index however deep the page is. The index leads with the filter when
    there is one: a category's rows in ProductCategoryView (but for ``updated``,
    see there), a brand's in its own ProductView indexes; otherwise it is the
    tenant's.
    """
    listed = filters.category_id is not None and ordering.column in CATEGORY_SORT_KEYS
    queryset = filtered_products(tenant_id=tenant_id, filters=filters, category_rows=listed)
    # Same values either way: the category rows copy the sort keys of the product row.
    prefix, id_name = ("listed__", "listed__product_id") if listed else ("", "id")
    col = prefix + ordering.column
    if after is not None:
        inclusive, strict = ("lte", "lt") if ordering.descending else ("gte", "gt")
        id_strict = "lt" if ordering.id_descending else "gt"
        queryset = queryset.filter(
            Q(**{f"{col}__{inclusive}": after.value})
            & (Q(**{f"{col}__{strict}": after.value}) | Q(**{f"{id_name}__{id_strict}": after.id}))
        )
    order_by = (("-" if ordering.descending else "") + col,
                ("-" if ordering.id_descending else "") + id_name)
    return list(queryset.order_by(*order_by).values(*PRODUCT_FIELDS)[:limit])


def product_count(*, tenant_id: int, filters: ProductFilters) -> int:
    """Return how many of the tenant's products match ``filters``.

    Without filters, or with only a category, the count is stored
    (ProductCountView); other filters count the matching rows.
    """
    if filters == ProductFilters() or filters == ProductFilters(category_id=filters.category_id):
        category = ProductCountView.ALL_PRODUCTS if filters.category_id is None else filters.category_id
        stored = (ProductCountView.objects.for_tenant(tenant_id).filter(category_id=category)
                  .values_list("product_count", flat=True).first())
        return stored or 0
    return filtered_products(tenant_id=tenant_id, filters=filters).count()


def product_detail(*, tenant_id: int, product_id: UUID) -> dict[str, Any] | None:
    """Return one product of the tenant by id, or None (also for another tenant's id)."""
    return products(tenant_id=tenant_id).filter(pk=product_id).values(*PRODUCT_FIELDS).first()


def product_detail_by_sku(*, tenant_id: int, sku: str) -> dict[str, Any] | None:
    """Return one product of the tenant by SKU, or None."""
    return products(tenant_id=tenant_id).filter(sku=sku).values(*PRODUCT_FIELDS).first()


def category_tree(*, tenant_id: int) -> list[dict[str, Any]]:
    """Return the tenant's category tree: root nodes with nested ``children``, siblings in order."""
    rows = list(
        CategoryView.objects.for_tenant(tenant_id)
        .order_by("depth", "position", "name", "id").values(*CATEGORY_FIELDS)
    )
    by_id: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:  # parents come first: they are less deep
        row["children"] = []
        by_id[row["id"]] = row
        parent = by_id.get(row["parent_id"]) if row["parent_id"] is not None else None
        (parent["children"] if parent is not None else roots).append(row)
    return roots


def brand_page(*, tenant_id: int, after: tuple[str, int] | None, limit: int) -> list[dict[str, Any]]:
    """Return up to ``limit`` of the tenant's brands by name, after the (name, id) ``after``."""
    queryset = BrandView.objects.for_tenant(tenant_id)
    if after is not None:
        name, last_id = after
        queryset = queryset.filter(Q(name__gte=name) & (Q(name__gt=name) | Q(id__gt=last_id)))
    return list(queryset.order_by("name", "id").values(*BRAND_FIELDS)[:limit])


def catalog_stats(*, tenant_id: int) -> dict[str, Any]:
    """Return product counts, the effective price range and counts per top-level category.

    The counts are stored (ProductCountView, kept by the projection); the
    minimum and maximum come from the ends of the price and updated keyset
    indexes. No pass over the tenant's rows, whatever its size.
    """
    top = list(
        CategoryView.objects.for_tenant(tenant_id).filter(parent_id__isnull=True)
        .order_by("position", "name", "id").values("id", "name", "slug", "version")
    )
    counts = {row[0]: row[1:] for row in ProductCountView.objects.for_tenant(tenant_id).filter(
        category_id__in=[ProductCountView.ALL_PRODUCTS, *(c["id"] for c in top)],
    ).values_list("category_id", "product_count", "available_count")}
    # Only min/max aggregates: PostgreSQL reads each from one end of an index.
    ends = products(tenant_id=tenant_id).aggregate(
        price_min=Min("effective_price"), price_max=Max("effective_price"),
        last_updated_at=Max("updated_at"))
    product_count, available_count = counts.get(ProductCountView.ALL_PRODUCTS, (0, 0))
    for category in top:
        category["product_count"] = counts.get(category["id"], (0, 0))[0]
    return {"product_count": product_count, "available_count": available_count, **ends,
            "categories": top}
