"""Authentication: per-tenant API keys (X-API-Key), and staff sessions for the browsable API.

Either way ``request.auth`` is an ApiPrincipal: the tenant and the scopes.
The tenant never comes from anything the client sends besides the credential.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from catalog.api.keys import ApiPrincipal, resolve_token
from catalog.models import ApiKeyScope

API_KEY_HEADER = "X-API-Key"
INVALID_KEY = "Invalid or revoked API key."
NO_MEMBERSHIP = "Your account has no active tenant membership: the API serves one tenant."


class ApiKeyUser:
    """The ``request.user`` of a request made with an API key (not a Django user)."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, principal: ApiPrincipal) -> None:
        self.principal = principal

    def __str__(self) -> str:
        return f"API key {self.principal.key_id}"

    def get_username(self) -> str:
        """Return a name for templates (the browsable API)."""
        return str(self)


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate by the ``X-API-Key`` header; the key alone decides the tenant."""

    def authenticate(self, request: Request) -> tuple[Any, ApiPrincipal] | None:
        token = request.META.get("HTTP_X_API_KEY")
        if token is None:
            return None
        principal = resolve_token(token.strip())
        if principal is None:
            raise AuthenticationFailed(INVALID_KEY)
        return ApiKeyUser(principal), principal

    def authenticate_header(self, request: Request) -> str:
        return f'ApiKey header="{API_KEY_HEADER}"'


class StaffSessionAuthentication(SessionAuthentication):
    """Let a logged-in staff user browse the API within the tenant of their membership."""

    def authenticate(self, request: Request) -> tuple[Any, ApiPrincipal] | None:
        result = super().authenticate(request)  # enforces CSRF on unsafe methods
        if result is None:
            return None
        user = result[0]
        if not user.is_staff:
            return None
        try:
            membership = user.membership
        except ObjectDoesNotExist:
            raise PermissionDenied(NO_MEMBERSHIP) from None
        if not membership.tenant.is_active:
            raise PermissionDenied(NO_MEMBERSHIP)
        scopes = {ApiKeyScope.READ.value}
        if membership.can_edit:
            scopes.add(ApiKeyScope.WRITE.value)
        return user, ApiPrincipal(tenant_id=membership.tenant_id, scopes=frozenset(scopes),
                                  user_id=user.pk)
