"""Project categories and brands into CategoryView and BrandView: set-based, version-guarded.

Like products, an event means "this category (or brand) changed": re-read the
write side and upsert. Moving a category rewrites the paths of its whole
subtree on the write side with one event, so a category is projected with its
subtree. Runs under the tenant's projection lock, like the products.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, transaction

from catalog.projections.products import READ_ALIAS, WRITE_ALIAS, lock_tenant
from catalog.read.cache import invalidate_tenant

CATEGORY_SQL = """
SELECT c.id, c.tenant_id, c.parent_id, c.name, c.slug, c.position, c.path, c.depth,
       c.updated_at, c.version
FROM catalog_category c
WHERE c.tenant_id = %s AND (c.id = ANY(%s::bigint[]) OR (%s AND c.path LIKE ANY(
    SELECT m.path || '%%' FROM catalog_category m WHERE m.tenant_id = %s AND m.id = ANY(%s::bigint[])
)))
"""
CATEGORY_UPSERT_SQL = """
INSERT INTO catalog_read_categoryview
    (id, tenant_id, parent_id, name, slug, position, path, depth, updated_at, version)
SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[],
                     %s::integer[], %s::text[], %s::integer[], %s::timestamptz[], %s::integer[])
ON CONFLICT (id) DO UPDATE SET
    parent_id = EXCLUDED.parent_id, name = EXCLUDED.name, slug = EXCLUDED.slug,
    position = EXCLUDED.position, path = EXCLUDED.path, depth = EXCLUDED.depth,
    updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
WHERE catalog_read_categoryview.version <= EXCLUDED.version
"""
BRAND_SQL = """
SELECT id, tenant_id, name, slug, updated_at, version FROM catalog_brand
WHERE tenant_id = %s AND id = ANY(%s::bigint[])
"""
BRAND_UPSERT_SQL = """
INSERT INTO catalog_read_brandview (id, tenant_id, name, slug, updated_at, version)
SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::timestamptz[],
                     %s::integer[])
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name, slug = EXCLUDED.slug, updated_at = EXCLUDED.updated_at,
    version = EXCLUDED.version
WHERE catalog_read_brandview.version <= EXCLUDED.version
"""


def _sync(*, tenant_id: int, ids: list[int], select: str, select_params: list[Any],
          upsert: str, table: str) -> int:
    """Upsert the write-side rows ``select`` returns and delete the ids it no longer has."""
    with transaction.atomic(using=READ_ALIAS), connections[READ_ALIAS].cursor() as target:
        lock_tenant(tenant_id)
        with connections[WRITE_ALIAS].cursor() as source:
            source.execute(select, select_params)
            rows = source.fetchall()
        found = {row[0] for row in rows}
        gone = [i for i in ids if i not in found]
        if gone:
            target.execute(f"DELETE FROM {table} WHERE tenant_id = %s AND id = ANY(%s::bigint[])",
                           [tenant_id, gone])
        if rows:
            target.execute(upsert, [list(column) for column in zip(*rows, strict=True)])
    invalidate_tenant(tenant_id=tenant_id)
    return len(rows) + len(gone)


def project_categories(*, tenant_id: int, category_ids: Iterable[Any], subtrees: bool = True) -> int:
    """Make the read rows of these categories (and their subtrees) match the write side."""
    ids = sorted({int(i) for i in category_ids})
    if not ids:
        return 0
    return _sync(tenant_id=tenant_id, ids=ids, select=CATEGORY_SQL,
                 select_params=[tenant_id, ids, subtrees, tenant_id, ids],
                 upsert=CATEGORY_UPSERT_SQL, table="catalog_read_categoryview")


def project_brands(*, tenant_id: int, brand_ids: Iterable[Any]) -> int:
    """Make the read rows of these brands match the write side."""
    ids = sorted({int(i) for i in brand_ids})
    if not ids:
        return 0
    return _sync(tenant_id=tenant_id, ids=ids, select=BRAND_SQL, select_params=[tenant_id, ids],
                 upsert=BRAND_UPSERT_SQL, table="catalog_read_brandview")


def _ids(alias: str, table: str, tenant_id: int) -> set[int]:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE tenant_id = %s", [tenant_id])
        return {row[0] for row in cursor.fetchall()}


def rebuild_taxonomy(*, tenant_id: int) -> int:
    """Project every category and brand of the tenant and drop read rows without a source."""
    categories = _ids(WRITE_ALIAS, "catalog_category", tenant_id) | _ids(
        READ_ALIAS, "catalog_read_categoryview", tenant_id)
    brands = _ids(WRITE_ALIAS, "catalog_brand", tenant_id) | _ids(
        READ_ALIAS, "catalog_read_brandview", tenant_id)
    return (project_categories(tenant_id=tenant_id, category_ids=categories, subtrees=False)
            + project_brands(tenant_id=tenant_id, brand_ids=brands))
