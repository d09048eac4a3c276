"""Scope checks: a key without the scope an endpoint needs gets 403."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from catalog.api.keys import ApiPrincipal
from catalog.models import ApiKeyScope


class HasScope(BasePermission):
    """Allow requests whose principal holds ``scope``."""

    scope: str = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.auth
        return isinstance(principal, ApiPrincipal) and self.scope in principal.scopes


class HasReadScope(HasScope):
    """Allow principals with the read scope."""

    scope = ApiKeyScope.READ.value
    message = "This API key does not have the read scope."


class HasWriteScope(HasScope):
    """Allow principals with the write scope."""

    scope = ApiKeyScope.WRITE.value
    message = "This API key does not have the write scope."


def tenant_id_of(request: Request) -> int:
    """Return the tenant of an authenticated request (set by catalog.api.auth)."""
    principal = request.auth
    assert isinstance(principal, ApiPrincipal), "tenant_id_of() needs a view with a scope permission."
    return principal.tenant_id
