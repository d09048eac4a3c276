"""Tenants and staff memberships: managed by superusers only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from catalog.models import StaffMembership, Tenant


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Reachable by superusers only, whatever Django permissions other staff hold."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)


def _is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class StaffMembershipInline(admin.TabularInline):
    """The staff of a tenant, edited on the tenant's page."""

    model = StaffMembership
    extra = 0
    autocomplete_fields = ("user",)

    has_view_permission = SuperuserOnlyAdmin.has_view_permission
    has_add_permission = SuperuserOnlyAdmin.has_add_permission
    has_change_permission = SuperuserOnlyAdmin.has_change_permission
    has_delete_permission = SuperuserOnlyAdmin.has_delete_permission


@admin.register(Tenant)
class TenantAdmin(SuperuserOnlyAdmin):
    """List and edit tenants with their staff."""

    list_display = ("slug", "name", "default_currency", "default_locale", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (StaffMembershipInline,)


@admin.register(StaffMembership)
class StaffMembershipAdmin(SuperuserOnlyAdmin):
    """Give a staff user a tenant and a role."""

    list_display = ("user", "tenant", "role")
    list_filter = ("role",)
    list_select_related = ("user", "tenant")
    search_fields = ("user__username", "user__email", "tenant__slug", "tenant__name")
    autocomplete_fields = ("user", "tenant")


class UserMembershipInline(StaffMembershipInline):
    """The user's tenant and role, on the user's page."""

    autocomplete_fields = ("tenant",)
    can_delete = True


User = get_user_model()
if admin.site.is_registered(User):
    user_admin_class = type(admin.site.get_model_admin(User))
    admin.site.unregister(User)
else:
    user_admin_class = UserAdmin


@admin.register(User)
class CatalogUserAdmin(user_admin_class):  # type: ignore[valid-type,misc]
    """The user admin with the user's tenant membership inline."""

    inlines = (*user_admin_class.inlines, UserMembershipInline)
