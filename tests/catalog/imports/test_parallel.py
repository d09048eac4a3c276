"""Batches merged side by side on two connections give exactly what one connection gives.

These tests commit (transaction=True): the writers' connections see only committed rows.
"""

from __future__ import annotations

import threading

import pytest

from catalog import errors
from catalog.commands.imports import ImportFailed
from catalog.models import Brand, Category, Event, Product
from tests.catalog.imports.conftest import csv_bytes, failing_insert, run_import

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(count: int, *, prefix: str = "S") -> list[list[str]]:
    """Rows over 7 brands and 5 category paths; every 10th row repeats the SKU of 7 rows earlier."""
    rows = []
    for n in range(count):
        sku = f"{prefix}-{n - 7 if n % 10 == 9 else n}"
        rows.append([sku, f"Item {n}", f"{5 + n % 50}.00", "", str(n % 9), f"Brand {n % 7}",
                     f"Dept {n % 2} > Group {n % 5}", "a|b" if n % 3 else "", f'{{"size": {n % 4}}}'])
    return rows


@pytest.mark.parametrize("workers", [1, 2])
def test_two_connections_import_what_one_does_and_the_first_row_of_a_sku_wins(tenant, workers):
    # given: 23 batches of 7 rows, duplicates reaching back across a batch boundary
    rows = _rows(160)
    # when
    run = run_import(tenant, csv_bytes(rows), batch_size=7, workers=workers)
    # then: one product per SKU, from its first row
    duplicates = {n + 2: n - 7 + 2 for n in range(160) if n % 10 == 9}  # file line -> first line
    assert run.reasons() == {line: ("sku", errors.IMPORT_DUPLICATE_SKU.format(row=first))
                             for line, first in duplicates.items()}
    assert [int(r["row"]) for r in run.report] == sorted(duplicates)  # file order
    assert (run.result.rows, run.result.inserted, run.result.rejected) == (160, 144, 16)
    products = {p.sku: p for p in Product.objects.for_tenant(tenant).select_related("brand")}
    assert len(products) == 144
    assert products["S-2"].name == "Item 2"  # not "Item 9", its duplicate
    assert products["S-12"].stock_quantity == 12 % 9
    # every brand and category once, each with its creation event
    assert sorted(Brand.objects.for_tenant(tenant).values_list("name", flat=True)) == [
        f"Brand {n}" for n in range(7)]
    # 2 departments, 9 groups: "Dept 1 > Group 4" is named only by the rejected duplicates
    assert Category.objects.for_tenant(tenant).count() == 2 + 9
    assert sorted(run.result.brands_created) == [f"Brand {n}" for n in range(7)]
    assert Event.objects.for_tenant(tenant).filter(event_type="BrandCreated").count() == 7
    assert Event.objects.for_tenant(tenant).filter(event_type="ProductCreated").count() == 144
    assert not [t for t in threading.enumerate() if t.name.startswith("import-")]


def test_a_parallel_import_leaves_another_tenant_alone_and_a_second_run_changes_nothing(
        tenant, other_tenant):
    # given: the other tenant holds the same SKUs
    run_import(other_tenant, csv_bytes(_rows(40)), batch_size=7, workers=2)
    theirs = {p.sku: (p.name, p.version, p.brand_id) for p in Product.objects.for_tenant(other_tenant)}
    their_events = Event.objects.for_tenant(other_tenant).count()
    changed = [[*row[:1], f"{row[1]} (ours)", *row[2:]] for row in _rows(40)]
    # when
    first = run_import(tenant, csv_bytes(changed), batch_size=7, workers=2)
    again = run_import(tenant, csv_bytes(changed), batch_size=7, workers=2)
    # then
    assert (first.result.inserted, again.result.inserted, again.result.updated,
            again.result.unchanged) == (36, 0, 0, 36)
    assert {p.sku: (p.name, p.version, p.brand_id)
            for p in Product.objects.for_tenant(other_tenant)} == theirs
    assert Event.objects.for_tenant(other_tenant).count() == their_events
    ours = Product.objects.for_tenant(tenant)
    assert ours.count() == 36
    assert all(p.name.endswith("(ours)") for p in ours)
    assert not Brand.objects.for_tenant(tenant).filter(
        pk__in=Brand.objects.for_tenant(other_tenant).values("pk")).exists()


def test_a_batch_whose_new_brand_is_rolled_back_takes_the_later_batches_that_need_it_along(tenant):
    # given: batch 2 creates "Brand X" and fails; batch 3 names "Brand X" too
    rows = [[f"T-{n}", f"Item {n}", "5.00", "", "1", "Brand A" if n < 3 else "Brand X", "", "", ""]
            for n in range(1, 7)]
    # when
    with failing_insert("T-3"), pytest.raises(ImportFailed) as failure:
        run_import(tenant, csv_bytes(rows), batch_size=2, workers=2)
    # then: no product points at a brand that does not exist
    assert "Batch starting at row 4 failed" in str(failure.value)
    assert "disk on fire" in str(failure.value)
    assert sorted(Product.objects.for_tenant(tenant).values_list("sku", flat=True)) == ["T-1", "T-2"]
    assert list(Brand.objects.for_tenant(tenant).values_list("name", flat=True)) == ["Brand A"]
    assert not Product.objects.filter(brand_id__isnull=False).exclude(
        brand_id__in=Brand.objects.values("pk")).exists()
    # and the same file again completes the import
    again = run_import(tenant, csv_bytes(rows), batch_size=2, workers=2)
    assert (again.result.inserted, again.result.unchanged) == (4, 2)
    assert sorted(Brand.objects.for_tenant(tenant).values_list("name", flat=True)) == ["Brand A", "Brand X"]
