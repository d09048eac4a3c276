"""The read cache (django-redis): generation stamps per tenant and per product, and entries.

An entry is stored with the stamp (the generations) it was computed under, and
a reader fetches the entry together with the current generations in one MGET:
it is served only when the stamps match. Invalidation deletes generation keys
(O(1) per tenant for every list, one key per changed product for details); the
next reader creates a fresh random generation. Generations are read *before*
the database, so a response computed from rows older than a projection carries
a stamp that no longer exists once that projection has invalidated: unlike
deleting the entries themselves, no late writer can put old data back.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import OperationalError

logger = logging.getLogger(__name__)


class InvalidationFailed(OperationalError):
    """The cache could not be invalidated: transient, so the outbox retries the batch, never parks it.

    A subclass of OperationalError because that is what catalog.projections.outbox
    and the Celery task treat as transient (rolled back, retried with backoff).
    """


LIST_TTL = 300
DETAIL_TTL = 3600
Stamp = tuple[int, ...]


@dataclass(frozen=True)
class Entry:
    """A cached response body with what it needs to answer conditional requests."""

    stamp: Stamp
    etag: str
    body: bytes


@dataclass(frozen=True)
class Lookup:
    """What a reader found: a fresh entry, or the stamp to store a new one under (None: don't)."""

    entry: Entry | None
    stamp: Stamp | None


def tenant_generation_key(tenant_id: int) -> str:
    """Return the key of the tenant's generation (lists, SKU lookups, taxonomy, stats)."""
    return f"gen:t:{tenant_id}"


def detail_epoch_key(tenant_id: int) -> str:
    """Return the key of the tenant's detail epoch (bumped when every detail may be stale)."""
    return f"gen:d:{tenant_id}"


def product_generation_key(tenant_id: int, product_id: Any) -> str:
    """Return the key of one product's generation (its detail entry)."""
    return f"gen:p:{tenant_id}:{product_id}"


def entry_key(kind: str, tenant_id: int, *parts: Any) -> str:
    """Return the key of a cached response; free-form parts are hashed."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{kind}:{tenant_id}:{digest}"


def lookup(key: str, generation_keys: list[str]) -> Lookup:
    """Fetch an entry and the current generations; tolerate a cache outage (no caching then)."""
    try:
        values = cache.get_many([key, *generation_keys])
        stamp = _stamp(generation_keys, values)
    except Exception:  # the cache is an optimisation: serve from the read database
        logger.warning("read cache unavailable; serving uncached", exc_info=True)
        return Lookup(entry=None, stamp=None)
    stored = values.get(key)  # (stamp, etag, body): plain values survive a deploy of new code
    if isinstance(stored, tuple) and len(stored) == 3 and stamp is not None and stored[0] == stamp:
        return Lookup(entry=Entry(stamp=stamp, etag=stored[1], body=stored[2]), stamp=stamp)
    return Lookup(entry=None, stamp=stamp)


def _stamp(generation_keys: list[str], values: dict[str, Any]) -> Stamp | None:
    generations = []
    for key in generation_keys:
        value = values.get(key)
        if value is None:
            ttl = None if key.startswith("gen:t:") else DETAIL_TTL
            value = secrets.randbits(62)
            if not cache.add(key, value, timeout=ttl):
                value = cache.get(key)
                if value is None:  # invalidated in between: do not cache this time
                    return None
        generations.append(int(value))
    return tuple(generations)


def store(key: str, lookup_result: Lookup, *, etag: str, body: bytes, ttl: int) -> None:
    """Store a response body under the stamp read before the database was queried."""
    if lookup_result.stamp is None:
        return
    try:
        cache.set(key, (lookup_result.stamp, etag, body), timeout=ttl)
    except Exception:
        logger.warning("read cache unavailable; response not cached", exc_info=True)


def invalidate_products(*, tenant_id: int, product_ids: Iterable[Any]) -> None:
    """Drop the tenant's list generation and the generations of these products (one DEL)."""
    keys = [tenant_generation_key(tenant_id)]
    keys += [product_generation_key(tenant_id, pid) for pid in product_ids]
    _delete(keys)


def invalidate_tenant(*, tenant_id: int, details: bool = False) -> None:
    """Drop the tenant's list generation, and with ``details`` every product detail too."""
    keys = [tenant_generation_key(tenant_id)]
    if details:
        keys.append(detail_epoch_key(tenant_id))
    _delete(keys)


def _delete(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception as exc:
        raise InvalidationFailed(f"read cache invalidation failed: {exc}") from exc
