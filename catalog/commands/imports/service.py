"""Import a product file into one tenant: stream, stage with COPY, check and merge per batch.

Each batch of ``batch_size`` rows is one transaction: staged with COPY, checked
in SQL, merged set-based (insert new SKUs, update changed products, leave
identical ones alone), with its events and any new categories and brands. A
batch that fails is rolled back whole and the import stops; the batches before
it stay committed, and importing the same file again goes on where it
stopped (what is already there comes out unchanged).

Batches are merged on ``workers`` connections side by side (``Pool``) while a thread
reads the file one batch ahead (``_read_ahead``); SKUs are registered in file order
first (``SkuRegistry``), and categories and brands are resolved in file order
(``SharedTaxonomy``), so the result is the one a single connection gives. A writer
sends a batch's keys and row digests first (sql.KNOWN_SQL) and stages only the rows
that may change a product.

Events of imported products are recorded with the status ``bulk``: the live
outbox consumer does not see them; a bulk-queue task projects them in large
chunks (``catalog.projections.bulk``) and marks them processed, and the relay
re-wakes that task for any left behind, so nothing committed is lost.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
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
    CheckedRow,
    ImportRefused,
    KnownRow,
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
DIGEST = "xxh3_128(record bytes, md5(columns))"  # the reader's row digest, in the stamp's rules
Progress = Callable[["ImportResult", int], Any]

__all__ = ["ImportFailed", "ImportRefused", "ImportResult", "import_products"]


@dataclass
class ImportResult:
    """What an import read and wrote (committed batches only)."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    recognized: int = 0  # of the unchanged: known by their fingerprint, not compared field by field
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
                "unchanged": self.unchanged, "recognized": self.recognized,
                "rejected": self.rejected,
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


