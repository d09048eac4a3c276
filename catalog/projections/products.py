"""Project products into ProductView: one write-side query, one read-side upsert per batch.

Treat every event as "product X changed": re-read the write side and upsert.
All projection of one tenant is serialized by a transaction-level advisory
lock on the read database, taken *before* the write side is read, so each
batch sees a snapshot at least as new as every batch written before it: the
read side never goes backwards, and the version guard makes duplicate or
out-of-order deliveries no-ops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import OperationalError, connections, transaction

from catalog.projections import listing, search_queue
from catalog.projections.batches import of_tenant_by_id
from catalog.read.cache import invalidate_products, invalidate_tenant
from catalog.read.models import REVISION_SEQUENCE

logger = logging.getLogger(__name__)
T = TypeVar("T")

WRITE_ALIAS, READ_ALIAS = "default", "read"
DEADLOCK_RETRIES = 3  # attempts of a batch projected beside others (retry_deadlocks)

# The columns of catalog_read_productview filled from the write side, in COPY order.
COLUMNS = (
    "id", "tenant_id", "sku", "name", "description", "price", "sale_price", "effective_price",
    "currency", "brand_id", "brand_name", "category_ids", "category_tree_ids", "category_paths",
    "tags", "attributes", "translations", "stock_quantity", "is_active", "is_available",
    "created_at", "updated_at", "version",
)

# One query for a whole batch: joins and aggregation in SQL, not a loop per product.
# The batch's categories get their ancestor ids and name path once (``cat``), then
# each product's links aggregate over them; ancestors shared by two of a product's
# categories repeat in ``category_tree_ids`` until the upsert removes duplicates.
SNAPSHOT_SQL = f"""
WITH batch_links AS MATERIALIZED (
    SELECT product_id, category_id FROM catalog_product_category
    WHERE product_id = ANY(%(ids)s::uuid[])
), cat AS MATERIALIZED (
    SELECT c.id, trim(BOTH '/' FROM c.path) AS tree,
           (SELECT string_agg(a.name, ' > ' ORDER BY a.depth) FROM catalog_category a
             WHERE a.tenant_id = c.tenant_id
               AND a.id = ANY(string_to_array(trim(BOTH '/' FROM c.path), '/')::bigint[])) AS name_path
    FROM catalog_category c
    WHERE c.tenant_id = %(tenant)s AND c.id IN (SELECT category_id FROM batch_links)
), links AS (
    SELECT l.product_id, array_agg(c.id ORDER BY c.id) AS ids,
           array_agg(c.name_path ORDER BY c.id) AS paths,
           string_to_array(string_agg(c.tree, '/'), '/')::bigint[] AS tree
    FROM batch_links l JOIN cat c ON c.id = l.category_id
    GROUP BY l.product_id
)
SELECT p.id, p.tenant_id, p.sku, p.name, p.description, p.price, p.sale_price,
       COALESCE(p.sale_price, p.price), p.currency, p.brand_id, COALESCE(b.name, ''),
       COALESCE(l.ids, '{{}}'), COALESCE(l.tree, '{{}}'), COALESCE(l.paths, '{{}}'),
       p.tags, p.attributes, p.translations, p.stock_quantity, p.is_active,
       p.is_active AND p.stock_quantity > 0, p.created_at, p.updated_at, p.version
FROM catalog_product p
LEFT JOIN catalog_brand b ON b.id = p.brand_id
LEFT JOIN links l ON l.product_id = p.id
WHERE {of_tenant_by_id("p")}
"""

STAGE_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS productview_stage"
    " (LIKE catalog_read_productview INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)

# Every locale's name and description: to_tsvector over JSON takes its string values. The
# brand's name is in too, so words from different fields find a product ("bosch drill").
# {row}: the row's alias; {brand}: its brand name (a rename passes the new one).
SEARCH_VECTOR_TEMPLATE = """
    setweight(to_tsvector('simple', {row}.sku), 'A')
    || setweight(to_tsvector('simple', {row}.name), 'A')
    || setweight(to_tsvector('simple', jsonb_path_query_array({row}.translations, '$.*.name')), 'A')
    || setweight(to_tsvector('simple', array_to_string({row}.tags, ' ')), 'B')
    || setweight(to_tsvector('simple', coalesce({brand}, '')), 'B')
    || setweight(to_tsvector('simple', {row}.description), 'C')
    || setweight(to_tsvector('simple', jsonb_path_query_array({row}.translations, '$.*.description')),
                 'C')
"""
SEARCH_VECTOR_SQL = SEARCH_VECTOR_TEMPLATE.format(row="s", brand="s.brand_name")

_copy_columns = ", ".join(COLUMNS)


def _select_column(column: str) -> str:
    if column == "category_tree_ids":
        return "ARRAY(SELECT DISTINCT t FROM unnest(s.category_tree_ids) t ORDER BY t)"
    return f"s.{column}"


UPSERT_SQL = f"""
INSERT INTO catalog_read_productview ({_copy_columns}, search_vector)
SELECT {", ".join(_select_column(c) for c in COLUMNS)}, {SEARCH_VECTOR_SQL}
FROM productview_stage s
ORDER BY s.tenant_id, s.name, s.id
ON CONFLICT (id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "id")},
    search_vector = EXCLUDED.search_vector, revision = nextval('{REVISION_SEQUENCE}')
