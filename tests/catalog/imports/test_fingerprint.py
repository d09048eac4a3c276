"""A re-import skips rows its product already holds the fingerprint of, and only those.

A row is skipped only when neither the product (any write bumps its version)
nor the brands and categories its names resolve to (a rename or move) changed
since an import left the fingerprint; every other row is compared field by
field as before, so the outcome of an import never depends on the shortcut.
"""

from __future__ import annotations

import csv
import io
import threading

import pytest
from django.db import connection, connections
from django.test import override_settings

from catalog.commands import (
    brand_update,
    category_create,
    category_update,
    product_create,
    product_update,
)
from catalog.commands.imports import sql as import_sql
from catalog.models import Brand, Category, Event, Product
from tests.catalog.imports.conftest import HEADER, csv_bytes, event_count, run_import, state
from tests.catalog.imports.test_merge import ROWS


def counts(run) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    result = run.result
    return result.inserted, result.updated, result.unchanged, result.recognized


def test_a_re_import_recognizes_every_unchanged_row_and_writes_nothing(tenant):
    # given
    data = csv_bytes(ROWS)
    first = run_import(tenant, data)
    before, events = state(tenant), event_count(tenant)
    fingerprints = dict(Product.objects.for_tenant(tenant).values_list("sku", "import_fingerprint"))
    # when
    again = run_import(tenant, data)
    # then
    assert counts(first) == (3, 0, 0, 0)
    assert counts(again) == (0, 0, 3, 3)
    assert None not in fingerprints.values()
    assert dict(Product.objects.for_tenant(tenant).values_list("sku", "import_fingerprint")) == fingerprints
    assert state(tenant) == before
    assert event_count(tenant) == events


def test_a_product_edited_since_the_import_is_compared_and_set_back_to_the_file(tenant):
    # given: a merchandiser changes P-1's price after the import
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    drill = Product.objects.for_tenant(tenant).get(sku="P-1")
    product_update(tenant=tenant, product_id=drill.pk, price="120.00")
    # when
    again = run_import(tenant, data)
    third = run_import(tenant, data)
    # then: P-1 is compared, found changed and set back; the others are skipped
    assert counts(again) == (0, 1, 2, 2)
    drill.refresh_from_db()
    assert (str(drill.price), drill.version) == ("99.00", 3)
    event = Event.objects.get(aggregate_id=str(drill.pk), aggregate_version=3)
    assert event.payload["changes"]["price"] == ["120.00", "99.00"]
    assert counts(third) == (0, 0, 3, 3)


def test_a_renamed_brand_sends_every_row_through_the_comparison(tenant):
    # given: after the import, Bosch is renamed; the file still says "Bosch"
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    bosch = Brand.objects.for_tenant(tenant).get(name="Bosch")
    brand_update(tenant=tenant, brand_id=bosch.pk, name="Bosch Professional", slug="bosch-pro")
    # when
    again = run_import(tenant, data)
    # then: as without fingerprints, "Bosch" is created again and P-1 moves to it
    assert counts(again) == (0, 1, 2, 0)
    assert again.result.brands_created == ["Bosch"]
    assert Product.objects.for_tenant(tenant).get(sku="P-1").brand.name == "Bosch"
    assert counts(run_import(tenant, data)) == (0, 0, 3, 3)


def test_a_moved_category_sends_every_row_through_the_comparison(tenant):
    # given: after the import, Drills moves from Tools to Power tools
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    drills = Category.objects.for_tenant(tenant).get(name="Drills")
    power = category_create(tenant=tenant, name="Power tools")
    category_update(tenant=tenant, category_id=drills.pk, parent=power)
    # when
    again = run_import(tenant, data)
    # then: "Tools > Drills" names no category now: it is created and P-1 filed under it
    assert counts(again) == (0, 1, 2, 0)
    assert again.result.categories_created == ["Tools > Drills"]
    drill = Product.objects.for_tenant(tenant).get(sku="P-1")
    paths = sorted(str(c.parent or "") + ">" + c.name for c in drill.categories.all())
    assert paths == [">Sale", "Tools>Drills"]
    assert drills.pk not in {c.pk for c in drill.categories.all()}


