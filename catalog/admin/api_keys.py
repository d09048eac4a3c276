"""API keys in the admin: created with the secret shown once, revoked, never shown again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog.admin.scoping import TenantScopedAdmin, admin_scope
from catalog.api.keys import api_key_changed, api_key_issue, api_key_revoke
from catalog.models import ApiKey, ApiKeyScope


class ApiKeyForm(forms.ModelForm):
    """Name the key and tick its scopes."""

    scopes = forms.TypedMultipleChoiceField(
        choices=ApiKeyScope.choices, widget=forms.CheckboxSelectMultiple,
        initial=[ApiKeyScope.READ.value],
        help_text="read: the read endpoints; write: the command endpoints.",
    )

    class Meta:
        model = ApiKey
        fields = ("tenant", "name", "scopes")


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    """Create, list and revoke the tenant's API keys; the secret is shown once, on creation."""

    form = ApiKeyForm
    list_display = ("name", "prefix", "scope_list", "status", "created_at", "last_used_at")
    search_fields = ("name", "prefix")
    fields = ("name", "scopes")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)
    show_full_result_count = False

    @admin.display(description="Scopes")
    def scope_list(self, key: ApiKey) -> str:
        """Show the scopes comma-separated."""
        return ", ".join(key.scopes)

    @admin.display(description="Status")
    def status(self, key: ApiKey) -> str:
        """Show whether the key still works."""
        return "revoked" if key.is_revoked else "active"

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple:
        return (*self.fields, *(self.readonly_fields if obj is not None else ()))

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        """Issue the secret of a new key and show it once; forget cached lookups of a changed one."""
        if change:
            obj.save()
            api_key_changed(key=obj)
            return
        token = api_key_issue(key=obj, actor=request.user)
        messages.warning(
            request,
            f"The API key is {token} — copy it now: it is stored only as a hash and "
            "cannot be shown again.",
        )

    def delete_model(self, request: HttpRequest, obj: ApiKey) -> None:
        """Delete the key and forget its cached lookups."""
        obj.delete()
        api_key_changed(key=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Delete the keys one by one, so each cached lookup is forgotten."""
        for key in queryset:
            self.delete_model(request, key)

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Revoke the selected keys of the user's tenant (every tenant's for superusers)."""
        scope = admin_scope(request)
        if scope is None or not scope.can_edit:
            return
        count = 0
        for tenant_id in set(queryset.values_list("tenant_id", flat=True)):
            keys = queryset.filter(tenant_id=tenant_id).values_list("pk", flat=True)
            count += api_key_revoke(tenant=tenant_id, key_ids=list(keys))
        self.message_user(request, f"Revoked {count} API key(s).", messages.SUCCESS)
