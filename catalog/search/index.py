"""The shared product index: its aliases, settings and bulk writes.

Two aliases point at concrete indices (``<alias>-<timestamp>``): searches go to
``SEARCH_INDEX_ALIAS``; writes go to every index of ``<alias>-sync``, which
holds the live index and, during a rebuild, the new one too (dual write).
Documents are routed by tenant id and carry the read row's revision as an
external version, so Elasticsearch itself rejects an older document; a deleted
product becomes a versioned deleted marker, so a late older write cannot bring
it back after Elasticsearch forgets its delete tombstones.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import streaming_bulk

from catalog.search.documents import ProductDocument

logger = logging.getLogger(__name__)

REFRESH_INTERVAL = "1s"
BULK_TIMEOUT_SECONDS = 120.0


class IndexWriteFailed(Exception):
    """Elasticsearch refused documents for another reason than a newer version already there."""


@functools.lru_cache(maxsize=8)
def _client(url: str, timeout: float) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=timeout, retry_on_timeout=False, max_retries=0)


def client() -> Elasticsearch:
    """Return the Elasticsearch client of settings.ELASTICSEARCH_URL (query timeout)."""
    assert settings.ELASTICSEARCH_URL, "Set ELASTICSEARCH_URL to use the Elasticsearch index."
    return _client(settings.ELASTICSEARCH_URL, settings.SEARCH_TIMEOUT_SECONDS)


def admin_client() -> Elasticsearch:
    """Return the client for bulk writes and index administration (a longer timeout)."""
    return client().options(request_timeout=BULK_TIMEOUT_SECONDS)


def search_alias() -> str:
    """Return the alias searches go to."""
    return settings.SEARCH_INDEX_ALIAS


def sync_alias() -> str:
    """Return the alias whose indices every document write goes to."""
    return f"{settings.SEARCH_INDEX_ALIAS}-sync"


def body(*, bulk: bool) -> dict[str, Any]:
    """Return the settings and mappings of a new index; ``bulk`` for a build (no refresh, replicas)."""
    return {
        "settings": {
            "number_of_shards": settings.SEARCH_INDEX_SHARDS,
            "number_of_replicas": 0 if bulk else settings.SEARCH_INDEX_REPLICAS,
            "refresh_interval": "-1" if bulk else REFRESH_INTERVAL,
        },
        "mappings": {
            **ProductDocument._doc_type.mapping.to_dict(),
            "_routing": {"required": True},  # every document lives on its tenant's shard
            "dynamic": "strict",
        },
    }


def create_index(*, bulk: bool = False) -> str:
    """Create a new concrete index and return its name."""
    name = f"{search_alias()}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    admin_client().indices.create(index=name, **body(bulk=bulk))
    return name


def finish_bulk(index: str) -> None:
    """Give an index built in bulk its live settings back and make its documents searchable."""
    admin_client().indices.put_settings(index=index, settings={
        "refresh_interval": REFRESH_INTERVAL, "number_of_replicas": settings.SEARCH_INDEX_REPLICAS,
    })
    admin_client().indices.refresh(index=index)


def indices_of(alias: str) -> list[str]:
    """Return the concrete indices behind ``alias`` (none when it does not exist)."""
    try:
        return sorted(client().indices.get_alias(name=alias))
    except NotFoundError:
        return []


def ensure_index() -> str:
    """Create the first index and both aliases when there is none yet; return the live index."""
    live = indices_of(search_alias())
    if live:
        return live[0]
    name = create_index()
    admin_client().indices.update_aliases(actions=[
        {"add": {"index": name, "alias": search_alias()}},
        {"add": {"index": name, "alias": sync_alias()}},
    ])
    return name


def document_actions(docs: Iterable[tuple[str, int, int, dict[str, Any]]], *, indices: list[str],
                     version_type: str = "external") -> Iterable[dict[str, Any]]:
    """Yield a bulk index action per (id, tenant id, revision, body) for every index."""
    for doc_id, tenant_id, revision, source in docs:
        for index in indices:
            yield {"_op_type": "index", "_index": index, "_id": doc_id, "routing": str(tenant_id),
                   "version": revision, "version_type": version_type, "_source": source}


def write(actions: Iterable[dict[str, Any]], *, chunk_size: int = 1000) -> tuple[int, int]:
    """Send bulk actions; return (written, stale). Raise IndexWriteFailed on any other refusal.

    A version conflict means the index already holds this revision or a newer
    one: the write is stale and skipping it is right.
    """
    written = stale = 0
    failures: list[Any] = []
    for ok, item in streaming_bulk(admin_client(), actions, chunk_size=chunk_size, raise_on_error=False,
                                   raise_on_exception=True, max_retries=0):
        if ok:
            written += 1
            continue
        result = next(iter(item.values()))
        if result.get("status") == 409:
            stale += 1
        else:
            failures.append(result)
    if failures:
        raise IndexWriteFailed(f"{len(failures)} documents refused, first: {failures[0]}")
    return written, stale
