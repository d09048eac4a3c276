"""Projection 2: keep the Elasticsearch index in step with the read table.

It consumes the search queue that the read-table projection fills in its own
transactions (catalog.projections.search_queue), so it runs apart from the
read table: when Elasticsearch is down the queue waits, the read table goes on,
and the index catches up once Elasticsearch is back. Documents are built from
read rows as they are *now* and versioned by the row's revision, so batches
may run in any order, twice, or concurrently.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from elasticsearch.helpers import scan

from catalog.projections.batches import of_tenant_by_id
from catalog.projections.search_queue import QUEUE_TABLE
from catalog.projections.side_by_side import side_by_side
from catalog.read.models import REVISION_SEQUENCE, ProductView
from catalog.search import index
from catalog.search.documents import DOCUMENTS_SQL, deleted_marker
from catalog.search.index import Doc

logger = logging.getLogger(__name__)

READ_ALIAS = "read"
BUILD_CHUNK = 2000
SENDERS = 2  # bulk requests in flight during a build: one per Elasticsearch core here
Progress = Callable[[int], None]

CLAIM_SQL = f"""
DELETE FROM {QUEUE_TABLE} WHERE id IN (
    SELECT id FROM {QUEUE_TABLE} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
) RETURNING tenant_id, product_id, revision
"""


def _write_targets() -> list[str]:
    """Return the indices documents go to: those of the sync alias built for this mapping.

    An index built for another mapping version would refuse this code's documents
    and is not searched: it is left alone until `search_reindex` replaces it, and
    the index that replaces it is built from the read table, so nothing is lost.
    """
    targets = index.indices_of(index.sync_alias())
    if not targets:
        return [index.ensure_index()]
    if stale := index.outdated(targets):
        logger.warning("not writing to %s: built for another mapping version; run search_reindex",
                       ", ".join(stale))
    return [name for name in targets if name not in stale]


def documents(*, tenant_id: int, product_ids: list[Any]) -> dict[str, Doc]:
    """Return the current documents of these products of the tenant, by product id."""
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(DOCUMENTS_SQL + " WHERE " + of_tenant_by_id("v", ids="%s", tenant="%s"),
                       [[str(i) for i in product_ids], tenant_id])
        return {row[0]: row for row in cursor.fetchall()}


def sync_batch(*, limit: int = 1000) -> int:
    """Send one batch of queued read rows to the index; return how many entries it took.

    The claim (a DELETE of the entries) commits only when Elasticsearch has taken
    the batch: any failure rolls it back and the entries wait for the next try.
    """
    with transaction.atomic(using=READ_ALIAS), connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(CLAIM_SQL, [limit])
        claimed = cursor.fetchall()
        if not claimed:
            return 0
        by_tenant: dict[int, dict[str, int | None]] = defaultdict(dict)
        for tenant_id, product_id, revision in claimed:
            entries = by_tenant[tenant_id]
            key = str(product_id)
            entries[key] = max(filter(None, (entries.get(key), revision)), default=None)
        docs: list[Doc] = []
        for tenant_id, entries in by_tenant.items():
            found = documents(tenant_id=tenant_id, product_ids=list(entries))
            docs += found.values()
            docs += [(product_id, tenant_id, revision, deleted_marker(tenant_id))
                     for product_id, revision in entries.items()
                     if product_id not in found and revision is not None]
        # Resolved after the claim: a rebuild that started before these rows were
        # queued is already in the sync alias (see reindex_all).
        index.write(docs, indices=_write_targets())
        return len(claimed)


def sync_until_empty(*, budget_seconds: float | None = None, workers: int | None = None,
                     batch_size: int = 1000) -> int:
    """Send queued changes until the queue is empty or the budget is spent; return how many.

    ``workers`` (settings.SEARCH_SYNC_WORKERS) batches run side by side on their
    own connections, so one is read from PostgreSQL while another is indexed.
    Claims skip each other's entries, and versions keep the newest document
    whatever order the batches land in.
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds

    def drain(threaded: bool) -> int:
        handled = 0
        while deadline is None or time.monotonic() < deadline:
            count = sync_batch(limit=batch_size)
            if count == 0:
                break
            handled += count
        return handled

    return side_by_side(drain, workers=workers if workers is not None else settings.SEARCH_SYNC_WORKERS,
                        alias=READ_ALIAS, name="search-sync")


def has_queued() -> bool:
    """Tell whether any read-row change waits for the search index (cheap at any queue length)."""
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {QUEUE_TABLE})")
        return bool(cursor.fetchone()[0])


def queue_length() -> int:
    """Return how many read-row changes wait for the search index."""
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {QUEUE_TABLE}")
        return int(cursor.fetchone()[0])


