"""Import a product file into one tenant: stream, stage with COPY, check and merge per batch.

Each batch of ``batch_size`` rows is one transaction: staged with COPY, checked
in SQL, merged set-based (insert new SKUs, update changed products, leave
identical ones alone), with its events and any new categories and brands. A
batch that fails is rolled back whole and the import stops; the batches before
it stay committed, and importing the same file again goes on where it
stopped (what is already there comes out unchanged).

Events of imported products are recorded with the status ``bulk``: the live
outbox consumer does not see them; a bulk-queue task projects them in large
chunks (``catalog.projections.bulk``) and marks them processed, and the relay
re-wakes that task for any left behind, so nothing committed is lost.
"""

from __future__ import annotations

import contextlib
import csv
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, connections, router, transaction

from catalog import errors
from catalog.commands.actor import actor_id
from catalog.commands.imports import sql
from catalog.commands.imports.reader import (
    ImportRefused,
    Rejection,
    detect_format,
    open_binary,
    product_rows,
)
from catalog.commands.imports.taxonomy import TaxonomyResolver
from catalog.demo.loader import can_skip_row_triggers
from catalog.models import Brand, Category, EventStatus, Product, Tenant

REPORT_HEADER = ("row", "column", "value", "reason")
REPORT_VALUE_LIMIT = 200
Progress = Callable[["ImportResult", int], Any]

__all__ = ["ImportFailed", "ImportRefused", "ImportResult", "import_products"]


@dataclass
class ImportResult:
    """What an import read and wrote (committed batches only)."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    batches: int = 0
    categories_created: list[str] = field(default_factory=list)
    brands_created: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        """Return the rate over the whole import."""
        return self.rows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the counts as JSON-ready values."""
        return {"rows": self.rows, "inserted": self.inserted, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "categories_created": self.categories_created,
                "brands_created": self.brands_created,
                "seconds": round(self.seconds, 3), "rows_per_second": round(self.rows_per_second)}


class ImportFailed(Exception):
    """A batch failed and was rolled back; ``result`` holds what the earlier batches committed."""

    def __init__(self, message: str, result: ImportResult) -> None:
        super().__init__(message)
        self.result = result


class ErrorReport:
    """The rejected rows as CSV: row, column, value, reason."""

    def __init__(self, out: IO[str] | None) -> None:
        self.writer = csv.writer(out) if out is not None else None
        if self.writer:
            self.writer.writerow(REPORT_HEADER)

    def add(self, rejection: Rejection) -> None:
        """Write one rejected row."""
        if self.writer:
            value = rejection.value
            if len(value) > REPORT_VALUE_LIMIT:
                value = value[:REPORT_VALUE_LIMIT] + "…"
            self.writer.writerow((rejection.row, rejection.column, value, rejection.reason))


Batch = tuple[list[Rejection], list[tuple[Any, ...]]]  # the reader's rejections before it, the rows


def _batches(rows: Iterator[Any], size: int) -> Iterator[Batch]:
    """Group good rows into lists of ``size``, each with the reader's rejections read before it."""
    rejected: list[Rejection] = []
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        if isinstance(row, Rejection):
            rejected.append(row)
            continue
        batch.append(row)
        if len(batch) >= size:
            yield rejected, batch
            rejected, batch = [], []
    if batch or rejected:
        yield rejected, batch