def test_a_new_brand_or_category_keeps_the_fingerprints(tenant):
    # given: an import, then another file creates a brand and a category
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    run_import(tenant, csv_bytes([["P-9", "Chisel", "8.00", "", "", "Makita", "Carving", "", ""]]))
    # when
    again = run_import(tenant, data)
    # then
    assert counts(again) == (0, 0, 3, 3)


def test_reordering_a_category_again_keeps_the_fingerprints(tenant):
    # given: a merchandiser reorders Saws in the storefront's menu; its first change puts it
    # into the stamp (changed since its creation), so the next import compares every row
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    saws = Category.objects.for_tenant(tenant).get(name="Saws")
    category_update(tenant=tenant, category_id=saws.pk, position=saws.position + 5)
    assert counts(run_import(tenant, data)) == (0, 0, 3, 0)
    # when: reordered again, its name, slug and parent as before
    category_update(tenant=tenant, category_id=saws.pk, position=saws.position)
    again = run_import(tenant, data)
    # then
    assert counts(again) == (0, 0, 3, 3)


def test_products_found_unchanged_by_comparison_get_their_fingerprint_without_a_new_version(tenant):
    # given: products written by the command API, as the file has them
    product_create(tenant=tenant, sku="K-1", name="Kept", price="10.00", stock_quantity=7)
    product_create(tenant=tenant, sku="K-2", name="Also kept", price="12.00", stock_quantity=0)
    data = csv_bytes([["K-1", "Kept", "10.00", "7"], ["K-2", "Also kept", "12.00", "0"]],
                     header=("sku", "name", "price", "stock_quantity"))
    events = event_count(tenant)
    # when
    first = run_import(tenant, data)
    again = run_import(tenant, data)
    # then
    assert counts(first) == (0, 0, 2, 0)
    assert counts(again) == (0, 0, 2, 2)
    assert set(Product.objects.for_tenant(tenant).values_list("version", flat=True)) == {1}
    assert event_count(tenant) == events


def test_a_feed_between_full_imports_leaves_the_full_files_fingerprints_alone(tenant):
    # given: the full file, then a price-and-stock feed of the same values
    full = csv_bytes(ROWS)
    feed = csv_bytes([["P-1", "Cordless drill", "99.00", "5"], ["P-2", "Hand saw", "12.50", "0"],
                      ["P-3", "Apron", "15", ""]], header=("sku", "name", "price", "stock_quantity"))
    run_import(tenant, full)
    fingerprints = dict(Product.objects.for_tenant(tenant).values_list("sku", "import_fingerprint"))
    # when
    fed = run_import(tenant, feed)
    # then: the feed compares its rows and keeps the full file's fingerprints
    assert counts(fed) == (0, 0, 3, 0)
    assert dict(Product.objects.for_tenant(tenant).values_list("sku", "import_fingerprint")) == fingerprints
    assert counts(run_import(tenant, full)) == (0, 0, 3, 3)


def test_a_file_that_clears_a_column_is_not_taken_for_one_that_leaves_it_out(tenant):
    # given: an import without the description column keeps the stored description
    product_create(tenant=tenant, sku="K-1", name="Kept", price="10.00", description="Long text")
    without = csv_bytes([["K-1", "Kept", "10.00"]], header=("sku", "name", "price"))
    cleared = csv_bytes([["K-1", "Kept", "10.00", ""]], header=("sku", "name", "price", "description"))
    run_import(tenant, without)
    assert counts(run_import(tenant, without)) == (0, 0, 1, 1)
    # when: the description column is there, and empty
    run = run_import(tenant, cleared)
    # then
    assert counts(run) == (0, 1, 0, 0)
    assert Product.objects.for_tenant(tenant).get(sku="K-1").description == ""


def test_other_check_settings_send_every_row_through_the_checks(tenant):
    # given
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    # when: the checks read other settings (here the locales translations may use)
    with override_settings(CATALOG_LOCALES=["en", "de"]):
        again = run_import(tenant, data)
    # then
    assert counts(again) == (0, 0, 3, 0)


def test_fingerprints_of_one_tenant_never_skip_rows_of_another(tenant, other_tenant):
    # given
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    # when
    other = run_import(other_tenant, data)
    # then
    assert counts(other) == (3, 0, 0, 0)
    assert Product.objects.for_tenant(other_tenant).count() == 3
    assert counts(run_import(other_tenant, data)) == (0, 0, 3, 3)


