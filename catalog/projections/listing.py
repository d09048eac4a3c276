"""Keep the rows derived from ProductView: category list keys and product counts.

Both are functions of the ProductView rows alone and are written by
``project_products`` in the transaction that changes those rows, under the
tenant's projection lock, so they are never out of step with them:

- ProductCategoryView: one row per (product, category in ``category_tree_ids``)
  with the sort keys, for keyset pages of a category and its descendants;
- ProductCountView: product and available counts of the tenant and per
  category, moved by the difference between the rows before and after a batch.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from catalog.projections.batches import of_tenant_by_id
from catalog.read.models import ProductCountView

# The sorts with a (tenant_id, category_id, key, product_id) index; see ProductCategoryView.
SORT_KEYS = ("name", "effective_price", "created_at")
_keys = ", ".join(SORT_KEYS)

# Rows that no longer match their product's read row (another category or sort key), and
# all rows of deleted products. What is left is identical to what the read row gives.
CATEGORY_ROWS_DELETE_SQL = f"""
DELETE FROM catalog_read_productcategoryview n
WHERE {of_tenant_by_id("n", key="product_id")} AND NOT EXISTS (
    SELECT 1 FROM catalog_read_productview v
    WHERE v.id = n.product_id AND n.category_id = ANY(v.category_tree_ids)
      AND ({", ".join("n." + k for k in SORT_KEYS)}) IS NOT DISTINCT FROM
          ({", ".join("v." + k for k in SORT_KEYS)}))
"""

# The missing rows, in the order of the name index. ON CONFLICT rather than a check for
# the row first: a check is a plan, and with statistics from an emptier table (a cold
# rebuild's first batches, two side by side) the planner read the whole table for every
# row checked; a hash anti-join over every tenant's rows (4M at 1M products, 0.9 s per
# batch) was another of its choices. The conflict is found on the primary key whatever
# the statistics say, at the same cost (401 ms against 402 for 20,000 new rows).
CATEGORY_ROWS_INSERT_SQL = f"""
INSERT INTO catalog_read_productcategoryview (product_id, category_id, tenant_id, {_keys})
SELECT v.id, c.id, v.tenant_id, {", ".join("v." + k for k in SORT_KEYS)}
FROM catalog_read_productview v CROSS JOIN LATERAL unnest(v.category_tree_ids) AS c(id)
WHERE {of_tenant_by_id("v")}
ORDER BY c.id, v.name, v.id
ON CONFLICT (product_id, category_id) DO NOTHING
"""

# What a set of read rows adds to each count: category 0 is "all products".
COUNTS_SQL = f"""
SELECT c.id, count(*), count(*) FILTER (WHERE v.is_available)
FROM catalog_read_productview v
CROSS JOIN LATERAL unnest(ARRAY[{ProductCountView.ALL_PRODUCTS}]::bigint[] || v.category_tree_ids) AS c(id)
WHERE {of_tenant_by_id("v")}
GROUP BY c.id
"""

APPLY_COUNTS_SQL = """
INSERT INTO catalog_read_productcountview AS t (tenant_id, category_id, product_count, available_count)
SELECT %(tenant)s, d.* FROM unnest(%(categories)s::bigint[], %(products)s::bigint[],
                                   %(available)s::bigint[]) AS d
ON CONFLICT (tenant_id, category_id) DO UPDATE SET
    product_count = t.product_count + EXCLUDED.product_count,
    available_count = t.available_count + EXCLUDED.available_count
"""

# Group by the ancestor list first (a tenant has a few thousand distinct ones), then spread
# each group over its categories. A plain SELECT so PostgreSQL may scan in parallel.
RECOUNT_SQL = f"""
SELECT c.id, sum(g.products)::bigint, sum(g.available)::bigint
FROM (SELECT category_tree_ids, count(*) AS products, count(*) FILTER (WHERE is_available) AS available
      FROM catalog_read_productview WHERE tenant_id = %(tenant)s GROUP BY category_tree_ids) g
CROSS JOIN LATERAL unnest(ARRAY[{ProductCountView.ALL_PRODUCTS}]::bigint[] || g.category_tree_ids) AS c(id)
GROUP BY c.id
"""

Counts = Counter[tuple[int, str]]


def counts_of(cursor: Any, *, tenant_id: int, product_ids: list[str]) -> Counts:
    """Return what the current read rows of these products add to each count."""
    totals: Counts = Counter()
    if product_ids:
        cursor.execute(COUNTS_SQL, {"tenant": tenant_id, "ids": product_ids})
        for category_id, products, available in cursor.fetchall():
            totals[(category_id, "products")] = products
            totals[(category_id, "available")] = available
    return totals


def counts_apply(cursor: Any, *, tenant_id: int, before: Counts, after: Counts) -> None:
    """Move the stored counts by ``after - before``; drop emptied category rows."""
    categories = sorted({category for category, _ in (before | after)})
    delta = {c: (after[(c, "products")] - before[(c, "products")],
                 after[(c, "available")] - before[(c, "available")]) for c in categories}
    delta = {c: d for c, d in delta.items() if d != (0, 0)}
    if not delta:
        return
    cursor.execute(APPLY_COUNTS_SQL, {
        "tenant": tenant_id, "categories": list(delta),
        "products": [d[0] for d in delta.values()], "available": [d[1] for d in delta.values()]})
    cursor.execute(
        "DELETE FROM catalog_read_productcountview WHERE tenant_id = %s AND category_id = ANY(%s)"
        " AND category_id <> %s AND product_count = 0",
        [tenant_id, list(delta), ProductCountView.ALL_PRODUCTS])


def category_rows_sync(cursor: Any, *, tenant_id: int, product_ids: list[str]) -> None:
    """Make the category list rows of these products match their read rows (or lack of one)."""
    if product_ids:
        params = {"tenant": tenant_id, "ids": product_ids}
        cursor.execute(CATEGORY_ROWS_DELETE_SQL, params)
        cursor.execute(CATEGORY_ROWS_INSERT_SQL, params)


def recount(cursor: Any, *, tenant_id: int) -> None:
    """Count the tenant's read rows again from scratch (one pass; the caller holds the lock)."""
    cursor.execute(RECOUNT_SQL, {"tenant": tenant_id})
    counts = cursor.fetchall()
    cursor.execute("DELETE FROM catalog_read_productcountview WHERE tenant_id = %s", [tenant_id])
    cursor.execute(APPLY_COUNTS_SQL, {
        "tenant": tenant_id, "categories": [row[0] for row in counts],
        "products": [row[1] for row in counts], "available": [row[2] for row in counts]})
