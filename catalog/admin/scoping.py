"""Tenant scoping of the admin: one place that decides what a staff user may see and do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.forms import ModelForm
from django.http import Http404, HttpRequest

from catalog.models import Tenant

TENANT_FILTER_PARAM = "tenant__id__exact"


@dataclass(frozen=True)
class AdminScope:
    """What a staff user may reach: one tenant (or every tenant) and whether they may edit."""

    tenant: Tenant | None  # None: every tenant (superusers)
    can_edit: bool

    @property
    def is_global(self) -> bool:
        """Tell whether the scope spans every tenant."""
        return self.tenant is None


def admin_scope(request: HttpRequest) -> AdminScope | None:
    """Return the user's scope in the catalog admin, or None when they may reach nothing.

    Superusers reach every tenant (a membership they may also hold is ignored).
    Other staff reach the tenant of their StaffMembership, as long as it is active;
    staff without a membership reach nothing, whatever Django permissions they hold.
    """
    user = request.user
    if not (user.is_active and user.is_staff):
        return None
    if user.is_superuser:
        return AdminScope(tenant=None, can_edit=True)
    try:
        membership = user.membership  # cached on the user object for the request
    except ObjectDoesNotExist:
        return None
    if not membership.tenant.is_active:
        return None
    return AdminScope(tenant=membership.tenant, can_edit=membership.can_edit)


def scope_queryset(queryset: models.QuerySet, tenant: Tenant) -> models.QuerySet:
    """Narrow ``queryset`` to one tenant through the model's tenant-scoped entry point."""
    if hasattr(queryset, "for_tenant"):
        return queryset.for_tenant(tenant)
    return queryset.filter(tenant=tenant)


def filter_tenant_id(request: HttpRequest) -> int | None:
    """Return the tenant a list is narrowed to: the user's, or the one a superuser filters by."""
    scope = admin_scope(request)
    if scope is None:
        return None
    if scope.tenant is not None:
        return scope.tenant.pk
    value = request.GET.get(TENANT_FILTER_PARAM, "")
    return int(value) if value.isdigit() else None


def is_tenant_owned(model: type[models.Model]) -> bool:
    """Tell whether rows of ``model`` belong to a tenant."""
    return any(field.name == "tenant" and field.is_relation for field in model._meta.fields)


class TenantScopedAdmin(admin.ModelAdmin):
    """Base of every admin for tenant-owned rows: scoped rows, choices, permissions and writes.

    Merchandisers need no Django model permissions: the membership role grants
    them (merchandiser: view/add/change/delete, viewer: view). Superusers see
    every tenant, with a tenant filter and a tenant field on the add form.
    """

    show_facets = admin.ShowFacets.NEVER  # facet counts scan the whole tenant per choice

    # Rows

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)
        scope = admin_scope(request)
        if scope is None:
            return queryset.none()
        if scope.is_global:
            return queryset
        return scope_queryset(queryset, scope.tenant)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        """Return the object in the user's scope, or raise Http404.

        Django would redirect to the admin index with a "doesn't exist" message;
        a plain 404 tells another tenant's user nothing and is easier to reason about.
        """
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} matches the given query.")
        return obj

    # Choices

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _scope_choices(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        related = db_field.remote_field.model
        if "queryset" in kwargs or not is_tenant_owned(related):
            return
        scope = admin_scope(request)
        if scope is None:
            kwargs["queryset"] = related._default_manager.none()
        elif not scope.is_global:
            kwargs["queryset"] = scope_queryset(related._default_manager.all(), scope.tenant)

    # Permissions

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin_scope(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, obj, edit=False)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allows(request, None, edit=True)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, obj, edit=True)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, obj, edit=True)

    def _allows(self, request: HttpRequest, obj: Any, *, edit: bool) -> bool:
        scope = admin_scope(request)
        if scope is None or (edit and not scope.can_edit):
            return False
        return obj is None or scope.is_global or obj.tenant_id == scope.tenant.pk

    # Forms

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        return self.with_tenant_field(request, obj, super().get_fieldsets(request, obj))

    def with_tenant_field(self, request: HttpRequest, obj: Any, fieldsets: Sequence) -> list:
        """Drop the tenant field from ``fieldsets``; put it first again for superusers."""
        cleaned = [
            (name, {**options, "fields": tuple(f for f in options["fields"] if f != "tenant")})
            for name, options in fieldsets
        ]
        scope = admin_scope(request)
        if cleaned and scope is not None and scope.is_global:
            name, options = cleaned[0]
            cleaned[0] = (name, {**options, "fields": ("tenant", *options["fields"])})
        return cleaned

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        fields = tuple(super().get_readonly_fields(request, obj))
        # Moving a row to another tenant would strand its links: the tenant is fixed.
        return (*fields, "tenant") if obj is not None else fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> type[ModelForm]:
        """Return the form; on add, bind the new instance to the user's tenant before validation.

        ``Model.clean()`` checks rules per tenant (duplicate SKU, brand of another
        tenant), so the tenant must be on the instance when the form validates.
        """
        form_class = super().get_form(request, obj, change, **kwargs)
        scope = admin_scope(request)
        if obj is not None or scope is None or scope.is_global:
            return form_class
        tenant = scope.tenant

        class TenantBoundForm(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **form_kwargs: Any) -> None:
                super().__init__(*args, **form_kwargs)
                if self.instance.tenant_id is None:
                    self.instance.tenant = tenant

        TenantBoundForm.__name__ = form_class.__name__
        return TenantBoundForm

    # Lists

    def get_list_display(self, request: HttpRequest) -> tuple:
        display = tuple(super().get_list_display(request))
        return (*display, "tenant") if self._is_global(request) else display

    def get_list_filter(self, request: HttpRequest) -> tuple:
        filters = tuple(super().get_list_filter(request))
        return ("tenant", *filters) if self._is_global(request) else filters

    def get_list_select_related(self, request: HttpRequest) -> Any:
        related = super().get_list_select_related(request)
        if not self._is_global(request) or related is True:
            return related
        return (*(related or ()), "tenant")

    def _is_global(self, request: HttpRequest) -> bool:
        scope = admin_scope(request)
        return scope is not None and scope.is_global

    # Writes

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Save with the user as actor: the signals record the event with it."""
        obj.updated_by = request.user
        obj.save()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        """Delete with the user as actor, so the deletion event names them."""
        obj.updated_by = request.user
        obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        """Delete each selected row through ``delete()`` so every deletion records its event.

        ``QuerySet.delete()`` would record the events without the acting user.
        All or nothing: one transaction for the whole selection.
        """
        with transaction.atomic(using=queryset.db):
            for obj in queryset.iterator(chunk_size=500):
                self.delete_model(request, obj)
