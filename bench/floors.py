"""What the targets of issues 3 and 6 cost at the least on this machine, step by step.

Each step is the bare database work a target cannot do without, at the tenant's
size, with nothing of the platform around it: no Python parsing, no checks, no
merge, no projection logic. Every step runs on scratch tables (``floor_*``,
dropped after) shaped and indexed like the real ones, from data made ready
beforehand (untimed), split over two connections (one per core here).

For each step the report gives its wall time and the core-seconds the whole
machine spent meanwhile (``/proc/stat``). The steps of one target must all
happen, and every one of them keeps the cores busy, so no schedule of them on
this machine ends before their core-seconds divided by the cores: that is the
target's floor.

- **import 1M new ≤ 10 s**: parse the file (PostgreSQL's own CSV parser), insert
  the products with every index of ``catalog_product``, and one event each
  (empty payload, every index of ``catalog_event``).
- **cold rebuild ≤ 60 s**: move the products from the write database into the
  read database (no categories), compute their search vectors, insert the read
  rows and the category rows with their keys only, then build the other read
  indexes (the cold load: ``catalog.projections.rebuild.cold_load``).
- **import start → searchable ≤ 120 s**: the import's floor, then the read rows
  (search vectors, inserted with every read index in place: the read table holds
  other tenants) and the category rows. The search index at the rate the search
  section measured, if it ran, adds to the steps' wall times, not to the floor.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from bench.imports import write_csv
from catalog.fileformat import COLUMNS
from catalog.projections.products import SEARCH_VECTOR_TEMPLATE

CONNECTIONS = 2
TABLES = ("floor_text", "floor_typed", "floor_product", "floor_product_keys", "floor_event", "floor_rows",
          "floor_categories", "floor_moved", "floor_view", "floor_view_all", "floor_category_view",
          "floor_category_view_all")


def _busy_jiffies() -> tuple[int, int]:
    """Return (busy, all) clock ticks of every core since boot."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def _together(action: Callable[[Any], None], args: list[Any]) -> None:
    """Run ``action(arg)`` for each of ``args`` on a thread of its own, all at once; raise the first error."""
    errors: list[BaseException] = []

    def run(arg: Any) -> None:
        try:
            action(arg)
        except BaseException as exc:  # handed to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _side_by_side(url: str, statements: list[str]) -> None:
    """Run each statement on a connection of its own, all at once."""

    def run(statement: str) -> None:
        with psycopg.connect(url) as connection:
            connection.execute(statement)

    _together(run, statements)


def _halves(template: str, key: str) -> list[str]:
    """Return ``template`` once per connection, each with its share of rows (``{part}``)."""
    return [template.format(part=f"hashtext({key}::text) & 1 = {n}") for n in range(CONNECTIONS)]


class Steps:
    """Time steps and the machine's core-seconds during each."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.ticks = os.sysconf("SC_CLK_TCK")

    def run(self, key: str, label: str, action: Callable[[], None]) -> None:
        """Run ``action`` as the step ``key``; record its wall time and core-seconds."""
        busy, _ = _busy_jiffies()
        started = time.perf_counter()
        action()
        wall = time.perf_counter() - started
        core_s = (_busy_jiffies()[0] - busy) / self.ticks
        self.rows.append({"key": key, "step": label, "wall_s": wall, "core_s": core_s})
        print(f"floors: {label}: {wall:.1f} s, {core_s:.1f} core-s", flush=True)


@contextmanager
def _scratch(*urls: str) -> Any:
    def drop() -> None:
        for url in urls:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"DROP TABLE IF EXISTS {', '.join(TABLES)}")
    drop()
    try:
        yield
    finally:
        drop()


def _index_statements(url: str, tables: dict[str, str]) -> list[str]:
    """Return the CREATE INDEX of every index of ``tables`` but the keys, for their scratch copies."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), am.amname FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid"
            " JOIN pg_am am ON am.oid = x.relam WHERE c.relname = ANY(%s) AND NOT i.indisunique",
            [list(tables)]).fetchall()
    rows.sort(key=lambda row: row[2] != "gin")  # the longest builds first, as cold_load does
    statements = []
    for table, definition, _ in rows:
        name, rest = definition.split(" ON ", 1)
        statements.append(f"{name.replace('INDEX ', 'INDEX floor_', 1)} ON "
                          f"{rest.replace(f'public.{table} ', f'{tables[table]} ', 1)}")
    return statements