def test_of_two_sibling_categories_with_one_name_the_oldest_takes_the_rows(tenant):
    # given: two "Drills" under Tools (different slugs); a new one must not take over rows
    tools = category_create(tenant=tenant, name="Tools")
    oldest = category_create(tenant=tenant, name="Drills", parent=tools, slug="drills")
    category_create(tenant=tenant, name="Drills", parent=tools, slug="drills-2")
    # when
    run_import(tenant, csv_bytes(ROWS[:1]))
    # then
    drill = Product.objects.for_tenant(tenant).get(sku="P-1")
    assert oldest.pk in {c.pk for c in drill.categories.all()}


@pytest.mark.django_db(transaction=True)
def test_a_product_saved_while_the_import_compares_it_gets_no_fingerprint_from_that_import(tenant):
    # given: an import, then a reorder that makes the next import compare every row
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    saws = Category.objects.for_tenant(tenant).get(name="Saws")
    category_update(tenant=tenant, category_id=saws.pk, position=saws.position + 5)
    drill = Product.objects.for_tenant(tenant).get(sku="P-1")
    saved = threading.Event()

    def save_the_drill() -> None:
        try:
            product_update(tenant=tenant, product_id=drill.pk, price="120.00")
            saved.set()
        finally:
            connections.close_all()

    def save_before_the_fingerprints_are_written(execute, statement, params, many, context):  # type: ignore[no-untyped-def]
        if statement == import_sql.REMEMBER_UNCHANGED_SQL and not saved.is_set():
            # a merchandiser saves P-1 after the import found it unchanged (version 1)
            merchandiser = threading.Thread(target=save_the_drill)
            merchandiser.start()
            merchandiser.join(timeout=30)
            assert saved.is_set(), "the save waited on the import"
        return execute(statement, params, many, context)

    # when: the import, on this thread's connection, records the unchanged rows after the save
    with connection.execute_wrapper(save_before_the_fingerprints_are_written):
        again = run_import(tenant, data, workers=1)
    third = run_import(tenant, data)
    # then: the save is not taken for the file's row: the next import compares P-1 and sets it back
    assert saved.is_set()
    assert counts(again) == (0, 0, 3, 0)
    assert counts(third) == (0, 1, 2, 2)
    drill.refresh_from_db()
    assert (str(drill.price), drill.version) == ("99.00", 3)


def _csv(rows: list[list[str]], header: tuple[str, ...] = HEADER, **dialect: object) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, **dialect)  # type: ignore[arg-type]
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def test_the_same_rows_with_other_line_ends_are_recognized(tenant):
    run_import(tenant, _csv(ROWS, lineterminator="\r\n"))
    again = run_import(tenant, _csv(ROWS, lineterminator="\n"))
    assert counts(again) == (0, 0, 3, 3)


def test_the_same_values_written_otherwise_are_compared_and_the_writing_file_keeps_its_fingerprints(tenant):
    # given: a file, then the same values quoted everywhere, then with the columns reordered
    data = _csv(ROWS)
    run_import(tenant, data)
    before = state(tenant)
    order = [4, 0, 2, 1, 3, 5, 6, 7, 8]
    reordered = _csv([[row[i] for i in order] for row in ROWS], tuple(HEADER[i] for i in order))
    # when
    quoted = run_import(tenant, _csv(ROWS, quoting=csv.QUOTE_ALL))
    moved = run_import(tenant, reordered)
    again = run_import(tenant, data)
    # then: other bytes are compared (and found unchanged); the first file is still recognized
    assert counts(quoted) == (0, 0, 3, 0)
    assert counts(moved) == (0, 0, 3, 0)
    assert counts(again) == (0, 0, 3, 3)
    assert state(tenant) == before


def test_a_change_on_the_second_line_of_a_multi_line_row_is_seen(tenant):
    # given: a row whose tags cell spans two lines
    rows = [[*row] for row in ROWS]
    rows[1][7] = "saw\nhand"
    run_import(tenant, _csv(rows))
    # when: the same file, then the second line of that cell changed
    again = run_import(tenant, _csv(rows))
    rows[1][7] = "saw\nwood"
    changed = run_import(tenant, _csv(rows))
    # then
    assert counts(again) == (0, 0, 3, 3)
    assert counts(changed) == (0, 1, 2, 2)
    assert Product.objects.for_tenant(tenant).get(sku="P-2").tags == ["saw\nwood"]