def _read_ahead(batches: Iterator[Batch], budget: threading.Semaphore | None = None) -> Iterator[Batch]:
    """Yield ``batches`` while a thread already reads and parses the next one.

    The database checks and merges a batch (or registers it, when none of its rows
    would change a product) while the thread parses the next; an error of the
    reader is raised here. One batch waits at most; with a ``budget``, the thread
    takes a token before it reads each batch, and whoever drops the batch's rows
    gives it back, so the batches alive anywhere in the import stay within it.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        try:
            while True:
                if budget is not None:
                    while not budget.acquire(timeout=0.5):
                        if stop.is_set():
                            return
                item = next(batches, None)
                if item is None:
                    break
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


def _keep_temp_tables_in_memory(cursor: Any, using: str) -> None:
    try:
        with transaction.atomic(using=using):
            cursor.execute(sql.TEMP_BUFFERS_SQL)
    except DatabaseError:
        pass  # the session already used temp tables: keep its setting


class SkuRegistry:
    """Every SKU of the file so far and the row it first appears in, on the importer's own connection.

    Batches are registered in file order before any of them is merged, so the
    first row of a SKU wins however the batches are spread over connections.
    """

    def __init__(self, *, using: str, sku_position: int) -> None:
        self.using, self.sku_position = using, sku_position
        with connections[using].cursor() as cursor:
            _keep_temp_tables_in_memory(cursor, using)
            for statement in sql.SEEN_TABLES:
                cursor.execute(statement)
            cursor.execute(sql.CLEAR_SEEN)

    def register(self, rows: list[tuple[Any, ...]]) -> list[tuple[int, int]]:
        """Register the batch's SKUs; return (row, first row) of each row whose SKU came before."""
        position = self.sku_position
        with transaction.atomic(using=self.using), connections[self.using].cursor() as cursor:
            cursor.execute("TRUNCATE import_keys")
            with cursor.cursor.copy("COPY import_keys (row_no, sku) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row[0], row[1] if type(row) is KnownRow else row[position]))
            cursor.execute(sql.REGISTER_SQL)
            return [(row_no, first) for row_no, first in cursor.fetchall()]

    def close(self) -> None:
        """Drop the registry's tables."""
        with connections[self.using].cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS import_keys, import_seen")


class KnownCheck:
    """The reader's check of the rows whose products hold their fingerprint (sql.KNOWN_SQL).

    Runs on threads of its own (each on its own connection), side by side and
    while the reader goes on, before the rows are parsed or registered. A product
    written after the check keeps that write: the import's row is taken as merged
    before it, which it leaves unchanged.
    """

    THREADS = 2

    def __init__(self, using: str, tenant: Tenant, stamp: str) -> None:
        self.using, self.params = using, {"tenant": tenant.pk, "stamp": stamp}
        self.work: queue.SimpleQueue[tuple[list[tuple[int, str, str]], Future[set[int]]] | None] = (
            queue.SimpleQueue())
        self.threads: list[threading.Thread] = []

    def __call__(self, keys: list[tuple[int, str, str]]) -> Future[set[int]]:
        """Return the future rows of ``keys`` (row, SKU, digest) whose product holds their fingerprint."""
        if not self.threads:
            self.threads = [threading.Thread(target=self._run, daemon=True, name=f"import-known-{n}")
                            for n in range(self.THREADS)]
            for thread in self.threads:
                thread.start()
        future: Future[set[int]] = Future()
        self.work.put((keys, future))
        return future

    def _run(self) -> None:
        try:
            while (item := self.work.get()) is not None:
                keys, future = item
                try:
                    future.set_result(self._check(keys))
                except BaseException as exc:  # handed to the reader
                    future.set_exception(exc)
        finally:
            connections.close_all()

    def _check(self, keys: list[tuple[int, str, str]]) -> set[int]:
        with transaction.atomic(using=self.using), connections[self.using].cursor() as cursor:
            cursor.execute(sql.CREATE_BATCH_KEYS)
            cursor.execute("TRUNCATE import_batch_keys")
            with cursor.cursor.copy(sql.COPY_BATCH_KEYS) as copy:
                for key in keys:
                    copy.write_row(key)
            cursor.execute(sql.KNOWN_SQL, self.params)
            return set(cursor.fetchone()[0])

    def close(self) -> None:
        """Let the checks still asked for end; close the threads and their connections."""
        for _ in self.threads:
            self.work.put(None)
        for thread in self.threads:
            thread.join()


class SharedTaxonomy:
    """The categories and brands of the import, resolved one batch at a time, in file order.

    A batch that creates a category or brand keeps the lock until it commits or
    rolls back: another batch never references a row that is not committed. If
    it rolls back, the ids it cached are void, and every later batch refuses to
    use them. Batches take their turn in file order, so a batch never depends on
    what a later one created, and "the batches before the failed one are
    committed" stays true.
    """

    def __init__(self, resolver: TaxonomyResolver) -> None:
        self.resolver = resolver
        self.lock = threading.Lock()
        self.broken = False
        self.turns = threading.Condition()
        self.turn = 0  # the batch (in file order, counting batches with rows) whose turn it is

    def wait_turn(self, turn: int) -> None:
        """Wait until every earlier batch has taken its turn."""
        with self.turns:
            self.turns.wait_for(lambda: self.turn >= turn)

    def pass_turn(self, turn: int) -> None:
        """Let the next batch take its turn (waiting for this one's first, if need be)."""
        with self.turns:
            self.turns.wait_for(lambda: self.turn >= turn)
            if self.turn == turn:
                self.turn += 1
                self.turns.notify_all()

    @property
    def created(self) -> int:
        """Return how many categories and brands the import created so far."""
        return len(self.resolver.created_categories) + len(self.resolver.created_brands)


class TaxonomyBroken(DatabaseError):
    """A batch that created categories or brands was rolled back; their cached ids are void."""


@dataclass
class BatchOutcome:
    """What one batch did; ``error`` when it was rolled back, ``skipped`` when never merged."""

    index: int
    turn: int  # among batches with rows, for SharedTaxonomy
    first_row: int
    rows: int
    reader_rejections: list[Rejection]
    rejections: list[Rejection] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    recognized: int = 0
    error: BaseException | None = None
    skipped: bool = False
    analyzed: bool = False  # refreshed the statistics with its rows (see _analyze)


class BatchWriter:
    """Apply batches on one connection: temp tables live in its session."""

    def __init__(self, *, tenant: Tenant, columns: tuple[str, ...], actor: AbstractBaseUser | None,
                 taxonomy: SharedTaxonomy, using: str, lock_per_batch: bool, stamp: str,
                 parse_known: Callable[[KnownRow], tuple[Any, ...]]) -> None:
        self.tenant, self.using, self.taxonomy, self.stamp = tenant, using, taxonomy, stamp
        self.parse_known = parse_known
        self.lock_per_batch = lock_per_batch
        self.holding = False  # the taxonomy lock, while a batch that created categories/brands runs
        self.actor_id = actor_id(actor)
        self.copy_sql = f"COPY import_stage (row_no, {', '.join(columns)}, row_digest) FROM STDIN"
        self.sku_position = 1 + columns.index("sku")
        self.skip_row_triggers = can_skip_row_triggers(using=using)
        with connections[using].cursor() as cursor:
            _keep_temp_tables_in_memory(cursor, using)
            for statement in sql.CREATE_TABLES:
                cursor.execute(statement)
            cursor.execute(sql.CLEAR_BATCH)

    def apply(self, outcome: BatchOutcome, rows: list[tuple[Any, ...]],
              duplicates: list[tuple[int, int]]) -> BatchOutcome:
        """Check and merge one batch in one transaction; fill in ``outcome`` (``error`` if rolled back)."""
        self.holding, committed = False, False
        try:
            with transaction.atomic(using=self.using):
                self._apply(outcome, rows, duplicates)
            committed = True
        except DatabaseError as exc:
            outcome.error, outcome.rejections = exc, []
            outcome.inserted = outcome.updated = outcome.unchanged = outcome.recognized = 0
        finally:
            if self.holding:  # what it created is committed, or rolled back and void
                self.taxonomy.broken = self.taxonomy.broken or not committed
                self.holding = False
                self.taxonomy.lock.release()
            self.taxonomy.pass_turn(outcome.turn)  # failed before its turn: the next may go on
        return outcome

    def _apply(self, outcome: BatchOutcome, rows: list[tuple[Any, ...]],
               duplicates: list[tuple[int, int]]) -> None:
        """Run the batch in the open transaction (``self.holding``: it holds the taxonomy lock)."""
        params: dict[str, Any] = {"tenant": self.tenant.pk, "actor": self.actor_id,
                                  "currency": self.tenant.default_currency,
                                  "locales": list(settings.CATALOG_LOCALES),
                                  "status": EventStatus.BULK, "stamp": self.stamp}
        taxonomy = self.taxonomy
        with connections[self.using].cursor() as cursor:
            if self.lock_per_batch:
                cursor.execute(sql.LOCK_TENANT_SQL, [sql.IMPORT_LOCK, self.tenant.pk])
            cursor.execute(sql.WORK_MEM_SQL)
            for statement in sql.CREATE_TABLES:  # gone if an earlier batch rolled back their creation
                cursor.execute(statement)
            cursor.execute(sql.CLEAR_BATCH)
            position, duplicate_rows = self.sku_position, {row_no for row_no, _ in duplicates}
            parsed = []
            for row in rows:  # the reader's known rows stay out, unless their SKU came before
                if type(row) is KnownRow:
                    if row[0] not in duplicate_rows:
                        continue
                    row = self.parse_known(row)
                parsed.append(row)
            outcome.recognized = len(rows) - len(parsed)
            rows.clear()
            known: set[int] = set()
            # Rows the reader's check has not answered for (a quoted SKU, several lines, no check).
            unchecked = [row for row in parsed
                         if type(row) is not CheckedRow and row[0] not in duplicate_rows]
            if unchecked:
                with cursor.cursor.copy(sql.COPY_BATCH_KEYS) as copy:
                    for row in unchecked:
                        copy.write_row((row[0], row[position], row[-1]))
                cursor.execute(sql.KNOWN_SQL, params)
                known = set(cursor.fetchone()[0])
                outcome.recognized += len(known)
            del unchecked
            if parsed:
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in parsed:
                        if row[0] not in known:
                            copy.write_row(row)
            if len(known) == len(parsed):
                outcome.unchanged = outcome.recognized
                return
            del parsed  # staged: the memory goes back while the database works
            if duplicates:
                cursor.execute(sql.MARK_DUPLICATES_SQL, [[d[0] for d in duplicates],
                                                        [d[1] for d in duplicates]])
            cursor.execute(sql.CHECK_SQL, params)
            cursor.execute(sql.REJECTED_SQL)
            for row_no, problem, staged in cursor.fetchall():
                column, reason = problem.split("\t", 1)
                staged = staged if isinstance(staged, dict) else orjson.loads(staged)
                outcome.rejections.append(Rejection(row_no, column, staged.get(column) or "", reason))
            cursor.execute(sql.BRAND_NAMES_SQL)
            brand_names = [row[0] for row in cursor.fetchall()]
            cursor.execute(sql.CATEGORY_PATHS_SQL)
            paths = [row[0] for row in cursor.fetchall()]
            taxonomy.wait_turn(outcome.turn)
            taxonomy.lock.acquire()
            self.holding = True
            taxonomy.pass_turn(outcome.turn)  # the next batch waits for the lock now
            if taxonomy.broken:
                raise TaxonomyBroken("an earlier batch that created categories or brands failed")
            created = taxonomy.created
            params.update(brand_names=brand_names,
                          brand_ids=taxonomy.resolver.brand_ids(brand_names),
                          category_paths=paths,
                          category_ids=taxonomy.resolver.category_ids(paths))
            if taxonomy.created == created:  # every id it uses is committed: let the others go on
                self.holding = False
                taxonomy.lock.release()
            if self.skip_row_triggers:
                role = self._replica_role(cursor, params)
            cursor.execute(sql.READY_SQL, params)
            cursor.execute(sql.COUNTS_SQL)
            outcome.inserted, outcome.updated, outcome.unchanged = cursor.fetchone()
            if outcome.unchanged:
                cursor.execute(sql.REMEMBER_UNCHANGED_SQL, params)
            outcome.unchanged += outcome.recognized
            if outcome.inserted:
                cursor.execute(sql.INSERT_PRODUCTS_SQL, params)
                cursor.execute(sql.INSERT_NEW_LINKS_SQL)
                cursor.execute(sql.CREATED_EVENTS_SQL, params)
                if outcome.turn == 0 and outcome.inserted >= settings.IMPORT_ANALYZE_AFTER:
                    # See _analyze: before the commit wakes the projection.
                    _analyze(self.using, tables="catalog_product")
                    outcome.analyzed = True
            if outcome.updated:
                cursor.execute(sql.UPDATE_PRODUCTS_SQL, params)
                cursor.execute(sql.DELETE_OLD_LINKS_SQL)
                cursor.execute(sql.INSERT_CHANGED_LINKS_SQL)
            if self.skip_row_triggers:
                cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])
            if outcome.inserted or outcome.updated:
                tenant_id = self.tenant.pk
                transaction.on_commit(lambda: _wake_bulk_projection(tenant_id), using=self.using,
                                      robust=True)

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
            cursor.execute("DROP TABLE IF EXISTS import_stage, import_batch_keys, import_checked,"
                           " import_ready")


