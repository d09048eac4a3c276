"""Changelist filters whose choices come from the user's tenant only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from catalog.admin.scoping import admin_scope, filter_tenant_id, scope_queryset
from catalog.events import Aggregate, EventType
from catalog.models import Brand, Category, ProductCategory


def _selected_id(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise IncorrectLookupParameters(f"Expected an id, got {value!r}.")
    return int(value)


def _visible(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """Narrow rows to the user's scope (superusers: everything)."""
    scope = admin_scope(request)
    if scope is None:
        return queryset.none()
    return queryset if scope.is_global else scope_queryset(queryset, scope.tenant)


class BrandFilter(admin.SimpleListFilter):
    """Filter products by one of the tenant's brands (superusers: after choosing a tenant)."""

    title = "brand"
    parameter_name = "brand"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tenant_id = filter_tenant_id(request)
        if tenant_id is None:
            return []
        brands = Brand.objects.for_tenant(tenant_id).order_by("name").values_list("pk", "name")
        return [(str(pk), name) for pk, name in brands]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        brand_id = _selected_id(self.value())
        if brand_id is None:
            return None
        return queryset.filter(brand_id=brand_id)  # the product rows are scoped already


class CategoryFilter(admin.SimpleListFilter):
    """Filter products by a category of the tenant, including everything below it.

    Only the top ``max_depth`` levels are listed (a tree of thousands of nodes
    would not fit a sidebar); any category id works in the URL, as the
    category list's "products" links use.
    """

    title = "category"
    parameter_name = "category"
    max_depth = 1

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tenant_id = filter_tenant_id(request)
        selected = self.value()
        choices = Category.objects.none()
        if tenant_id is not None:
            choices = Category.objects.for_tenant(tenant_id).filter(depth__lte=self.max_depth)
        if selected and selected.isdigit():
            choices = choices | _visible(Category.objects.filter(pk=selected), request)
        rows = choices.order_by("path").values_list("pk", "name", "depth")
        return [(str(pk), "\u2003" * depth + name) for pk, name, depth in rows]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        category_id = _selected_id(self.value())
        if category_id is None:
            return None
        category = _visible(Category.objects.filter(pk=category_id), request).first()
        if category is None:
            return queryset.none()
        # EXISTS instead of a join: a product in several matching categories appears once.
        in_subtree = ProductCategory.objects.filter(
            product=OuterRef("pk"), category__tenant_id=category.tenant_id,
            category__path__startswith=category.path,
        )
        return queryset.filter(Exists(in_subtree))


class AvailabilityFilter(admin.SimpleListFilter):
    """Filter products by whether a customer can buy them now."""

    title = "availability"
    parameter_name = "availability"
    FILTERS = {
        "in_stock": {"is_active": True, "stock_quantity__gt": 0},
        "out_of_stock": {"is_active": True, "stock_quantity": 0},
        "inactive": {"is_active": False},
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("in_stock", "In stock"), ("out_of_stock", "Out of stock"), ("inactive", "Inactive")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if value is None:
            return None
        if value not in self.FILTERS:
            raise IncorrectLookupParameters(f"Unknown availability {value!r}.")
        return queryset.filter(**self.FILTERS[value])


class _ConstantChoicesFilter(admin.SimpleListFilter):
    """Filter on a column whose values are a fixed set of constants (no DISTINCT scan)."""

    field_name = ""
    constants: type = object

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        values = sorted(v for k, v in vars(self.constants).items() if k.isupper())
        return [(value, value) for value in values]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        return None if value is None else queryset.filter(**{self.field_name: value})


class EventTypeFilter(_ConstantChoicesFilter):
    """Filter events by type; the list of types is known, so the event table is not scanned."""

    title = "event type"
    parameter_name = "event_type"
    field_name = "event_type"
    constants = EventType


class AggregateTypeFilter(_ConstantChoicesFilter):
    """Filter events by the kind of aggregate they are about."""

    title = "aggregate type"
    parameter_name = "aggregate_type"
    field_name = "aggregate_type"
    constants = Aggregate
