"""Take a table's indexes off during a load that at least doubles it, and build them again after.

Inserting rows one by one into an index costs far more than building the index
from the loaded rows: a build reads the table once, sorts, and writes each page
once. So a large load drops the indexes it names, loads, and builds them again
on a few connections side by side, the largest first. A run killed in between
leaves them missing; the next run (or ``restore_indexes``) builds them again,
and a lock keeps two processes from building the same one.

Used by the demo loader (the product trigram indexes) and by the rebuild of the
read tables into an empty read database (catalog.projections.rebuild).
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
from django.db.models import Index, Model

BUILD_MEMORY = "512MB"
INDEX_LOCK = 0x1D8  # pg_advisory_lock key: one process drops or builds a table's indexes at a time

ModelIndex = tuple[type[Model], Index]


@dataclass
class IndexWork:
    """Which indexes a load dropped and (re)built, and how long the build took."""

    dropped: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    seconds: float = 0.0


def existing_index_names(model: type[Model], *, using: str) -> set[str]:
    """Return the names of the indexes the model's table has now."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [model._meta.db_table])
        return {row[0] for row in cursor.fetchall()}


def table_rows(model: type[Model], *, using: str) -> int:
    """Return the number of rows in the model's table, all tenants (planner estimate if analysed)."""
    table = model._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        estimate = cursor.fetchone()[0]
        if estimate >= 0:
            return int(estimate)
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def _migrated(*, using: str) -> bool:
    """Tell whether the database has every migration, so a missing model index is ours to build."""
    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


@contextmanager
def _table_lock(tables: list[str], *, using: str) -> Iterator[None]:
    """Hold the index lock of each table (in name order) on the caller's connection."""
    keys = sorted(set(tables))
    with connections[using].cursor() as cursor:
        for table in keys:
            cursor.execute("SELECT pg_advisory_lock(%s, %s::regclass::oid::int)", [INDEX_LOCK, table])
    try:
        yield
    finally:
        with connections[using].cursor() as cursor:
            for table in reversed(keys):
                cursor.execute("SELECT pg_advisory_unlock(%s, %s::regclass::oid::int)", [INDEX_LOCK, table])


def missing_indexes(indexes: list[ModelIndex], *, using: str) -> list[ModelIndex]:
    """Return those of ``indexes`` their tables lack now."""
    existing: dict[type[Model], set[str]] = {}
    for model, _ in indexes:
        if model not in existing:
            existing[model] = existing_index_names(model, using=using)
    return [(model, index) for model, index in indexes if index.name not in existing[model]]


def _build(model: type[Model], index: Index, using: str) -> None:
    connection = connections[using]
    try:
        with connection.schema_editor() as editor:  # atomic: SET LOCAL lasts for the build
            editor.execute(
                "SELECT set_config('maintenance_work_mem', %s, true) WHERE"
                " pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(%s)",
                [BUILD_MEMORY, BUILD_MEMORY],
            )
            editor.add_index(model, index)
    finally:
        connection.close()


def restore_indexes(indexes: list[ModelIndex], *, using: str, workers: int) -> list[str]:
    """Build the indexes that are missing, ``workers`` at a time; return their names.

    The GIN indexes go first: they take longest, and the btrees fill in beside them.
    """
    tables = [model._meta.db_table for model, _ in indexes]
    with _table_lock(tables, using=using):
        missing = missing_indexes(indexes, using=using)
        if not missing or not _migrated(using=using):
            return []
        missing.sort(key=lambda pair: not isinstance(pair[1], GinIndex))
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(missing))),
                                thread_name_prefix="index-build") as pool:
            for future in [pool.submit(_build, model, index, using) for model, index in missing]:
                future.result()
    return [index.name for _, index in missing]


@contextmanager
def indexes_off(indexes: list[ModelIndex], *, using: str, drop: bool, workers: int) -> Iterator[IndexWork]:
    """Drop ``indexes`` for the block if ``drop``; after it, build any that are missing.

    Inside a transaction (a test, a caller's atomic block) it does nothing: the
    drop must commit at once and the build must see the committed load.
    """
    work = IndexWork()
    if connections[using].in_atomic_block:
        yield work
        return
    if drop:
        with _table_lock([model._meta.db_table for model, _ in indexes], using=using):
            missing = missing_indexes(indexes, using=using)
            present = [pair for pair in indexes if pair not in missing]
            with connections[using].schema_editor() as editor:
                for model, index in present:
                    editor.remove_index(model, index)
                    work.dropped.append(index.name)
    try:
        yield work
    finally:
        started = time.monotonic()
        work.built = restore_indexes(indexes, using=using, workers=workers)
        work.seconds = time.monotonic() - started