def _wake_bulk_projection(tenant_id: int) -> None:
    from catalog.tasks import project_bulk_task

    project_bulk_task.apply_async(args=[tenant_id], retry=False)


class Outcomes:
    """Batch outcomes in, report rows and counts out, in file order whatever order batches end in."""

    def __init__(self, result: ImportResult, report: ErrorReport, taxonomy: SharedTaxonomy) -> None:
        self.result, self.report, self.taxonomy = result, report, taxonomy
        self.waiting: dict[int, BatchOutcome] = {}
        self.next = 0
        self.failures: list[BatchOutcome] = []

    def add(self, outcome: BatchOutcome) -> None:
        """Take one finished batch; write every batch that is next in file order."""
        self.waiting[outcome.index] = outcome
        while self.next in self.waiting:
            self._write(self.waiting.pop(self.next))
            self.next += 1

    def _write(self, outcome: BatchOutcome) -> None:
        result = self.result
        if outcome.skipped:
            return
        for rejection in outcome.reader_rejections:
            self.report.add(rejection)
        result.rows += len(outcome.reader_rejections)
        result.rejected += len(outcome.reader_rejections)
        if outcome.error is not None:
            self.failures.append(outcome)
            return
        for rejection in outcome.rejections:  # only once the batch is committed
            self.report.add(rejection)
        result.rejected += len(outcome.rejections)
        result.rows += outcome.rows
        result.inserted += outcome.inserted
        result.updated += outcome.updated
        result.unchanged += outcome.unchanged
        result.recognized += outcome.recognized
        result.batches += 1 if outcome.rows else 0
        result.categories_created = list(self.taxonomy.resolver.created_categories)
        result.brands_created = list(self.taxonomy.resolver.created_brands)


    def failure(self) -> ImportFailed | None:
        """Return the error to raise: from the first failed batch on nothing is sure to be committed.

        The cause is the first batch that failed for its own reasons, not because
        another batch's failure voided the categories and brands it needed.
        """
        if not self.failures:
            return None
        first = self.failures[0]
        cause = next((o for o in self.failures if not isinstance(o.error, TaxonomyBroken)), first)
        return ImportFailed(errors.IMPORT_BATCH_FAILED.format(
            row=first.first_row, error=str(cause.error).strip().splitlines()[0]), self.result)


