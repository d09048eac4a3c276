"""The merchandisers' product admin."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import capfirst

from catalog import commands
from catalog.admin.filters import AvailabilityFilter, BrandFilter, CategoryFilter
from catalog.admin.forms import (
    ProductForm,
    product_form_for,
    translation_field_names,
    translation_locales,
)
from catalog.admin.history import CHANGE_PAGE_LIMIT, history_rows, product_events
from catalog.admin.scoping import TenantScopedAdmin, admin_scope
from catalog.admin.search import substring_search
from catalog.models import Category, Product, Tenant

HISTORY_PAGE_SIZE = 100


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    """List, search, filter and edit the tenant's products; show each product's event history."""

    form = ProductForm  # get_form() picks the subclass with the tenant's translation fields
    list_display = ("sku", "name", "brand", "effective_price", "stock_quantity", "is_active",
                    "version", "updated_at")
    list_select_related = ("brand",)
    list_filter = (BrandFilter, CategoryFilter, AvailabilityFilter)
    # Only switches the search box on: get_search_results() runs the query.
    search_fields = ("sku", "name")
    search_help_text = "Part of a SKU or of a name, e.g. M8 or hex bolt."
    show_full_result_count = False  # a second COUNT(*) over 100,000+ rows tells nobody anything
    list_per_page = 50
    autocomplete_fields = ("brand",)
    readonly_fields = ("version", "updated_at", "updated_by_name")
    actions = ("mark_active", "mark_inactive")
    object_history_template = "admin/catalog/product/object_history.html"

    # List

    @admin.display(description="Effective price")
    def effective_price(self, product: Product) -> Decimal:
        """Show what a customer pays: the sale price when there is one."""
        return product.effective_price

    @admin.display(description="Updated by")
    def updated_by_name(self, product: Product) -> str:
        """Show who saved the product last (plain text: staff may not open the user admin)."""
        return product.updated_by.get_username() if product.updated_by else "system"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet,
                           search_term: str) -> tuple[QuerySet, bool]:
        """Match words anywhere in SKU or name with ILIKE, which the trigram indexes serve."""
        return substring_search(queryset, search_term, ("sku", "name")), False

    # Form

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        editable = obj is None or self.has_change_permission(request, obj)
        translations = translation_field_names(self._locales(request, obj))
        fieldsets: list = [
            (None, {"fields": ("sku", "name", "description",
                               *(("expected_version",) if editable and obj else ()))}),
            ("Price and stock", {"fields": ("price", "sale_price", "currency", "stock_quantity",
                                            "is_active")}),
            ("Classification", {"fields": ("brand", "category_ids" if editable else "categories",
                                           "tags", "attributes")}),
        ]
        if not editable:
            fieldsets.append(("Translations", {"fields": ("translations",)}))
        elif translations:
            fieldsets.append(("Translations", {
                "fields": translations,
                "description": "Name and description in other languages; leave both empty "
                               "for no translation.",
            }))
        if obj is not None:
            fieldsets.append(("Record", {"fields": ("version", "updated_at", "updated_by_name")}))
        return self.with_tenant_field(request, obj, fieldsets)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> type[forms.ModelForm]:
        kwargs["form"] = product_form_for(self._locales(request, obj))
        form_class = super().get_form(request, obj, change, **kwargs)
        # base_fields belongs to this request's class: replacing an entry is safe.
        form_class.base_fields["category_ids"] = self._category_field(request)
        return form_class

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        scope = admin_scope(request)
        if scope is not None and scope.tenant is not None:
            initial.setdefault("currency", scope.tenant.default_currency)
        return initial

    def _locales(self, request: HttpRequest, obj: Product | None) -> tuple[str, ...]:
        scope = admin_scope(request)
        tenant = obj.tenant if obj is not None else scope.tenant if scope else None
        return translation_locales(tenant.default_locale if tenant else None)

    def _category_field(self, request: HttpRequest) -> forms.ModelMultipleChoiceField:
        scope = admin_scope(request)
        categories = Category.objects.all()
        if scope is None:
            categories = categories.none()
        elif scope.tenant is not None:
            categories = categories.for_tenant(scope.tenant)
        return forms.ModelMultipleChoiceField(
            queryset=categories, required=False, label="Categories",
            widget=AutocompleteSelectMultiple(Product._meta.get_field("categories"), self.admin_site),
        )

    # Writes

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Save the categories through ``categories.set()``, which records ProductCategoriesChanged."""
        super().save_related(request, form, formsets, change)
        if "category_ids" in form.changed_data:
            form.instance.categories.set(form.cleaned_data["category_ids"])

    @admin.action(description="Mark selected products as active", permissions=["change"])
    def mark_active(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Activate the selected products in one statement per tenant, with their events."""
        self._set_active(request, queryset, active=True)

    @admin.action(description="Mark selected products as inactive", permissions=["change"])
    def mark_inactive(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Deactivate the selected products in one statement per tenant, with their events."""
        self._set_active(request, queryset, active=False)

    def _set_active(self, request: HttpRequest, queryset: QuerySet, *, active: bool) -> None:
        ids_by_tenant: dict[int, list[Any]] = defaultdict(list)
        for pk, tenant_id in queryset.values_list("pk", "tenant_id"):
            ids_by_tenant[tenant_id].append(pk)
        tenants = Tenant.objects.in_bulk(list(ids_by_tenant))
        with transaction.atomic():
            changed = sum(
                commands.products_bulk_update(tenant=tenants[tenant_id], product_ids=ids,
                                              actor=request.user, is_active=active)
                for tenant_id, ids in ids_by_tenant.items()
            )
        self.message_user(request, f"{changed} product(s) changed.")

    # History

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> HttpResponse:
        if obj is not None:
            events = product_events(obj)[:CHANGE_PAGE_LIMIT]
            context["product_history"] = history_rows(events, tenant_id=obj.tenant_id)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request: HttpRequest, object_id: str,
                     extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Show every event of the product, newest first: the admin's log sees only admin edits."""
        product = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, product):
            raise PermissionDenied
        page = Paginator(product_events(product), HISTORY_PAGE_SIZE).get_page(request.GET.get(PAGE_VAR))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {product}",
            "subtitle": None,
            "object": product,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "rows": history_rows(page.object_list, tenant_id=product.tenant_id),
            "page_obj": page,
            "page_var": PAGE_VAR,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)
