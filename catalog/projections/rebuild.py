"""Rebuild a tenant's read rows from the write side, in batches, while edits go on.

Each batch goes through ``project_products`` (tenant lock + version guard), so
live edits projected in between are never overwritten by older data.

A rebuild that at least doubles the read table (a new read database, one
restored from nothing, the first rebuild of a large tenant) is a cold load: the
read tables' indexes go while it runs and are built again after it
(``cold_load``). Only the keys the projection itself needs stay, the primary
keys and the (tenant, SKU) constraint, so live edits go on being projected.
Reads of the read tables are slow meanwhile; before the load they had at most
as many rows to read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction

from catalog.bulk_indexes import IndexWork, ModelIndex, indexes_off, table_rows
from catalog.projections import listing
from catalog.projections.products import (
    READ_ALIAS,
    WRITE_ALIAS,
    lock_tenant,
    project_products,
    retry_deadlocks,
)
from catalog.projections.taxonomy import rebuild_taxonomy
from catalog.read.cache import invalidate_tenant
from catalog.read.models import ProductCategoryView, ProductView

Progress = Callable[[int], None]
# Connections that build the read indexes again after a cold load (one per core here).
INDEX_BUILD_WORKERS = 2
_cold = threading.local()


def read_indexes() -> list[ModelIndex]:
    """Return the read-table indexes a cold load drops: all but the keys the projection needs."""
    return [(model, index) for model in (ProductView, ProductCategoryView) for index in model._meta.indexes]


def rows_to_create(tenant_ids: list[int]) -> int:
    """Return how many read rows rebuilding these tenants creates: their products without one."""
    with connections[WRITE_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product WHERE tenant_id = ANY(%s)", [tenant_ids])
        products = int(cursor.fetchone()[0])
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_read_productview WHERE tenant_id = ANY(%s)",
                       [tenant_ids])
        return max(0, products - int(cursor.fetchone()[0]))


def is_cold(tenant_ids: list[int]) -> bool:
    """Tell whether rebuilding these tenants at least doubles the read table, and is large.

    Below ``REBUILD_COLD_LOAD_MIN`` new rows, building every read index again costs more
    than inserting into them. The table's size is the planner's estimate.
    """
    created = rows_to_create(tenant_ids)
    return created >= max(settings.REBUILD_COLD_LOAD_MIN, table_rows(ProductView, using=READ_ALIAS))


@contextmanager
def cold_load(tenant_ids: list[int], *, workers: int = INDEX_BUILD_WORKERS) -> Iterator[IndexWork]:
    """Around a rebuild of these tenants: drop the read indexes if it is a cold load (``is_cold``).

    After the block, every missing read index is built again, also one that a killed
    cold load left missing, and the statistics are refreshed if it dropped any.
    Inside another ``cold_load`` of this thread (``rebuild_tenant`` under the
    command's ``--all``) or inside a transaction, it does nothing.
    """
    if getattr(_cold, "active", False) or connections[READ_ALIAS].in_atomic_block:
        yield IndexWork()
        return
    _cold.active = True
    try:
        with indexes_off(read_indexes(), using=READ_ALIAS, drop=is_cold(tenant_ids),
                         workers=workers) as work:
            yield work
        if work.dropped:  # the planner has not seen the loaded rows yet
            with connections[READ_ALIAS].cursor() as cursor:
                cursor.execute(f"ANALYZE {ProductView._meta.db_table}, {ProductCategoryView._meta.db_table}")
    finally:
        _cold.active = False


Batch = tuple[list[str], str | None, str | None]  # product ids, and the id range (after, upto]


def _batches(tenant_id: int, batch_size: int) -> Iterator[Batch]:
    """Yield the tenant's write-side products in id order, each batch with the id range it covers.

    The ranges tile the whole id space: the last one, with no products, runs from the
    last id to the end, so read rows past every product are found as orphans too.
    """
    after = None
    while True:
        with connections[WRITE_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT id FROM catalog_product WHERE tenant_id = %s AND (%s::uuid IS NULL OR id > %s::uuid)"
                " ORDER BY id LIMIT %s",
                [tenant_id, after, after, batch_size],
            )
            ids = [str(row[0]) for row in cursor.fetchall()]
        if not ids:
            yield [], after, None
            return
        yield ids, after, ids[-1]
        after = ids[-1]


def _read_ids_in_range(tenant_id: int, after: str | None, upto: str | None) -> list[str]:
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT id FROM catalog_read_productview WHERE tenant_id = %s"
            " AND (%s::uuid IS NULL OR id > %s::uuid) AND (%s::uuid IS NULL OR id <= %s::uuid)",
            [tenant_id, after, after, upto, upto],
        )
        return [str(row[0]) for row in cursor.fetchall()]


def _rebuild_batch(tenant_id: int, batch: Batch, *, shared: bool = False) -> int:
    """Project a batch's products and drop the read rows in its range that have none.

    Return how many products the batch listed. A read row in the range whose product
    the batch did not list is re-projected too: deleted on the write side, it loses its
    read row; created since the batch was listed, it is simply projected.
    """
    ids, after, upto = batch
    listed = set(ids)
    orphans = [i for i in _read_ids_in_range(tenant_id, after, upto) if i not in listed]
    if ids or orphans:
        retry_deadlocks(lambda: project_products(tenant_id=tenant_id, product_ids=ids + orphans,
                                                 shared=shared),
                        shared=shared, what="rebuild batch")
    return len(ids)


def _rebuild_batch_threaded(tenant_id: int, batch: Batch) -> int:
    """Run ``_rebuild_batch`` on this thread's own connections (shared tenant lock)."""
    try:
        return _rebuild_batch(tenant_id, batch, shared=True)
    finally:
        connections.close_all()


def rebuild_tenant(*, tenant_id: int, batch_size: int = 5000, progress: Progress | None = None,
                   workers: int = 1) -> int:
    """Project every product, category and brand of the tenant, drop orphans; return products.

    With ``workers`` > 1, batches run side by side on their own connections under
    the tenant lock taken *shared* (live projection takes it exclusively, so it
    still never interleaves with a batch); use it outside a test transaction.
    A cold load drops the read indexes meanwhile (``cold_load``).
    """
    with cold_load([tenant_id]):
        return _rebuild(tenant_id=tenant_id, batch_size=batch_size, progress=progress, workers=workers)


def _rebuild(*, tenant_id: int, batch_size: int, progress: Progress | None, workers: int) -> int:
    products = 0

    def done(count: int) -> int:
        if progress and count:
            progress(count)
        return count

    if workers <= 1:
        for batch in _batches(tenant_id, batch_size):
            products += done(_rebuild_batch(tenant_id, batch))
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rebuild") as pool:
            running: set[Future[int]] = set()

            def collect() -> int:
                nonlocal running
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                return sum(done(f.result()) for f in finished)  # re-raises a batch's error

            for batch in _batches(tenant_id, batch_size):
                if len(running) >= workers * 2:
                    products += collect()
                running.add(pool.submit(_rebuild_batch_threaded, tenant_id, batch))
            while running:
                products += collect()
    recount_tenant(tenant_id=tenant_id)
    rebuild_taxonomy(tenant_id=tenant_id)
    return products


def recount_tenant(*, tenant_id: int) -> None:
    """Count the tenant's products and their categories again from the read rows."""
    with transaction.atomic(using=READ_ALIAS), connections[READ_ALIAS].cursor() as cursor:
        lock_tenant(tenant_id)
        listing.recount(cursor, tenant_id=tenant_id)
    invalidate_tenant(tenant_id=tenant_id)


def product_count(*, tenant_id: int) -> int:
    """Return how many products the tenant has on the write side."""
    with connections[WRITE_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product WHERE tenant_id = %s", [tenant_id])
        return int(cursor.fetchone()[0])
