"""Load generated products with COPY: rows, category links and events in one transaction per batch.

A crash leaves whole batches. Batches run on up to ``workers`` connections at
once (threads; each has its own connection and transaction), because a
single PostgreSQL backend, not Python, is the bottleneck of a bulk load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

from catalog.demo.plan import CatalogPlan
from catalog.demo.rows import (
    LINK_COLUMNS,
    PIECE_ROWS,
    PRODUCT_COLUMNS,
    chunk_ranges,
    created_events,
    generate_chunk,
)
from catalog.events import record_events_bulk
from catalog.models import Brand, Category, Event, Product, ProductCategory, Tenant

COPY_PRODUCTS = f"COPY {Product._meta.db_table} ({', '.join(PRODUCT_COLUMNS)}) FROM STDIN"
COPY_LINKS = f"COPY {ProductCategory._meta.db_table} ({', '.join(LINK_COLUMNS)}) FROM STDIN"
LOADED_TABLES = (Product._meta.db_table, ProductCategory._meta.db_table, Event._meta.db_table)
REFERENCES_CHANGED = (
    "A brand or category of the tenant was deleted during the load; this batch was rolled back."
)
LOAD_CANCELLED = "The load was cancelled; this batch was rolled back."

Progress = Callable[[int], Any]


class LoadCancelled(Exception):
    """Another batch failed or the user interrupted the load."""


@dataclass
class LoadResult:
    """What a load wrote (committed batches only)."""

    products: int = 0
    links: int = 0
    events: int = 0
    workers: int = 1
    row_triggers_skipped: bool = False

    def add(self, other: LoadResult) -> None:
        """Add the counts of another (batch) result."""
        self.products += other.products
        self.links += other.links
        self.events += other.events


def batch_ranges(first: int, count: int, batch_size: int) -> list[tuple[int, int]]:
    """Split product numbers ``first .. first + count - 1`` into ``[start, stop)`` batches."""
    ranges: list[tuple[int, int]] = []
    number, stop = first, first + count
    while number < stop:
        end = min(stop, ((number - 1) // batch_size + 1) * batch_size + 1)
        ranges.append((number, end))
        number = end
    return ranges


def can_skip_row_triggers(*, using: str) -> bool:
    """Tell whether the foreign-key row triggers may be replaced by one lock per batch.

    PostgreSQL checks each foreign key of each inserted row with a trigger; for
    millions of rows that costs more than the insert itself. The loader can
    instead lock the few referenced rows (tenant, brands, categories) the way
    those checks would (FOR KEY SHARE) and switch the triggers off for its own
    transaction with ``session_replication_role = replica``. That needs the
    privilege to set it, and no ordinary trigger on the loaded tables, which
    replica mode would silently skip.
    """
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY(%s::regclass[])",
            [list(LOADED_TABLES)],
        )
        return cursor.fetchone()[0] == 0


def _lock_references(cursor: Any, plan: CatalogPlan) -> None:
    """Lock the rows the batch references, as the foreign-key triggers would, and check them."""
    checks = (
        (Tenant._meta.db_table, "id = %s", [plan.tenant_id], 1),
        (Brand._meta.db_table, "tenant_id = %s AND id = ANY(%s)", [plan.tenant_id, plan.brand_ids],
         len(plan.brand_ids)),
        (Category._meta.db_table, "tenant_id = %s AND id = ANY(%s)",
         [plan.tenant_id, plan.category_ids], len(plan.category_ids)),
    )
    for table, condition, params, expected in checks:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {condition} FOR KEY SHARE) AS locked",
            params,
        )
        if cursor.fetchone()[0] != expected:
            raise LoadCancelled(REFERENCES_CHANGED)


def load_batch(
    plan: CatalogPlan, *, first: int, stop: int, using: str, skip_row_triggers: bool,
    cancelled: threading.Event, on_progress: Progress,
) -> LoadResult:
    """Write products ``first <= n < stop``, their links and their events in one transaction."""
    result = LoadResult()
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if skip_row_triggers:
            # SET LOCAL outlives a savepoint: put the old value back at the end, for a
            # caller's transaction (a test) that goes on after the load.
            cursor.execute("SELECT current_setting('session_replication_role')")
            role = cursor.fetchone()[0]
            cursor.execute("SET LOCAL session_replication_role = replica")
            _lock_references(cursor, plan)
        for chunk, start, end in chunk_ranges(first, stop):
            if cancelled.is_set():
                raise LoadCancelled(LOAD_CANCELLED)
            with cursor.cursor.copy(COPY_PRODUCTS) as copy:
                rows = generate_chunk(plan, chunk, start, end, write=copy.write)
            with cursor.cursor.copy(COPY_LINKS) as copy:
                copy.write(rows.links)
            result.events += record_events_bulk(
                created_events(plan, rows.rows), using=using, chunk_rows=PIECE_ROWS
            )
            result.products += len(rows.rows)
            result.links += rows.link_count
            on_progress(len(rows.rows))
        if skip_row_triggers:
            cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])
    return result


def _load_batch_on_own_connection(*args: Any, **kwargs: Any) -> LoadResult:
    try:
        return load_batch(*args, **kwargs)
    finally:
        connections[kwargs["using"]].close()


def load_products(
    plan: CatalogPlan, *, first: int, count: int, batch_size: int, workers: int, using: str,
    on_progress: Progress,
) -> LoadResult:
    """Load ``count`` products numbered from ``first``, in batches, on up to ``workers`` connections.

    Inside a transaction (a test, or a caller's atomic block) the load runs on
    the caller's connection alone: other connections could not see its rows.
    """
    batches = batch_ranges(first, count, batch_size)
    in_transaction = connections[using].in_atomic_block
    workers = 1 if in_transaction else max(1, min(workers, len(batches)))
    result = LoadResult(workers=workers, row_triggers_skipped=can_skip_row_triggers(using=using))
    lock, cancelled = threading.Lock(), threading.Event()

    def progress(rows: int) -> None:
        with lock:
            on_progress(rows)

    options = {"using": using, "cancelled": cancelled,
               "skip_row_triggers": result.row_triggers_skipped, "on_progress": progress}
    if workers == 1:
        for start, stop in batches:
            result.add(load_batch(plan, first=start, stop=stop, **options))
        return result
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed-demo") as pool:
        futures = [pool.submit(_load_batch_on_own_connection, plan, first=start, stop=stop, **options)
                   for start, stop in batches]
        try:
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()
        except BaseException:
            cancelled.set()
            for future in futures:
                future.cancel()
            raise
    for future in futures:
        result.add(future.result())
    return result
