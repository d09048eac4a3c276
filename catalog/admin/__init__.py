"""The merchandiser admin: every tenant-owned model admin is scoped by TenantScopedAdmin."""

from catalog.admin import api_keys, events, products, taxonomy, tenants
from catalog.admin.scoping import AdminScope, TenantScopedAdmin, admin_scope

__all__ = ["AdminScope", "TenantScopedAdmin", "admin_scope", "api_keys", "events", "products",
           "taxonomy", "tenants"]
