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
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError

from catalog.search.documents import MAPPING_VERSION, ProductDocument

logger = logging.getLogger(__name__)

REFRESH_INTERVAL = "1s"
BULK_TIMEOUT_SECONDS = 120.0


class IndexWriteFailed(Exception):
    """Elasticsearch refused documents for another reason than a newer version already there."""


class IndexOutdated(Exception):
    """The index was built for another mapping version: `search_reindex` must build a new one."""


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
            # A build that dies is started again: no fsync of the translog per bulk request.
            "translog.durability": "async" if bulk else "request",
            **_partition_settings(),
        },
        "mappings": {
            **ProductDocument._doc_type.mapping.to_dict(),
            "_routing": {"required": True},  # every document lives on its tenant's shards
            "dynamic": "strict",
            "_meta": {"mapping_version": MAPPING_VERSION},
        },
    }


def _partition_settings() -> dict[str, int]:
    """Spread each tenant over SEARCH_INDEX_ROUTING_PARTITION shards (1: a tenant on one shard).

    A tenant's query then runs on that many shards in parallel. The routing shards
    equal the shards: with more (Elasticsearch's default, kept for a later split),
    the shards of a tenant's partition are nearly always one and the same.
    """
    partition = settings.SEARCH_INDEX_ROUTING_PARTITION
    if partition <= 1:
        return {}
    return {"routing_partition_size": partition, "number_of_routing_shards": settings.SEARCH_INDEX_SHARDS}


def create_index(*, bulk: bool = False) -> str:
    """Create a new concrete index and return its name."""
    name = f"{search_alias()}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    admin_client().indices.create(index=name, **body(bulk=bulk))
    return name


def finish_bulk(index: str) -> None:
    """Give an index built in bulk its live settings back and make its documents searchable."""
    admin_client().indices.put_settings(index=index, settings={
        "refresh_interval": REFRESH_INTERVAL, "number_of_replicas": settings.SEARCH_INDEX_REPLICAS,
        "translog.durability": "request",
    })
    admin_client().indices.refresh(index=index)
    admin_client().indices.flush(index=index)  # what the build wrote is on disk before the swap


def indices_of(alias: str) -> list[str]:
    """Return the concrete indices behind ``alias`` (none when it does not exist)."""
    try:
        return sorted(client().indices.get_alias(name=alias))
    except NotFoundError:
        return []


@functools.lru_cache(maxsize=64)
def _mapping_version(url: str, name: str) -> int:
    mappings = client().indices.get_mapping(index=name, filter_path="*.mappings._meta")
    meta = next(iter(mappings.values()), {}).get("mappings", {}).get("_meta", {})
    return int(meta.get("mapping_version", 1))  # 1: built before versions were kept


def mapping_version(name: str) -> int:
    """Return the mapping version a concrete index was built for (it never changes)."""
    return _mapping_version(settings.ELASTICSEARCH_URL, name)


def outdated(names: list[str]) -> list[str]:
    """Return those of the concrete indices built for another mapping version than this code's."""
    return [name for name in names if mapping_version(name) != MAPPING_VERSION]


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


# A document to write: (product id, tenant id, revision, the body as JSON text).
Doc = tuple[str, int, int, str]


def bulk_lines(docs: Iterable[Doc], *, indices: list[str],
               version_type: str = "external") -> Iterator[str]:
    """Yield the NDJSON of an index action per document and target index (routed, versioned)."""
    targets = [json.dumps(name) for name in indices]
    for doc_id, tenant_id, revision, source in docs:
        for target in targets:
            yield (f'{{"index":{{"_index":{target},"_id":"{doc_id}","routing":"{tenant_id}",'
                   f'"version":{revision},"version_type":"{version_type}"}}}}\n{source}\n')


@dataclass
class Written:
    """What a bulk write did: documents taken, stale ones (a newer version is there), refused ones."""

    written: int = 0
    stale: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)  # _index, _id, error

    def add(self, other: Written) -> None:
        """Add the counts of another write."""
        self.written += other.written
        self.stale += other.stale
        self.refused += other.refused


def send(lines: list[str]) -> Written:
    """Send one bulk request; raise IndexWriteFailed when Elasticsearch may take it later.

    A version conflict (409) is a stale write and is counted. A document refused
    for what it is (another 4xx, e.g. a term too long for a keyword) would be
    refused again on every retry: it is logged and returned in ``refused``, so one
    bad document never holds up the queue; ``search_reindex`` repairs it once fixed.
    Overload (429) and server errors raise, and the whole batch is retried.
    """
    if not lines:
        return Written()
    response = admin_client().bulk(
        operations="".join(lines),
        filter_path="errors,items.*._index,items.*._id,items.*.status,items.*.error.type,"
                    "items.*.error.reason",
    )
    if not response["errors"]:
        return Written(written=len(lines))
    result, failures = Written(), []
    for item in response["items"]:
        outcome = next(iter(item.values()))
        if outcome["status"] < 300:
            result.written += 1
        elif outcome["status"] == 409:  # the index holds this revision or a newer one
            result.stale += 1
        elif outcome["status"] == 429 or outcome["status"] >= 500:
            failures.append(outcome)
        else:
            result.refused.append(outcome)
    if failures:
        raise IndexWriteFailed(f"{len(failures)} documents not taken, first: {failures[0]}")
    for refused in result.refused:
        logger.error("search index refused document %s in %s: %s", refused.get("_id"),
                     refused.get("_index"), refused.get("error"))
    return result


def write(docs: Iterable[Doc], *, indices: list[str], version_type: str = "external",
          chunk_size: int = 1000) -> Written:
    """Write documents to every index in bulk requests of ``chunk_size`` actions."""
    total, batch = Written(), []
    for line in bulk_lines(docs, indices=indices, version_type=version_type):
        batch.append(line)
        if len(batch) >= chunk_size:
            total.add(send(batch))
            batch = []
    total.add(send(batch))
    return total