def _build_indexes(url: str, statements: list[str]) -> None:
    """Build the indexes two at a time, as the cold load does."""
    todo, lock = list(statements), threading.Lock()

    def work(_: int) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("SET maintenance_work_mem = '1GB'")
            while True:
                with lock:
                    if not todo:
                        return
                    statement = todo.pop(0)
                connection.execute(statement)

    _together(work, list(range(CONNECTIONS)))


def _import_steps(steps: Steps, write: str, tenant_id: int, rows: int, work_dir: Path) -> None:
    files = []
    for n in range(CONNECTIONS):
        files.append(work_dir / f"floor-{n}.csv")
        write_csv(files[-1], rows // CONNECTIONS, seed=n, sku_prefix=f"FLOOR{n}")
    with psycopg.connect(write, autocommit=True) as connection:
        connection.execute("CREATE UNLOGGED TABLE floor_text ("
                           + ", ".join(f"{column} text" for column in COLUMNS) + ")")
        connection.execute("CREATE TABLE floor_product (LIKE catalog_product INCLUDING ALL)")
        connection.execute("CREATE TABLE floor_product_keys (LIKE catalog_product INCLUDING DEFAULTS)")
        connection.execute("ALTER TABLE floor_product_keys ADD PRIMARY KEY (id), ADD UNIQUE (tenant_id, sku)")
        connection.execute("CREATE TABLE floor_event (LIKE catalog_event INCLUDING ALL)")

    def copy(path: Path) -> None:
        with psycopg.connect(write) as connection, path.open("rb") as source, \
                connection.cursor().copy("COPY floor_text FROM STDIN (FORMAT csv, HEADER true)") as sink:
            while block := source.read(1 << 20):
                sink.write(block)

    try:
        steps.run("parse", f"COPY the {rows:,}-row CSV into a text table (PostgreSQL's parser)",
                  lambda: _together(copy, files))
    finally:
        for path in files:
            path.unlink(missing_ok=True)
    with psycopg.connect(write, autocommit=True) as connection:  # typed beforehand: not timed
        connection.execute(
            "CREATE UNLOGGED TABLE floor_typed AS SELECT uuidv7() AS id, %s::bigint AS tenant_id, sku,"
            " name, description, price::numeric(10,2) AS price,"
            " nullif(sale_price, '')::numeric(10,2) AS sale_price,"
            " currency, stock_quantity::integer AS stock_quantity, is_active::boolean AS is_active,"
            " string_to_array(tags, '|') AS tags, attributes::jsonb AS attributes,"
            " translations::jsonb AS translations FROM floor_text", [tenant_id])
        connection.execute("CHECKPOINT")
    columns = "id, tenant_id, sku, name, description, price, sale_price, currency, stock_quantity, " \
              "is_active, tags, attributes, translations"
    steps.run("products", f"INSERT {rows:,} products, every index of catalog_product",
              lambda: _side_by_side(write, _halves(
                  f"INSERT INTO floor_product ({columns}, version, created_at, updated_at)"
                  f" SELECT {columns}, 1, now(), now() FROM floor_typed WHERE {{part}}", "id")))
    # What no catalog can do without: the products with their keys alone, no event (a sketch of
    # how far the platform's own requirements are from the target, not a floor of any of them).
    steps.run("products_keys", f"INSERT {rows:,} products, only the primary key and (tenant, sku)",
              lambda: _side_by_side(write, _halves(
                  f"INSERT INTO floor_product_keys ({columns}, version, created_at, updated_at)"
                  f" SELECT {columns}, 1, now(), now() FROM floor_typed WHERE {{part}}", "id")))
    steps.run("events", f"INSERT {rows:,} events, empty payload, every index of catalog_event",
              lambda: _side_by_side(write, _halves(
                  "INSERT INTO floor_event (tenant_id, aggregate_type, aggregate_id, aggregate_version,"
                  " event_type, payload, occurred_at, status, attempts, last_error)"
                  " SELECT tenant_id, 'product', id::text, 1, 'ProductCreated', '{{}}', now(), 'bulk', 0, ''"
                  " FROM floor_typed WHERE {part}", "id")))


def _read_steps(steps: Steps, write: str, read: str, tenant_id: int, rows: int) -> None:
    with psycopg.connect(read, autocommit=True) as connection:  # made ready beforehand: not timed
        connection.execute("CREATE UNLOGGED TABLE floor_rows AS SELECT * FROM catalog_read_productview"
                           " WHERE tenant_id = %s", [tenant_id])
        connection.execute("CREATE UNLOGGED TABLE floor_categories AS SELECT * FROM"
                           " catalog_read_productcategoryview WHERE tenant_id = %s", [tenant_id])
        connection.execute("CREATE UNLOGGED TABLE floor_moved AS SELECT * FROM catalog_read_productview"
                           " WITH NO DATA")
        for table, source in (("floor_view", "catalog_read_productview"),
                              ("floor_category_view", "catalog_read_productcategoryview")):
            connection.execute(f"CREATE TABLE {table} (LIKE {source} INCLUDING DEFAULTS)")
            connection.execute(f"CREATE TABLE {table}_all (LIKE {source} INCLUDING ALL)")
        connection.execute("ALTER TABLE floor_view ADD PRIMARY KEY (id), ADD UNIQUE (tenant_id, sku)")
        connection.execute("ALTER TABLE floor_category_view ADD PRIMARY KEY (product_id, category_id)")
        categories = connection.execute("SELECT count(*) FROM floor_categories").fetchone()[0]
        connection.execute("CHECKPOINT")
    moved = ("id, tenant_id, sku, name, description, price, sale_price, effective_price, currency,"
             " brand_id, brand_name, tags, attributes, translations, stock_quantity, is_active,"
             " is_available, created_at, updated_at, version")

    def move(part: int) -> None:
        with psycopg.connect(write) as source, psycopg.connect(read) as sink, \
                source.cursor().copy(
                    "COPY (SELECT p.id, p.tenant_id, p.sku, p.name, p.description, p.price, p.sale_price,"
                    " coalesce(p.sale_price, p.price), p.currency, p.brand_id, coalesce(b.name, ''),"
                    " p.tags, p.attributes, p.translations, p.stock_quantity, p.is_active,"
                    " p.is_active AND p.stock_quantity > 0, p.created_at, p.updated_at, p.version"
                    " FROM catalog_product p LEFT JOIN catalog_brand b ON b.id = p.brand_id"
                    f" WHERE p.tenant_id = {int(tenant_id)} AND hashtext(p.id::text) & 1 = {part})"
                    " TO STDOUT (FORMAT binary)") as out, \
                sink.cursor().copy(f"COPY floor_moved ({moved}) FROM STDIN (FORMAT binary)") as into:
            for block in out:
                into.write(block)

    vector = SEARCH_VECTOR_TEMPLATE.format(row="s", brand="s.brand_name")
    steps.run("move", f"move {rows:,} products from the write into the read database (COPY, no categories)",
              lambda: _together(move, list(range(CONNECTIONS))))
    steps.run("vectors", f"compute {rows:,} search vectors",
              lambda: _side_by_side(read, _halves(
                  f"SELECT count(*) FROM (SELECT {vector} AS v FROM floor_rows s WHERE {{part}}) t"
                  " WHERE v IS NOT NULL", "s.id")))
    inserts = (("rows", "floor_rows", "floor_view", f"{rows:,} read rows", "id"),
               ("categories", "floor_categories", "floor_category_view", f"{categories:,} category rows",
                "product_id"))

    def insert(key: str, source: str, table: str, what: str, column: str, indexes: str) -> None:
        steps.run(key, f"INSERT {what}, {indexes}", lambda: _side_by_side(read, _halves(
            f"INSERT INTO {table} SELECT * FROM {source} WHERE {{part}}", column)))

    for key, source, table, what, column in inserts:  # the cold load: keys only
        insert(f"{key}_keys", source, table, what, column, "keys only")
    indexes = _index_statements(read, {"catalog_read_productview": "floor_view",
                                       "catalog_read_productcategoryview": "floor_category_view"})
    steps.run("indexes", f"build the other {len(indexes)} read indexes, two at a time",
              lambda: _build_indexes(read, indexes))
    for key, source, table, what, column in inserts:  # beside other tenants' rows: every index
        insert(f"{key}_all", source, f"{table}_all", what, column, "every index")


TARGETS = (
    ("import 1M new", 10.0, ("parse", "products", "events")),
    ("import 1M new, without events or product indexes", 10.0, ("parse", "products_keys")),
    ("cold rebuild", 60.0, ("move", "vectors", "rows_keys", "categories_keys", "indexes")),
    ("import start → searchable", 120.0,
     ("parse", "products", "events", "move", "vectors", "rows_all", "categories_all", "search_index")),
)


def bench_floors(tenant: Any, *, rows: int, work_dir: Path, index_docs_per_s: float | None) -> dict[str, Any]:
    """Measure every floor step on scratch tables; return the steps and each target's floor."""
    write, read = os.environ["DATABASE_URL"], os.environ["READ_DATABASE_URL"]
    steps = Steps()
    with psycopg.connect(read) as connection:
        read_rows = connection.execute("SELECT count(*) FROM catalog_read_productview WHERE tenant_id = %s",
                                       [tenant.pk]).fetchone()[0]
    if read_rows != rows:
        raise RuntimeError(f"floors: the tenant has {read_rows:,} read rows, not {rows:,}: rebuild it first")
    with _scratch(write, read):
        _import_steps(steps, write, tenant.pk, rows, work_dir)
    with _scratch(write, read):
        _read_steps(steps, write, read, tenant.pk, rows)
    if index_docs_per_s:
        seconds = rows / index_docs_per_s
        # Its CPU is not measured here: the floor leaves it out, only the wall times count it.
        steps.rows.append({"key": "search_index", "wall_s": seconds, "core_s": None,
                           "step": f"index {rows:,} documents in Elasticsearch at the search section's"
                                   f" {index_docs_per_s:,.0f} docs/s"})
    cores = os.cpu_count() or 1
    by_key = {row["key"]: row for row in steps.rows}
    targets = []
    for name, target, keys in TARGETS:
        parts = [by_key[key] for key in keys if key in by_key]
        targets.append({"target": name, "target_s": target, "steps": [key for key in keys if key in by_key],
                        "missing": [key for key in keys if key not in by_key],
                        "wall_s": sum(part["wall_s"] for part in parts),
                        "floor_s": sum(part["core_s"] or 0.0 for part in parts) / cores})
    return {"rows": rows, "cores": cores, "steps": steps.rows, "targets": targets}


def render(results: dict[str, Any]) -> list[str]:
    """Render the floors as markdown."""
    lines = ["## Floors: the least each missed target costs here (`--only floors`)", "",
             f"Each step is bare database work on scratch tables shaped and indexed like the real ones, "
             f"from data made ready beforehand, on {CONNECTIONS} connections side by side (bench/floors.py). "
             "Core-seconds: what the whole machine spent during the step (`/proc/stat`).", "",
             "| step | wall | core-s |", "| --- | ---: | ---: |",
             *(f"| {row['step']} | {row['wall_s']:.1f} s | "
               f"{'—' if row['core_s'] is None else format(row['core_s'], '.1f')} |"
               for row in results["steps"]),
             "", f"A target's floor: the core-seconds of its steps over the {results['cores']} cores, the "
             "least time any schedule of them takes here. The search index's step, taken from the search "
             "section's build rate, counts in the wall times only.", "",
             "| target | its steps | steps one after the other | floor | target |",
             "| --- | --- | ---: | ---: | ---: |"]
    for target in results["targets"]:
        missing = f" (without {', '.join(target['missing'])})" if target["missing"] else ""
        lines.append(f"| {target['target']} | {', '.join(target['steps'])}{missing}"
                     f" | {target['wall_s']:.1f} s | {target['floor_s']:.1f} s"
                     f" | {target['target_s']:.0f} s |")
    return [*lines, ""]