WHERE catalog_read_productview.version < EXCLUDED.version
   OR (catalog_read_productview.version = EXCLUDED.version
       AND ({", ".join("catalog_read_productview." + c for c in COLUMNS)})
           IS DISTINCT FROM ({", ".join("EXCLUDED." + c for c in COLUMNS)}))
"""
# At the same version a row differs when a brand or category changed without bumping
# the product (or the row was damaged): rewrite it then, and leave identical rows alone.
# In name order: a rebuild or an import writes its thousands of new rows into fresh pages
# in that order, so products named alike (the matches of a search word) share pages, and
# a search for a common word reads a third of the pages it reads in id order.


# Drop staged rows the read table already holds (same version, same content) or holds
# newer: the upsert then computes search vectors and touches indexes only for real changes.
PRUNE_STAGE_SQL = f"""
DELETE FROM productview_stage s USING catalog_read_productview v
WHERE v.id = s.id AND (v.version > s.version OR (v.version = s.version
    AND ({", ".join("v." + c for c in COLUMNS)})
        IS NOT DISTINCT FROM ({", ".join(_select_column(c) for c in COLUMNS)})))
"""


# The words of the staged rows' names in every locale, for correcting misspelled search
# words (catalog.search.postgres), from rows whose names are new or changed (run before
# the upsert); words with digits or shorter than 3 letters are never corrected. Sorted, so
# rebuild batches side by side insert shared words in one order (no deadlock).
SEARCH_WORDS_SQL = """
INSERT INTO catalog_read_searchword (tenant_id, word)
SELECT DISTINCT s.tenant_id, w.word
FROM productview_stage s
LEFT JOIN catalog_read_productview v ON v.id = s.id
CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('simple', concat_ws(' ', s.name,
    (SELECT string_agg(t.value ->> 'name', ' ') FROM jsonb_each(s.translations) t
     WHERE jsonb_typeof(t.value) = 'object'))))) AS w(word)
WHERE (v.id IS NULL OR v.name IS DISTINCT FROM s.name OR v.translations IS DISTINCT FROM s.translations)
  AND length(w.word) BETWEEN 3 AND 64 AND w.word !~ '[0-9_./@-]'
