"""The merge: upsert by SKU, only real changes get a version and an event, whole batches, tenants apart."""

from __future__ import annotations

import pytest

from catalog.commands import brand_create, category_create, product_create
from catalog.commands.imports import ImportFailed
from catalog.models import Brand, Category, Event, EventStatus, Product
from tests.catalog.imports.conftest import (
    csv_bytes,
    event_count,
    failing_insert,
    gz,
    jsonl_bytes,
    run_import,
    state,
)

ROWS = [
    ["P-1", "Cordless drill", "99.00", "79.00", "5", "Bosch", "Tools > Drills|Sale", "pro|cordless",
     '{"voltage": 18}'],
    ["P-2", "Hand saw", "12.50", "", "0", "Stanley", "Tools > Saws", "", ""],
    ["P-3", "Apron", "15", "", "", "", "", "", ""],
]


def test_new_skus_are_created_with_brands_and_category_paths(tenant):
    # when
    run = run_import(tenant, csv_bytes(ROWS))
    # then
    result = run.result
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0)
    assert run.result.categories_created == ["Sale", "Tools", "Tools > Drills", "Tools > Saws"]
    assert run.result.brands_created == ["Bosch", "Stanley"]
    drill = Product.objects.for_tenant(tenant).get(sku="P-1")
    drills = Category.objects.for_tenant(tenant).get(name="Drills")
    assert drills.parent.name == "Tools"
    assert drills.path == f"/{drills.parent_id}/{drills.pk}/"
    assert sorted(c.name for c in drill.categories.all()) == ["Drills", "Sale"]
    assert (drill.brand.name, drill.tags, drill.attributes, drill.version) == (
        "Bosch", ["pro", "cordless"], {"voltage": 18}, 1)
    assert (str(drill.sale_price), drill.currency, drill.stock_quantity) == ("79.00", "EUR", 5)
    apron = Product.objects.get(sku="P-3")
    assert (apron.brand_id, apron.stock_quantity, apron.is_active, apron.tags) == (None, 0, True, [])
    created = Event.objects.for_tenant(tenant).filter(event_type="ProductCreated", status=EventStatus.BULK)
    assert created.count() == 3
    payload = created.get(aggregate_id=str(drill.pk)).payload["after"]
    assert payload["price"] == "99.00"
    assert payload["category_ids"] == sorted(
        c.pk for c in drill.categories.all())


def test_existing_brands_and_categories_are_reused_by_name(tenant):
    # given
    bosch = brand_create(tenant=tenant, name="Bosch")
    tools = category_create(tenant=tenant, name="Tools")
    drills = category_create(tenant=tenant, name="Drills", parent=tools)
    # when
    run = run_import(tenant, csv_bytes(ROWS[:1]))
    # then
    assert run.result.brands_created == []
    assert run.result.categories_created == ["Sale"]
    drill = Product.objects.get(sku="P-1")
    assert drill.brand_id == bosch.pk
    assert drills.pk in {c.pk for c in drill.categories.all()}
    assert Brand.objects.for_tenant(tenant).count() == 1


def test_importing_the_same_file_again_changes_nothing(tenant):
    # given
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    before, events = state(tenant), event_count(tenant)
    # when
    again = run_import(tenant, data)
    # then
    assert (again.result.inserted, again.result.updated, again.result.unchanged) == (0, 0, 3)
    assert state(tenant) == before
    assert event_count(tenant) == events


def test_a_changed_row_bumps_one_version_and_records_what_changed(tenant):
    # given
    run_import(tenant, csv_bytes(ROWS))
    changed = [["P-1", "Cordless drill", "89.00", "", "5", "Bosch", "Tools > Drills", "pro|cordless",
                '{"voltage": 18}']]
    # when
    run = run_import(tenant, csv_bytes(changed))
    # then
    assert (run.result.updated, run.result.unchanged) == (1, 0)
    drill = Product.objects.get(sku="P-1")
    assert (str(drill.price), drill.sale_price, drill.version) == ("89.00", None, 2)
    assert [c.name for c in drill.categories.all()] == ["Drills"]
    event = Event.objects.get(aggregate_id=str(drill.pk), event_type="ProductUpdated")
    changes = event.payload["changes"]
    assert event.aggregate_version == 2
    assert changes["price"] == ["99.00", "89.00"]
    assert changes["sale_price"] == ["79.00", None]
    assert set(changes) == {"price", "sale_price", "category_ids"}


def test_columns_the_file_leaves_out_keep_their_stored_values(tenant):
    # given
    product_create(tenant=tenant, sku="K-1", name="Kept", price="10.00", description="Long text",
                   tags=["keep"], stock_quantity=7)
    data = csv_bytes([["K-1", "Kept", "10.00", "9"]], header=("sku", "name", "price", "stock_quantity"))
    # when
    run_import(tenant, data)
    # then
    product = Product.objects.get(sku="K-1")
    assert (product.description, product.tags, product.stock_quantity, product.version) == (
        "Long text", ["keep"], 9, 2)


def test_gzip_and_json_lines_import_like_csv(tenant, other_tenant):
    # given
    objects = [{"sku": "G-1", "name": "Gz", "price": "1.50", "categories": ["A > B"], "tags": ["x"],
                "attributes": {"k": 1}, "is_active": False, "brand": None}]
    # when
    jsonl = run_import(tenant, gz(jsonl_bytes(objects)), name="feed.jsonl.gz")
    csv_run = run_import(other_tenant, gz(csv_bytes(ROWS)), name="feed.csv.gz")
    # then
    assert jsonl.result.inserted == 1
    assert csv_run.result.inserted == 3
    product = Product.objects.for_tenant(tenant).get()
    assert (product.is_active, product.tags, product.attributes) == (False, ["x"], {"k": 1})


def test_an_import_into_one_tenant_never_touches_another_with_the_same_skus(tenant, other_tenant):
    # given
    run_import(other_tenant, csv_bytes(ROWS))
    theirs, their_events = state(other_tenant), event_count(other_tenant)
    their_brands = list(Brand.objects.for_tenant(other_tenant).values_list("pk", flat=True))
    # when
    run = run_import(tenant, csv_bytes([[*row[:2], "1.00", "", *row[4:]] for row in ROWS]))
    # then
    assert run.result.inserted == 3
    assert state(other_tenant) == theirs
    assert event_count(other_tenant) == their_events
    ours = Product.objects.for_tenant(tenant).get(sku="P-1")
    assert ours.brand_id not in their_brands
    assert str(ours.price) == "1.00"


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_is_rolled_back_whole_and_earlier_batches_stay(tenant):
    # given: a database error on the first row of batch 2
    rows = [[f"B-{n}", f"Item {n}", "5.00", "", "1", f"Brand {n}", f"Cat {n}", "", ""] for n in range(1, 6)]
    # when
    with failing_insert("B-3"), pytest.raises(ImportFailed) as failure:
        run_import(tenant, csv_bytes(rows), batch_size=2)
    # then
    assert "Batch starting at row 4 failed" in str(failure.value)
    assert failure.value.result.inserted == 2
    assert sorted(Product.objects.for_tenant(tenant).values_list("sku", flat=True)) == ["B-1", "B-2"]
    assert sorted(Brand.objects.for_tenant(tenant).values_list("name", flat=True)) == ["Brand 1", "Brand 2"]
    assert Event.objects.for_tenant(tenant).filter(aggregate_type="product").count() == 2
    # and the same file again continues where it stopped
    again = run_import(tenant, csv_bytes(rows), batch_size=2)
    assert (again.result.inserted, again.result.unchanged) == (3, 2)
