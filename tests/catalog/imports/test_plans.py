"""A first large import into a tenant the planner's statistics do not know yet stays linear.

Committing test (transaction=True): statistics and plans are those of committed rows.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import override_settings

from tests.catalog.imports.conftest import csv_bytes, run_import
from tests.pg_stats import index_entries_read

pytestmark = pytest.mark.django_db(transaction=True)

# The product indexes that begin with the tenant but cannot find a SKU.
TENANT_ONLY = ("product_tenant_name", "product_tenant_brand", "product_tenant_updated")


def _rows(count: int, prefix: str) -> list[list[str]]:
    return [[f"{prefix}-{n}", f"Item {n}", "9.00", "", "1", "", "", "", ""] for n in range(count)]


def test_a_tenant_unknown_to_the_statistics_still_gets_one_sku_probe_per_row(tenant, other_tenant):
    # given: statistics that know only the other tenant's products, so they expect about
    # one row of this tenant however many it already has
    run_import(other_tenant, csv_bytes(_rows(2000, "O")), workers=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")
    before = index_entries_read("catalog_product")

    # when: this tenant imports 600 products in 6 batches, each batch looking up its SKUs
    # among the products the earlier batches created
    run = run_import(tenant, csv_bytes(_rows(600, "T")), batch_size=100, workers=1)

    # then: every lookup probed (tenant, sku); none scanned the tenant's rows on an index
    # that cannot find a SKU (that would read 100 x 1,500 entries over the batches)
    assert run.result.inserted == 600
    after = index_entries_read("catalog_product")
    scanned = {name: after[name] - before[name] for name in TENANT_ONLY}
    assert scanned == dict.fromkeys(TENANT_ONLY, 0)


def _analyzed() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'catalog_product'")
        return cursor.fetchone()[0]


@pytest.mark.parametrize(("rows", "analyzes"), [(150, 1), (99, 0)])
def test_a_large_import_refreshes_the_statistics_a_small_one_leaves_them(tenant, rows, analyzes):
    # given
    before = _analyzed()
    # when: an import of ``rows`` new products, statistics refreshed from 100 inserted
    with override_settings(IMPORT_ANALYZE_AFTER=100):
        run = run_import(tenant, csv_bytes(_rows(rows, "A")), workers=1)
    # then
    assert run.result.inserted == rows
    assert _analyzed() - before == analyzes


def _estimated_rows(tenant_id: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT id FROM catalog_product WHERE tenant_id = %s",
                       [tenant_id])
        plan = cursor.fetchone()[0]
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"]


def test_the_first_large_batch_publishes_statistics_that_know_the_tenant_with_its_commit(
        tenant, other_tenant):
    # given: statistics that know only the other tenant's products
    run_import(other_tenant, csv_bytes(_rows(2000, "O")), workers=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")
    assert _estimated_rows(tenant.pk) < 10
    before = _analyzed()
    seen: list[float] = []

    # when: 300 products in batches of 150; the bulk projection may read the first batch's
    # products as soon as it commits, before the import ends
    with override_settings(IMPORT_ANALYZE_AFTER=100):
        run = run_import(tenant, csv_bytes(_rows(300, "F")), batch_size=150, workers=1,
                         on_progress=lambda result, count: seen.append(_estimated_rows(tenant.pk)))

    # then: right after the first commit the planner expects the tenant's 150 rows, not one;
    # the import's end analyzes again for the second batch's 150
    assert run.result.inserted == 300
    assert seen[0] >= 100
    assert _analyzed() - before == 2
