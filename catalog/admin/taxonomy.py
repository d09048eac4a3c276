"""The category tree and brand admins."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog.admin.filters import CategoryFilter
from catalog.admin.scoping import TenantScopedAdmin
from catalog.models import Brand, Category


@admin.register(Category)
class CategoryAdmin(TenantScopedAdmin):
    """Show the tenant's category tree in path order, indented by depth.

    ``path`` and ``depth`` are materialized, so the tree costs one query however
    deep it is; no column may count or walk per row.
    """

    list_display = ("indented_name", "slug", "parent", "position", "product_link", "version",
                    "updated_at")
    list_select_related = ("parent",)
    ordering = ("path",)
    search_fields = ("name",)
    list_per_page = 100
    show_full_result_count = False
    fields = ("name", "slug", "parent", "position")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    readonly_fields = ("version", "updated_at")

    @admin.display(description="Name", ordering="path")
    def indented_name(self, category: Category) -> SafeString:
        """Show the name indented by the category's depth in the tree."""
        return format_html('<span style="padding-left: {}em">{}</span>', category.depth * 1.5,
                           category.name)

    @admin.display(description="Products")
    def product_link(self, category: Category) -> SafeString:
        """Link to the products in this category and below it (no count: that is a query per row)."""
        url = reverse("admin:catalog_product_changelist")
        return format_html('<a href="{}?{}={}">View products</a>', url,
                           CategoryFilter.parameter_name, category.pk)

    def get_fields(self, request: HttpRequest, obj: Category | None = None) -> tuple:
        return (*self.fields, *(("version", "updated_at") if obj is not None else ()))


@admin.register(Brand)
class BrandAdmin(TenantScopedAdmin):
    """List, search and edit the tenant's brands."""

    list_display = ("name", "slug", "version", "updated_at")
    search_fields = ("name", "slug")
    show_full_result_count = False
    fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("version", "updated_at")

    def get_fields(self, request: HttpRequest, obj: Brand | None = None) -> tuple:
        return (*self.fields, *(("version", "updated_at") if obj is not None else ()))