def _index_rows(*, tenant_id: int | None, indices: list[str], version_type: str,
                progress: Progress | None) -> int:
    """Stream read rows (one snapshot) into the indices; return how many documents were sent.

    PostgreSQL builds the JSON; SENDERS threads keep bulk requests in flight while
    the next chunk is read, so the database and every Elasticsearch core work at once.
    """
    chunks: queue.Queue[list[str] | None] = queue.Queue(maxsize=SENDERS * 2)
    failure: list[BaseException] = []

    def sender() -> None:
        while (lines := chunks.get()) is not None:
            if not failure:
                try:
                    index.send(lines)
                except BaseException as exc:  # handed to the reading thread
                    failure.append(exc)

    threads = [threading.Thread(target=sender, name=f"search-bulk-sender-{n}", daemon=True)
               for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    count = 0
    where, params = ("", []) if tenant_id is None else (" WHERE v.tenant_id = %s", [tenant_id])
    try:
        with transaction.atomic(using=READ_ALIAS), connections[READ_ALIAS].chunked_cursor() as cursor:
            cursor.execute(DOCUMENTS_SQL + where, params)
            while not failure and (rows := cursor.fetchmany(BUILD_CHUNK)):
                chunks.put(list(index.bulk_lines(rows, indices=indices, version_type=version_type)))
                count += len(rows)
                if progress:
                    progress(len(rows))
    finally:
        for _ in threads:
            chunks.put(None)
        for thread in threads:
            thread.join()
    if failure:
        raise failure[0]
    return count


@dataclass(frozen=True)
class Reindexed:
    """What a full reindex did."""

    index: str
    documents: int
    removed: list[str]


def reindex_all(*, progress: Progress | None = None, keep_old: bool = False) -> Reindexed:
    """Build a new index from the read table and swap the aliases to it, without downtime.

    The new index joins the sync alias before the first row is read, so every
    change that lands during the build is written to both indices (versions keep
    the newer of the build's copy and the live one); searches use the old index
    until one atomic alias update moves them.
    """
    es = index.admin_client()
    old_writes = index.indices_of(index.sync_alias())
    new = index.create_index(bulk=True)
    es.indices.update_aliases(actions=[{"add": {"index": new, "alias": index.sync_alias()}}])
    try:
        documents = _index_rows(tenant_id=None, indices=[new], version_type="external",
                                progress=progress)
        index.finish_bulk(new)
    except BaseException:
        es.indices.update_aliases(actions=[{"remove": {"index": new, "alias": index.sync_alias()}}])
        es.indices.delete(index=new, ignore_unavailable=True)
        raise
    # The live indices are read now, not at the start: a first sync that found no index
    # while this one was being built may have created one (ensure_index) meanwhile; its
    # documents are in the new index too. Another build still running keeps its writes.
    old = [name for name in index.indices_of(index.search_alias()) if name != new]
    actions: list[dict[str, Any]] = [{"add": {"index": new, "alias": index.search_alias()}}]
    actions += [{"remove": {"index": name, "alias": index.search_alias()}} for name in old]
    actions += [{"remove": {"index": name, "alias": index.sync_alias()}}
                for name in sorted(set(old_writes) | set(old)) if name != new]
    es.indices.update_aliases(actions=actions)
    removed = sorted(set(old) | set(old_writes))
    if not keep_old and removed:
        _wait_for_searches_to_end(removed)
        for name in removed:
            es.indices.delete(index=name, ignore_unavailable=True)
    return Reindexed(index=new, documents=documents, removed=removed)


# How long a swapped-out index stays while searches that resolved the alias before the
# swap still run on it; deleting it under them fails them (or their shards).
SEARCH_DRAIN_SECONDS = 30.0


def _wait_for_searches_to_end(names: list[str], *, timeout: float = SEARCH_DRAIN_SECONDS) -> None:
    """Wait until no query or fetch phase runs on the indices ``names`` (at most ``timeout``)."""
    es = index.admin_client()
    deadline = time.monotonic() + timeout
    while True:
        stats = es.options(ignore_status=404).indices.stats(index=",".join(names), metric="search")
        running = stats.get("_all", {}).get("total", {}).get("search", {})
        if not running.get("query_current", 0) and not running.get("fetch_current", 0):
            return
        if time.monotonic() >= deadline:
            logger.warning("searches still running on %s after %.0f s; deleting anyway", names, timeout)
            return
        time.sleep(0.05)


def _next_revisions(count: int) -> list[int]:
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT nextval('{REVISION_SEQUENCE}') FROM generate_series(1, %s)", [count])
        return [row[0] for row in cursor.fetchall()]


def _indexed_ids(tenant_id: int, target: str) -> Iterator[list[str]]:
    batch: list[str] = []
    query = {"bool": {"filter": [{"term": {"tenant_id": tenant_id}}],
                      "must_not": [{"term": {"deleted": True}}]}}
    for hit in scan(index.admin_client(), index=target, routing=str(tenant_id), query={"query": query},
                    _source=False, size=2000):
        batch.append(hit["_id"])
        if len(batch) == 2000:
            yield batch
            batch = []
    if batch:
        yield batch


def reindex_tenant(*, tenant_id: int, progress: Progress | None = None) -> tuple[int, int]:
    """Rewrite one tenant's documents in place from its read rows; return (documents, removed).

    Documents at the same revision are rewritten too (``external_gte``), so this
    repairs a tenant after a mapping or document-shape change; documents whose
    read row is gone get a deleted marker.
    """
    targets = _write_targets()
    if not targets:
        raise index.IndexOutdated(f"{index.search_alias()} was built for another mapping version: "
                                  "run `manage.py search_reindex` (all tenants) first.")
    documents = _index_rows(tenant_id=tenant_id, indices=targets, version_type="external_gte",
                            progress=progress)
    removed = 0
    for target in targets:
        index.admin_client().indices.refresh(index=target)
        for ids in _indexed_ids(tenant_id, target):
            existing = {str(i) for i in ProductView.objects.for_tenant(tenant_id)
                        .filter(id__in=ids).values_list("id", flat=True)}
            gone = [i for i in ids if i not in existing]
            if gone:
                docs = [(product_id, tenant_id, revision, deleted_marker(tenant_id))
                        for product_id, revision in zip(gone, _next_revisions(len(gone)), strict=True)]
                index.write(docs, indices=[target])
                removed += len(gone)
    return documents, removed
