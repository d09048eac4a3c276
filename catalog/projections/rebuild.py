"""Rebuild a tenant's read rows from the write side, in batches, while edits go on.

Each batch goes through ``project_products`` (tenant lock + version guard), so
live edits projected in between are never overwritten by older data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.db import OperationalError, connections, transaction

from catalog.projections import listing
from catalog.projections.products import READ_ALIAS, WRITE_ALIAS, lock_tenant, project_products
from catalog.projections.taxonomy import rebuild_taxonomy
from catalog.read.cache import invalidate_tenant

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
DEADLOCK_RETRIES = 3


def _keyset_ids(alias: str, table: str, tenant_id: int, batch_size: int) -> Iterator[list[str]]:
    after = None
    while True:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE tenant_id = %s AND (%s::uuid IS NULL OR id > %s::uuid)"
                " ORDER BY id LIMIT %s",
                [tenant_id, after, after, batch_size],
            )
            ids = [str(row[0]) for row in cursor.fetchall()]
        if not ids:
            return
        yield ids
        after = ids[-1]


def _project_batch(tenant_id: int, ids: list[str]) -> int:
    """Project one rebuild batch on this thread's own connections (shared tenant lock)."""
    try:
        for attempt in range(1, DEADLOCK_RETRIES + 1):
            try:
                project_products(tenant_id=tenant_id, product_ids=ids, shared=True)
                return len(ids)
            except OperationalError as exc:  # two batches may re-project the same stale SKU
                if "deadlock" not in str(exc) or attempt == DEADLOCK_RETRIES:
                    raise
                logger.warning("rebuild batch deadlocked (attempt %s); retrying", attempt)
        return len(ids)
    finally:
        connections.close_all()


def rebuild_tenant(*, tenant_id: int, batch_size: int = 5000, progress: Progress | None = None,
                   workers: int = 1) -> int:
    """Project every product, category and brand of the tenant, drop orphans; return products.

    With ``workers`` > 1, batches run side by side on their own connections under
    the tenant lock taken *shared* (live projection takes it exclusively, so it
    still never interleaves with a batch); use it outside a test transaction.
    """
    products = 0
    if workers <= 1:
        for ids in _keyset_ids(WRITE_ALIAS, "catalog_product", tenant_id, batch_size):
            project_products(tenant_id=tenant_id, product_ids=ids)
            products += len(ids)
            if progress:
                progress(len(ids))
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rebuild") as pool:
            running: set[Future[int]] = set()

            def collect() -> int:
                nonlocal running
                done, running = wait(running, return_when=FIRST_COMPLETED)
                count = sum(f.result() for f in done)  # re-raises a batch's error
                if progress and count:
                    progress(count)
                return count

            for ids in _keyset_ids(WRITE_ALIAS, "catalog_product", tenant_id, batch_size):
                if len(running) >= workers * 2:
                    products += collect()
                running.add(pool.submit(_project_batch, tenant_id, ids))
            while running:
                products += collect()
    remove_orphans(tenant_id=tenant_id, batch_size=batch_size)
    recount_tenant(tenant_id=tenant_id)
    rebuild_taxonomy(tenant_id=tenant_id)
    return products


def recount_tenant(*, tenant_id: int) -> None:
    """Count the tenant's products and their categories again from the read rows."""
    with transaction.atomic(using=READ_ALIAS), connections[READ_ALIAS].cursor() as cursor:
        lock_tenant(tenant_id)
        listing.recount(cursor, tenant_id=tenant_id)
    invalidate_tenant(tenant_id=tenant_id)


def remove_orphans(*, tenant_id: int, batch_size: int = 5000) -> int:
    """Delete read rows whose product no longer exists on the write side; return how many."""
    removed = 0
    for ids in _keyset_ids(READ_ALIAS, "catalog_read_productview", tenant_id, batch_size):
        with connections[WRITE_ALIAS].cursor() as cursor:
            cursor.execute("SELECT id::text FROM catalog_product WHERE id = ANY(%s::uuid[])", [ids])
            existing = {row[0] for row in cursor.fetchall()}
        orphans = [i for i in ids if i not in existing]
        if orphans:
            removed += project_products(tenant_id=tenant_id, product_ids=orphans)
    return removed


def product_count(*, tenant_id: int) -> int:
    """Return how many products the tenant has on the write side."""
    with connections[WRITE_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product WHERE tenant_id = %s", [tenant_id])
        return int(cursor.fetchone()[0])
