"""Take the product trigram indexes off during a large load, and build them again after.

Inserting into the two trigram GIN indexes costs more than everything else of
a product row together; building them from scratch costs a third of that per
row. So a load that at least doubles the product table drops them and builds
them afterwards, each on its own connection. The indexes come from the model's
``Meta.indexes``; a run that was killed before rebuilding them leaves them
missing, and the next run (or ``restore_trigram_indexes``) builds them again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.postgres.indexes import GinIndex
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Index

from catalog.models import Product

BUILD_MEMORY = "512MB"


def trigram_indexes() -> list[Index]:
    """Return the product indexes a large load drops and rebuilds."""
    return [index for index in Product._meta.indexes if isinstance(index, GinIndex)]


def _existing_names(*, using: str) -> set[str]:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [Product._meta.db_table])
        return {row[0] for row in cursor.fetchall()}


def _migrated(*, using: str) -> bool:
    """Tell whether the database has every migration, so a missing model index is ours to build."""
    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def product_rows(*, using: str) -> int:
    """Return the number of rows in the product table, all tenants (planner estimate if analysed)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [Product._meta.db_table])
        estimate = cursor.fetchone()[0]
        if estimate >= 0:
            return int(estimate)
        cursor.execute(f"SELECT count(*) FROM {Product._meta.db_table}")
        return int(cursor.fetchone()[0])


def _build(index: Index, using: str) -> None:
    connection = connections[using]
    try:
        with connection.schema_editor() as editor:  # atomic: SET LOCAL lasts for the build
            editor.execute(
                "SELECT set_config('maintenance_work_mem', %s, true) WHERE"
                " pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(%s)",
                [BUILD_MEMORY, BUILD_MEMORY],
            )
            editor.add_index(Product, index)
    finally:
        connection.close()


def restore_trigram_indexes(*, using: str) -> list[str]:
    """Build the trigram indexes an interrupted load left missing; return their names."""
    existing = _existing_names(using=using)
    missing = [index for index in trigram_indexes() if index.name not in existing]
    if not missing or not _migrated(using=using):
        return []
    with ThreadPoolExecutor(max_workers=len(missing), thread_name_prefix="seed-demo-index") as pool:
        for future in [pool.submit(_build, index, using) for index in missing]:
            future.result()
    return [index.name for index in missing]


@dataclass
class IndexWork:
    """Which trigram indexes a load dropped and (re)built, and how long the build took."""

    dropped: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    seconds: float = 0.0


@contextmanager
def trigram_indexes_off(*, using: str, drop: bool) -> Iterator[IndexWork]:
    """Drop the trigram indexes for the block if ``drop``; after it, build any that are missing.

    Inside a transaction (a test, a caller's atomic block) it does nothing: the
    drop must commit at once and the build must see the committed load.
    """
    work = IndexWork()
    if connections[using].in_atomic_block:
        yield work
        return
    if drop:
        existing = _existing_names(using=using)
        with connections[using].schema_editor() as editor:
            for index in trigram_indexes():
                if index.name in existing:
                    editor.remove_index(Product, index)
                    work.dropped.append(index.name)
    try:
        yield work
    finally:
        started = time.monotonic()
        work.built = restore_trigram_indexes(using=using)
        work.seconds = time.monotonic() - started
