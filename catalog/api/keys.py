"""API keys: issue (shown once, stored as a hash), revoke, and resolve a token to a principal.

Resolving a key is cached in Redis for ``PRINCIPAL_TTL`` seconds, so serving a
read request does not touch the write database; a cache miss costs one
``UPDATE … RETURNING`` that also refreshes ``last_used_at`` (hence at most once
per key and TTL). Revoking or changing a key drops its cache entry.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone

from catalog.commands.actor import actor_id
from catalog.models import ApiKey, ApiKeyScope, Tenant

TOKEN_PREFIX = "ck_"
PRINCIPAL_TTL = 60
RESOLVE_SQL = """
UPDATE catalog_apikey AS k SET last_used_at = now()
FROM catalog_tenant AS t
WHERE k.key_hash = %s AND k.revoked_at IS NULL AND t.id = k.tenant_id AND t.is_active
RETURNING k.id, k.tenant_id, k.scopes, k.prefix
"""


@dataclass(frozen=True)
class ApiPrincipal:
    """Who is calling: the tenant (from the key or staff membership alone) and the scopes."""

    tenant_id: int
    scopes: frozenset[str]
    key_id: int | None = None
    user_id: int | None = None
    key_prefix: str = ""

    @property
    def ident(self) -> str:
        """Return a stable identity for throttling."""
        return f"key:{self.key_id}" if self.key_id is not None else f"user:{self.user_id}"


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _principal_key(key_hash: str) -> str:
    return f"apikey:v2:{key_hash}"  # v2: the entry holds the prefix too


def api_key_issue(*, key: ApiKey, actor: AbstractBaseUser | None = None) -> str:
    """Give an unsaved key its secret, save it, and return the token (the only time it exists)."""
    assert key.pk is None, "api_key_issue() gives a new key its secret; revoke and re-issue instead."
    prefix = secrets.token_hex(5)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key.prefix, key.key_hash = f"{TOKEN_PREFIX}{prefix}", hash_token(token)
    key.scopes = sorted(set(key.scopes))
    key.created_by_id = actor_id(actor)
    key.full_clean()
    key.save()
    return token


def api_key_create(*, tenant: Tenant, name: str, scopes: Iterable[str] = (ApiKeyScope.READ,),
                   actor: AbstractBaseUser | None = None) -> tuple[ApiKey, str]:
    """Create a key of ``tenant`` with ``scopes``; return it and its token."""
    key = ApiKey(tenant=tenant, name=name, scopes=list(scopes))
    return key, api_key_issue(key=key, actor=actor)


def api_key_changed(*, key: ApiKey) -> None:
    """Forget the cached principal of a changed key now and again after the commit."""
    cache_key = _principal_key(key.key_hash)
    cache.delete(cache_key)
    transaction.on_commit(lambda: cache.delete(cache_key))


def api_key_revoke(*, tenant: Tenant | int, key_ids: Iterable[int]) -> int:
    """Revoke keys of ``tenant``; return how many were still active."""
    with transaction.atomic():
        keys = list(ApiKey.objects.for_tenant(tenant).filter(pk__in=list(key_ids),
                                                             revoked_at__isnull=True))
        ApiKey.objects.filter(pk__in=[k.pk for k in keys]).update(revoked_at=timezone.now())
        for key in keys:
            api_key_changed(key=key)
    return len(keys)


def resolve_token(token: str) -> ApiPrincipal | None:
    """Return the principal of an active key of an active tenant, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    key_hash = hash_token(token)
    cached = cache.get(_principal_key(key_hash))
    if cached is None:
        with connections["default"].cursor() as cursor:
            cursor.execute(RESOLVE_SQL, [key_hash])
            row = cursor.fetchone()
        # Plain values, not the dataclass: an entry must survive a deploy that changes the class.
        cached = (row[0], row[1], sorted(row[2]), row[3]) if row else ()
        cache.set(_principal_key(key_hash), cached, timeout=PRINCIPAL_TTL)
    if not cached:  # known not to be a usable key
        return None
    key_id, tenant_id, scopes, prefix = cached
    return ApiPrincipal(tenant_id=tenant_id, scopes=frozenset(scopes), key_id=key_id,
                        key_prefix=prefix)