def _read_ahead(batches: Iterator[Batch]) -> Iterator[Batch]:
    """Yield ``batches`` while a thread already reads and parses the next one.

    Parsing a batch takes about a tenth of the time the database takes to check
    and merge it; both now run at once. One batch waits at most, so memory stays
    at two batches whatever the file size. An error of the reader is raised here.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        ready.put(("batch", item), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(("end", None))
        except BaseException as exc:  # handed to the consuming thread
            ready.put(("error", exc))

    thread = threading.Thread(target=read, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            ready.get_nowait()  # a reader blocked on a full queue sees the stop
        thread.join()


class BatchWriter:
    """Apply batches on one connection: temp tables live in its session."""

    def __init__(self, *, tenant: Tenant, columns: tuple[str, ...], actor: AbstractBaseUser | None,
                 report: ErrorReport, using: str) -> None:
        self.tenant, self.report, self.using = tenant, report, using
        self.actor_id = actor_id(actor)
        self.taxonomy = TaxonomyResolver(tenant=tenant, actor=actor)
        self.copy_sql = f"COPY import_stage (row_no, {', '.join(columns)}) FROM STDIN"
        self.skip_row_triggers = can_skip_row_triggers(using=using)
        with connections[using].cursor() as cursor:
            try:
                with transaction.atomic(using=using):
                    cursor.execute(sql.TEMP_BUFFERS_SQL)
            except DatabaseError:
                pass  # the session already used temp tables: keep its setting
            for statement in sql.CREATE_TABLES:
                cursor.execute(statement)
            cursor.execute(sql.CLEAR_IMPORT)

    def apply(self, rows: list[tuple[Any, ...]], result: ImportResult) -> None:
        """Check and merge one batch in one transaction; add its counts to ``result``."""
        connection = connections[self.using]
        params: dict[str, Any] = {"tenant": self.tenant.pk, "actor": self.actor_id,
                                  "currency": self.tenant.default_currency,
                                  "locales": list(settings.CATALOG_LOCALES),
                                  "status": EventStatus.BULK}
        rejections: list[Rejection] = []
        with transaction.atomic(using=self.using), connection.cursor() as cursor:
            cursor.execute(sql.LOCK_TENANT_SQL, [sql.IMPORT_LOCK, self.tenant.pk])
            cursor.execute(sql.WORK_MEM_SQL)
            for statement in sql.CREATE_TABLES:  # gone if an earlier batch rolled back their creation
                cursor.execute(statement)
            cursor.execute(sql.CLEAR_BATCH)
            with cursor.cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(sql.CHECK_SQL, params)
            cursor.execute(sql.REJECTED_SQL)
            for row_no, problem, staged in cursor.fetchall():
                column, reason = problem.split("\t", 1)
                staged = staged if isinstance(staged, dict) else orjson.loads(staged)
                rejections.append(Rejection(row_no, column, staged.get(column) or "", reason))
            cursor.execute(sql.REMEMBER_SKUS_SQL)
            cursor.execute(sql.BRAND_NAMES_SQL)
            brand_names = [row[0] for row in cursor.fetchall()]
            cursor.execute(sql.CATEGORY_PATHS_SQL)
            paths = [row[0] for row in cursor.fetchall()]
            params.update(brand_names=brand_names, brand_ids=self.taxonomy.brand_ids(brand_names),
                          category_paths=paths, category_ids=self.taxonomy.category_ids(paths))
            if self.skip_row_triggers:
                role = self._replica_role(cursor, params)
            cursor.execute(sql.READY_SQL, params)
            cursor.execute(sql.COUNTS_SQL)
            inserted, updated, unchanged = cursor.fetchone()
            if inserted:
                cursor.execute(sql.INSERT_PRODUCTS_SQL, params)
                cursor.execute(sql.INSERT_NEW_LINKS_SQL)
                cursor.execute(sql.CREATED_EVENTS_SQL, params)
            if updated:
                cursor.execute(sql.UPDATE_PRODUCTS_SQL, params)
                cursor.execute(sql.DELETE_OLD_LINKS_SQL)
                cursor.execute(sql.INSERT_CHANGED_LINKS_SQL)
            if self.skip_row_triggers:
                cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])
            if inserted or updated:
                tenant_id = self.tenant.pk
                transaction.on_commit(lambda: _wake_bulk_projection(tenant_id), using=self.using,
                                      robust=True)
        for rejection in rejections:  # only once the batch is committed
            self.report.add(rejection)
        result.rejected += len(rejections)
        result.rows += len(rows)
        result.inserted += inserted
        result.updated += updated
        result.unchanged += unchanged
        result.batches += 1
        result.categories_created = list(self.taxonomy.created_categories)
        result.brands_created = list(self.taxonomy.created_brands)

    def _replica_role(self, cursor: Any, params: dict[str, Any]) -> str:
        """Turn off the foreign-key row triggers for this transaction, locking what they would check.

        The rows the batch can reference are the tenant, the actor, and the
        brands and categories it names (see catalog.demo.loader for the why).
        """
        cursor.execute("SELECT current_setting('session_replication_role')")
        role = cursor.fetchone()[0]
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"SELECT 1 FROM {Tenant._meta.db_table} WHERE id = %s FOR KEY SHARE",
                       [self.tenant.pk])
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {Brand._meta.db_table} WHERE tenant_id = %s"
                       " AND id = ANY(%s) FOR KEY SHARE) AS locked", [self.tenant.pk, params["brand_ids"]])
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {Category._meta.db_table}"
                       " WHERE tenant_id = %s AND id = ANY(%s) FOR KEY SHARE) AS locked",
                       [self.tenant.pk, params["category_ids"]])
        if self.actor_id is not None:
            cursor.execute("SELECT 1 FROM auth_user WHERE id = %s FOR KEY SHARE", [self.actor_id])
        # Brands in use by products already stored are locked by those products' own rows.
        return str(role)

    def close(self) -> None:
        """Drop the session's import tables."""
        with connections[self.using].cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS import_stage, import_checked, import_ready, import_seen")


def _wake_bulk_projection(tenant_id: int) -> None:
    from catalog.tasks import project_bulk_task

    project_bulk_task.apply_async(args=[tenant_id], retry=False)


def import_products(
    *, tenant: Tenant, source: IO[bytes], name: str = "", file_format: str | None = None,
    error_report: IO[str] | None = None, actor: AbstractBaseUser | None = None,
    batch_size: int = 50_000, on_progress: Progress | None = None,
) -> ImportResult:
    """Import products from ``source`` (CSV or JSON Lines, gzip detected) into ``tenant``.

    Raise ImportRefused before writing anything when the format or the header
    is unusable, ImportFailed when a batch fails (earlier batches stay).
    Rejected rows go to ``error_report``; ``on_progress(result, bytes_read)``
    is called after each batch.
    """
    started = time.monotonic()
    file_format = detect_format(name, file_format)
    stream, counter = open_binary(source)
    rows = product_rows(stream, file_format)
    result, report = ImportResult(), ErrorReport(error_report)
    using = router.db_for_write(Product)
    writer = BatchWriter(tenant=tenant, columns=rows.columns, actor=actor, report=report, using=using)
    batches = _read_ahead(_batches(iter(rows), batch_size))
    try:
        for rejected, batch in batches:
            for rejection in rejected:
                report.add(rejection)
            result.rows += len(rejected)
            result.rejected += len(rejected)
            if not batch:
                continue
            try:
                writer.apply(batch, result)
            except DatabaseError as exc:
                result.seconds = time.monotonic() - started
                raise ImportFailed(errors.IMPORT_BATCH_FAILED.format(
                    row=batch[0][0], error=str(exc).strip().splitlines()[0]), result) from exc
            result.seconds = time.monotonic() - started
            if on_progress:
                on_progress(result, counter.count)
    finally:
        batches.close()  # stops the reader thread
        if not connections[using].in_atomic_block or not connections[using].needs_rollback:
            writer.close()
    result.seconds = time.monotonic() - started
    if on_progress:
        on_progress(result, counter.count)
    return result