ORDER BY 1, 2
ON CONFLICT DO NOTHING
"""


def retry_deadlocks(call: Callable[[], T], *, shared: bool, what: str) -> T:
    """Run ``call``; under the shared tenant lock, run it again after a deadlock (at most 3 times).

    Batches projected side by side (rebuild, bulk chunks) may re-project the same
    stale SKU and deadlock; under the exclusive lock that cannot happen, so a
    deadlock there is raised like any other error.
    """
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            return call()
        except OperationalError as exc:
            if not shared or "deadlock" not in str(exc) or attempt == DEADLOCK_RETRIES:
                raise
            logger.warning("%s deadlocked (attempt %s); retrying", what, attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def lock_tenant(tenant_id: int, *, shared: bool = False) -> None:
    """Serialize projection of one tenant until the read transaction ends.

    ``shared`` is for rebuild batches: they cover disjoint products and may run
    side by side, while live projection (exclusive) still waits for them.
    """
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [0x5EAD, tenant_id])


def _stage(tenant_id: int, product_ids: list[Any]) -> set[Any]:
    """Stream the write-side snapshot of the products into the stage table; return found ids."""
    if not product_ids:
        return set()
    found: set[Any] = set()
    with connections[WRITE_ALIAS].cursor() as source, connections[READ_ALIAS].cursor() as target:
        query = source.cursor.mogrify(
            SNAPSHOT_SQL, {"tenant": tenant_id, "ids": [str(i) for i in product_ids]}
        )
        # Binary: the snapshot's column types are the stage's, and nothing is parsed twice.
        with source.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as out, target.cursor.copy(
            f"COPY productview_stage ({_copy_columns}) FROM STDIN (FORMAT binary)"
        ) as into:
            for chunk in out:
                into.write(chunk)
        target.execute("SELECT id FROM productview_stage")
        found.update(row[0] for row in target.fetchall())
    return found


def project_products(*, tenant_id: int, product_ids: Iterable[Any], shared: bool = False) -> int:
    """Make the read rows of these products match the write side now; return rows written.

    Products missing on the write side (deleted) lose their read row. A read
    row that holds a SKU another product now has is stale: it is re-projected
    in the same transaction, which is why the SKU constraint is deferred. The
    rows derived from the changed read rows (catalog.projections.listing)
    follow in the same transaction.
    """
    ids = [str(i) for i in product_ids]
    if not ids:
        return 0
    with transaction.atomic(using=READ_ALIAS), connections[READ_ALIAS].cursor() as cursor:
        lock_tenant(tenant_id, shared=shared)
        cursor.execute(STAGE_SQL)
        cursor.execute("TRUNCATE productview_stage")
        wanted = set(ids)
        staged = {str(i) for i in _stage(tenant_id, ids)}
        # Pruned rows are already the read rows holding their SKUs, so only the rest
        # can collide with a stale row of another product.
        cursor.execute(PRUNE_STAGE_SQL)
        cursor.execute(
            "SELECT v.id FROM catalog_read_productview v JOIN productview_stage s"
            " ON v.tenant_id = s.tenant_id AND v.sku = s.sku AND v.id <> s.id"
        )
        stale = {str(row[0]) for row in cursor.fetchall()} - wanted
        if stale:
            staged |= {str(i) for i in _stage(tenant_id, sorted(stale))}
            wanted |= stale
            cursor.execute(PRUNE_STAGE_SQL)
        gone = sorted(wanted - staged)
        cursor.execute("SELECT id::text FROM productview_stage")
        changing = gone + [row[0] for row in cursor.fetchall()]
        before = listing.counts_of(cursor, tenant_id=tenant_id, product_ids=changing)
        if gone:
            cursor.execute(
                "DELETE FROM catalog_read_productview v WHERE "
                + of_tenant_by_id("v", ids="%s", tenant="%s") + " RETURNING id",
                [gone, tenant_id],
            )
            search_queue.enqueue_deleted(cursor, tenant_id=tenant_id,
                                         product_ids=[row[0] for row in cursor.fetchall()])
        cursor.execute(SEARCH_WORDS_SQL)
        cursor.execute(UPSERT_SQL)
        written = cursor.rowcount + len(gone)
        search_queue.enqueue_changed(cursor, source="productview_stage")
        listing.category_rows_sync(cursor, tenant_id=tenant_id, product_ids=changing)
        # Last: the tenant's count rows stay locked until commit, and rebuild batches
        # running side by side (shared lock) queue for them only here.
        listing.counts_apply(cursor, tenant_id=tenant_id, before=before,
                             after=listing.counts_of(cursor, tenant_id=tenant_id, product_ids=changing))
    # After the read transaction: no request may see the old rows once this returns.
    invalidate_products(tenant_id=tenant_id, product_ids=wanted)
    return written


def product_ids_in_category(*, tenant_id: int, category_id: int, after: str | None,
                            limit: int) -> list[str]:
    """Return the next chunk (by id) of products whose read rows include the category."""
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT id FROM catalog_read_productview WHERE tenant_id = %s"
            " AND category_tree_ids @> ARRAY[%s]::bigint[] AND (%s::uuid IS NULL OR id > %s::uuid)"
            " ORDER BY id LIMIT %s",
            [tenant_id, category_id, after, after, limit],
        )
        return [str(row[0]) for row in cursor.fetchall()]


def project_category(*, tenant_id: int, category_id: int, chunk_size: int = 5000) -> int:
    """Re-project every product filed under the category (renamed, moved), in chunks."""
    total, after = 0, None
    while True:
        chunk = product_ids_in_category(tenant_id=tenant_id, category_id=category_id,
                                        after=after, limit=chunk_size)
        if not chunk:
            return total
        total += project_products(tenant_id=tenant_id, product_ids=chunk)
        after = chunk[-1]


def project_brand(*, tenant_id: int, brand_id: int, chunk_size: int = 10_000) -> int:
    """Copy a brand's current name into its products' read rows (and search vectors), in chunks."""
    with connections[WRITE_ALIAS].cursor() as cursor:
        cursor.execute("SELECT name FROM catalog_brand WHERE tenant_id = %s AND id = %s",
                       [tenant_id, brand_id])
        row = cursor.fetchone()
    name = row[0] if row else ""
    total = 0
    while True:
        with transaction.atomic(using=READ_ALIAS), connections[READ_ALIAS].cursor() as cursor:
            lock_tenant(tenant_id)
            cursor.execute(
                "UPDATE catalog_read_productview SET brand_name = %s, search_vector = "
                + SEARCH_VECTOR_TEMPLATE.format(row="catalog_read_productview", brand="%s::text")
                + f", revision = nextval('{REVISION_SEQUENCE}') WHERE id IN ("
                " SELECT id FROM catalog_read_productview WHERE tenant_id = %s AND brand_id = %s"
                " AND brand_name <> %s LIMIT %s) RETURNING id",
                [name, name, tenant_id, brand_id, name, chunk_size],
            )
            changed = [row[0] for row in cursor.fetchall()]
            search_queue.enqueue_ids(cursor, tenant_id=tenant_id, product_ids=changed)
            total += len(changed)
            if len(changed) < chunk_size:
                break
    invalidate_tenant(tenant_id=tenant_id, details=total > 0)  # brand_name is in the details
    return total