class Pool:
    """Writer threads, each with its own connection, merging batches side by side.

    At most one batch waits for a free writer, and a writer drops its rows once they are
    staged, so memory stays at a few batches (peak RSS measured: see bench/report.md).
    When a batch fails, the batches still waiting are skipped; one being merged
    on another connection may still commit.
    """

    def __init__(self, workers: int, make_writer: Callable[[], BatchWriter],
                 taxonomy: SharedTaxonomy, budget: threading.Semaphore) -> None:
        self.taxonomy, self.budget = taxonomy, budget
        self.work: queue.Queue[tuple[BatchOutcome, list[tuple[Any, ...]], list[tuple[int, int]]] | None] = (
            queue.Queue(maxsize=1))
        self.done: queue.Queue[BatchOutcome] = queue.Queue()
        self.stop = threading.Event()
        self.crash: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(make_writer,), daemon=True,
                                         name=f"import-writer-{n}") for n in range(workers)]
        for thread in self.threads:
            thread.start()

    def _run(self, make_writer: Callable[[], BatchWriter]) -> None:
        writer = None
        try:
            writer = make_writer()
            while (item := self.work.get()) is not None:
                outcome, rows, duplicates = item
                if self.stop.is_set():
                    outcome.skipped = True
                    self.taxonomy.pass_turn(outcome.turn)
                else:
                    writer.apply(outcome, rows, duplicates)
                    if outcome.error is not None:
                        self.stop.set()
                del rows, item
                self.budget.release()
                self.done.put(outcome)
        except BaseException as exc:  # handed to the importing thread
            self.crash.append(exc)
            self.stop.set()
            while self.work.get() is not None:  # keep the importer from blocking on a full queue
                self.budget.release()
        finally:
            if writer is not None:
                with contextlib.suppress(DatabaseError):
                    writer.close()
            connections.close_all()

    def submit(self, outcome: BatchOutcome, rows: list[tuple[Any, ...]],
               duplicates: list[tuple[int, int]]) -> None:
        """Hand a batch to the next free writer (waits while every writer is busy)."""
        self.work.put((outcome, rows, duplicates))

    def finished(self) -> list[BatchOutcome]:
        """Return the outcomes that came in since the last call."""
        outcomes = []
        with contextlib.suppress(queue.Empty):
            while True:
                outcomes.append(self.done.get_nowait())
        return outcomes

    def close(self) -> list[BatchOutcome]:
        """Let the writers finish what they have; return the outcomes not fetched yet."""
        for _ in self.threads:
            self.work.put(None)
        for thread in self.threads:
            thread.join()
        if self.crash:
            raise self.crash[0]
        return self.finished()


def _workers(requested: int | None, using: str) -> int:
    if connections[using].in_atomic_block:
        return 1  # inside the caller's transaction: only its connection sees what it holds
    return max(1, requested if requested is not None else settings.IMPORT_WORKERS)


@contextlib.contextmanager
def _tenant_import_lock(using: str, tenant: Tenant) -> Iterator[None]:
    """Hold the tenant's import lock for the whole import (writers on other connections skip it)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [sql.IMPORT_LOCK, tenant.pk])
    try:
        yield
    finally:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [sql.IMPORT_LOCK, tenant.pk])


def _stamp(using: str, tenant: Tenant) -> str:
    """Return the import's stamp (sql.STAMP_SQL) as the tenant's brands and categories are now."""
    rules = hashlib.md5("\0".join((sql.CHECK_SQL, sql.READY_SQL, sql.UPDATE_PRODUCTS_SQL, DIGEST,
                                    repr(settings.CATALOG_LOCALES))).encode(),
                        usedforsecurity=False).hexdigest()
    with connections[using].cursor() as cursor:
        cursor.execute(sql.STAMP_SQL, {"rules": rules, "tenant": tenant.pk})
        return str(cursor.fetchone()[0])


def _analyze(using: str, *, tables: str = "catalog_product, catalog_product_category") -> None:
    """Refresh the planner's statistics of the tables a large import grew.

    Statistics that do not know a tenant expect about one row of it, so a lookup of its
    products by SKU may scan the tenant on another (tenant, ...) index; autovacuum
    analyzes only once a tenth of the table has changed. The bulk projection reads the
    products while the import goes on, and with such statistics its batch query joined
    5,000 products to their links by a nested loop (30 s instead of 0.3 s): so the first
    large batch analyzes too, in its own transaction, which samples its own new rows and
    publishes the statistics with them at commit. That batch analyzes the products
    alone (the estimate that went wrong): 3 to 5 s for both tables at 2M products.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def import_products(
    *, tenant: Tenant, source: IO[bytes], name: str = "", file_format: str | None = None,
    error_report: IO[str] | None = None, actor: AbstractBaseUser | None = None,
    batch_size: int = 50_000, on_progress: Progress | None = None, workers: int | None = None,
) -> ImportResult:
    """Import products from ``source`` (CSV or JSON Lines, gzip detected) into ``tenant``.

    Raise ImportRefused before writing anything when the format or the header
    is unusable, ImportFailed when a batch fails (earlier batches stay).
    Rejected rows go to ``error_report``; ``on_progress(result, bytes_read)``
    is called after each batch. ``workers`` connections (settings.IMPORT_WORKERS)
    merge batches side by side; called inside a transaction, the import runs on
    the caller's connection alone.
    """
    started = time.monotonic()
    file_format = detect_format(name, file_format)
    stream, counter = open_binary(source)
    using = router.db_for_write(Product)
    workers = _workers(workers, using)
    # Before the resolver reads the names: a rename after this changes the next import's stamp.
    stamp = _stamp(using, tenant)
    # Inside the caller's transaction the checks' connections would not see what it wrote;
    # a tenant without products has no fingerprints to find.
    known = None
    if not connections[using].in_atomic_block and Product.objects.for_tenant(tenant).exists():
        known = KnownCheck(using, tenant, stamp)
    rows = product_rows(stream, file_format, known)
    result, report = ImportResult(), ErrorReport(error_report)
    taxonomy = SharedTaxonomy(TaxonomyResolver(tenant=tenant, actor=actor))
    outcomes = Outcomes(result, report, taxonomy)
    registry = SkuRegistry(using=using, sku_position=1 + rows.columns.index("sku"))

    def make_writer(lock_per_batch: bool) -> BatchWriter:
        return BatchWriter(tenant=tenant, columns=rows.columns, actor=actor, taxonomy=taxonomy,
                           using=using, lock_per_batch=lock_per_batch, stamp=stamp,
                           parse_known=rows.parse_known)

    analyzed = 0  # products whose batch refreshed the statistics with them

    def finish(outcome: BatchOutcome) -> None:
        nonlocal analyzed
        outcomes.add(outcome)
        analyzed += outcome.inserted if outcome.analyzed and outcome.error is None else 0
        result.seconds = time.monotonic() - started
        if on_progress and not outcome.skipped:
            on_progress(result, counter.count)

    # A thread parses the next batch while this one registers the current one and hands it
    # to a writer. Batches alive anywhere: at most one per writer and one more (``budget``),
    # so memory does not grow with the file.
    budget = threading.Semaphore(workers + 1)
    batches = _read_ahead(_batches(iter(rows), batch_size), budget)
    try:
        if workers == 1:
            writer = make_writer(lock_per_batch=True)
            turn = 0
            try:
                for index, (rejected, batch) in enumerate(batches):
                    outcome = BatchOutcome(index, turn, batch[0][0] if batch else 0, len(batch),
                                           rejected)
                    if batch:
                        turn += 1
                        writer.apply(outcome, batch, registry.register(batch))
                    del batch
                    budget.release()
                    finish(outcome)
                    if outcome.error is not None:
                        break
            finally:
                if not connections[using].in_atomic_block or not connections[using].needs_rollback:
                    writer.close()
        else:
            with _tenant_import_lock(using, tenant):
                pool = Pool(workers, lambda: make_writer(lock_per_batch=False), taxonomy, budget)
                turn = 0
                try:
                    for index, (rejected, batch) in enumerate(batches):
                        if pool.stop.is_set():
                            break
                        outcome = BatchOutcome(index, turn, batch[0][0] if batch else 0, len(batch),
                                               rejected)
                        if batch:
                            turn += 1
                            pool.submit(outcome, batch, registry.register(batch))
                        else:
                            budget.release()
                            finish(outcome)
                        del batch, rejected
                        for done in pool.finished():
                            finish(done)
                finally:
                    for done in pool.close():
                        finish(done)
    finally:
        batches.close()  # stops the reader thread, if any
        if known is not None:
            known.close()
        if not connections[using].in_atomic_block or not connections[using].needs_rollback:
            registry.close()
    if (result.inserted - analyzed >= settings.IMPORT_ANALYZE_AFTER
            and not connections[using].needs_rollback):
        _analyze(using)
    result.seconds = time.monotonic() - started
    if (failure := outcomes.failure()) is not None:
        raise failure from outcomes.failures[0].error
    if on_progress:
        on_progress(result, counter.count)
    return result
