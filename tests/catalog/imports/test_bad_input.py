"""Bad input: each case gets a clear message in the error report, and the valid rows still import."""

from __future__ import annotations

import pytest

from catalog import errors
from catalog.commands import product_create
from catalog.commands.imports import ImportRefused
from catalog.models import Product
from tests.catalog.imports.conftest import csv_bytes, jsonl_bytes, run_import

GOOD = ["OK-1", "Good row", "10.00", "", "1", "", "", "", ""]


def _row(**values: str) -> list[str]:
    row = dict(zip(("sku", "name", "price", "sale_price", "stock_quantity", "brand", "categories",
                    "tags", "attributes"), GOOD, strict=True))
    row.update(values)
    return list(row.values())


@pytest.mark.parametrize(("values", "column", "reason"), [
    ({"sku": ""}, "sku", errors.IMPORT_REQUIRED),
    ({"sku": "S" * 51}, "sku", errors.IMPORT_TOO_LONG.format(limit=50)),
    ({"name": "  "}, "name", errors.IMPORT_REQUIRED),
    ({"name": "n" * 256}, "name", errors.IMPORT_TOO_LONG.format(limit=255)),
    ({"price": ""}, "price", errors.IMPORT_REQUIRED),
    ({"price": "12,50"}, "price", errors.IMPORT_NOT_AMOUNT),
    ({"price": "1.005"}, "price", errors.IMPORT_NOT_AMOUNT),
    ({"price": "1e3"}, "price", errors.IMPORT_NOT_AMOUNT),
    ({"price": "123456789"}, "price", errors.IMPORT_NOT_AMOUNT),
    ({"price": "-3"}, "price", errors.PRICE_NOT_POSITIVE),
    ({"price": "0.00"}, "price", errors.PRICE_NOT_POSITIVE),
    ({"sale_price": "11.00"}, "sale_price", errors.SALE_PRICE_ABOVE_PRICE),
    ({"sale_price": "0"}, "sale_price", errors.SALE_PRICE_NOT_POSITIVE),
    ({"sale_price": "cheap"}, "sale_price", errors.IMPORT_NOT_AMOUNT),
    ({"stock_quantity": "-1"}, "stock_quantity", errors.STOCK_NEGATIVE),
    ({"stock_quantity": "2.5"}, "stock_quantity", errors.IMPORT_NOT_COUNT),
    ({"stock_quantity": "9999999999"}, "stock_quantity", errors.IMPORT_NOT_COUNT),
    ({"brand": "b" * 256}, "brand", errors.IMPORT_TOO_LONG.format(limit=255)),
    ({"categories": "Tools > > Drills"}, "categories", errors.IMPORT_CATEGORY_PATH),
    ({"categories": "Tools|"}, "categories", errors.IMPORT_CATEGORY_PATH),
    ({"categories": "c" * 256}, "categories", errors.IMPORT_CATEGORY_PATH),
    ({"tags": "a||b"}, "tags", errors.TAGS_INVALID),
    ({"tags": "t" * 51}, "tags", errors.TAGS_INVALID),
    ({"attributes": "{not json"}, "attributes", errors.ATTRIBUTES_NOT_OBJECT),
    ({"attributes": "[1, 2]"}, "attributes", errors.ATTRIBUTES_NOT_OBJECT),
])
def test_a_bad_value_rejects_its_row_with_the_column_and_reason(tenant, values, column, reason):
    # given
    data = csv_bytes([GOOD, _row(sku="BAD-1", **values) if "sku" not in values else _row(**values)])
    # when
    run = run_import(tenant, data)
    # then
    assert run.reasons() == {3: (column, reason)}
    assert run.result.inserted == 1
    assert run.result.rejected == 1
    assert list(Product.objects.for_tenant(tenant).values_list("sku", flat=True)) == ["OK-1"]


@pytest.mark.parametrize(("translations", "reason"), [
    ('{"xx": {"name": "a"}}', errors.TRANSLATION_LOCALE_UNKNOWN.format(locale="xx", allowed="en, de, fr")),
    ('{"de": "Bohrer"}', errors.TRANSLATION_SHAPE),
    ('{"de": {"name": 5}}', errors.TRANSLATION_SHAPE),
    ('{"de": {"name": "a", "colour": "red"}}', errors.TRANSLATION_SHAPE),
    ('{"de": {"name": "' + "n" * 256 + '"}}', errors.TRANSLATION_NAME_TOO_LONG.format(locale="de")),
    ("[]", errors.TRANSLATION_SHAPE),
])
def test_translations_follow_the_rules_of_the_model(tenant, translations, reason):
    # given
    data = csv_bytes([["T-1", "Drill", "5.00", translations]],
                     header=("sku", "name", "price", "translations"))
    # when
    run = run_import(tenant, data)
    # then
    assert run.reasons() == {2: ("translations", reason)}


def test_wrong_encoding_rejects_the_row_and_keeps_the_others(tenant):
    # given
    data = csv_bytes([GOOD]) + "LAT-1,Schlüssel,5.00,,1,,,,\n".encode("latin-1")
    # when
    run = run_import(tenant, data)
    # then
    assert run.reasons() == {3: ("", errors.IMPORT_ENCODING)}
    assert run.result.inserted == 1


def test_broken_quoting_and_wrong_field_counts_are_rejected_per_row(tenant):
    # given
    data = csv_bytes([GOOD]) + (
        b'Q-1,"Drill "big" red",5.00,,1,,,,\n'
        b"F-1,Too few,5.00\n"
        b"F-2,Too many,5.00,,1,,,,,extra\n"
        b"\n"
        b"OK-2,Also good,3.00,,1,,,,\n"
    )
    # when
    run = run_import(tenant, data)
    # then
    reasons = run.reasons()
    assert reasons[3][1].startswith("Broken CSV quoting:")
    assert reasons[4] == ("", errors.IMPORT_FIELD_COUNT.format(expected=9, found=3))
    assert reasons[5] == ("", errors.IMPORT_FIELD_COUNT.format(expected=9, found=10))
    assert sorted(Product.objects.for_tenant(tenant).values_list("sku", flat=True)) == ["OK-1", "OK-2"]


def test_a_nul_character_rejects_the_row(tenant):
    data = csv_bytes([GOOD]) + b"N-1,Nul\x00name,5.00,,1,,,,\n"
    run = run_import(tenant, data)
    assert run.reasons() == {3: ("", errors.IMPORT_NUL)}


def test_later_rows_with_the_same_sku_are_rejected_and_the_first_wins(tenant):
    # given: the duplicate is both inside a batch and across batches
    data = csv_bytes([_row(sku="D-1", name="First"), _row(sku="X-1"), _row(sku="D-1", name="Second"),
                      _row(sku=" D-1 ", name="Third")])
    # when
    run = run_import(tenant, data, batch_size=2)
    # then
    assert run.reasons() == {4: ("sku", errors.IMPORT_DUPLICATE_SKU.format(row=2)),
                             5: ("sku", errors.IMPORT_DUPLICATE_SKU.format(row=2))}
    assert Product.objects.for_tenant(tenant).get(sku="D-1").name == "First"


def test_a_lower_price_cannot_slip_under_the_stored_sale_price(tenant):
    # given
    product_create(tenant=tenant, sku="S-1", name="Saw", price="20.00", sale_price="15.00")
    data = csv_bytes([["S-1", "Saw", "10.00"]], header=("sku", "name", "price"))
    # when
    run = run_import(tenant, data)
    # then
    assert run.reasons() == {2: ("price", errors.SALE_PRICE_ABOVE_PRICE)}
    assert Product.objects.get(sku="S-1").price == 20


@pytest.mark.parametrize(("header", "message"), [
    (("sku", "name", "prcie"), errors.IMPORT_HEADER_UNKNOWN.format(
        columns="'prcie'", known=", ".join(__import__("catalog.fileformat").fileformat.COLUMNS))),
    (("sku", "name"), errors.IMPORT_HEADER_MISSING.format(columns="price")),
    (("sku", "name", "price", "name"), errors.IMPORT_HEADER_DUPLICATE.format(columns="name")),
])
def test_a_bad_header_refuses_the_whole_file(tenant, header, message):
    with pytest.raises(ImportRefused, match="^" + __import__("re").escape(message) + "$"):
        run_import(tenant, csv_bytes([["A", "B", "1.00"]], header=header))
    assert not Product.objects.exists()


def test_an_empty_file_and_an_unknown_format_are_refused(tenant):
    with pytest.raises(ImportRefused, match="empty"):
        run_import(tenant, b"")
    with pytest.raises(ImportRefused, match="Cannot tell the format"):
        run_import(tenant, b"sku,name,price\n", name="products.xlsx")


def test_json_lines_rows_are_checked_the_same_way(tenant):
    # given
    data = jsonl_bytes([
        {"sku": "J-1", "name": "Good", "price": 5, "tags": ["a", "b"], "attributes": {"m": "steel"}},
        {"sku": "J-2", "name": "Bad price", "price": "5,0"},
        {"sku": "J-3", "name": "Unknown key", "price": "5", "colour": "red"},
        {"sku": "J-4", "name": "Bad tags", "price": "5", "tags": "x", "attributes": [1]},
        {"sku": "J-5", "name": "Pipe", "price": "5", "tags": ["a|b"]},
    ]) + b'{"sku": "J-6", broken\n' + b'["not", "an object"]\n' + b"\n"
    # when
    run = run_import(tenant, data, name="feed.jsonl")
    # then
    reasons = run.reasons()
    assert reasons[2] == ("price", errors.IMPORT_NOT_AMOUNT)
    assert reasons[3][0] == "colour"
    assert reasons[3][1].startswith("Unknown key")
    assert reasons[4] == ("attributes", errors.ATTRIBUTES_NOT_OBJECT)
    assert reasons[5] == ("tags", errors.IMPORT_PIPE_IN_ITEM)
    assert reasons[6][1].startswith("Not a JSON object on one line")
    assert reasons[7] == ("", errors.IMPORT_JSON_NOT_OBJECT)
    product = Product.objects.for_tenant(tenant).get()
    assert (product.sku, product.tags, product.attributes) == ("J-1", ["a", "b"], {"m": "steel"})


def test_a_byte_order_mark_and_windows_line_ends_are_accepted(tenant):
    # given
    csv_file = b"\xef\xbb\xbfsku,name,price\r\nW-1,Windows,1.00\r\n"
    jsonl_file = b'\xef\xbb\xbf{"sku": "W-2", "name": "Bom", "price": "2.00"}\r\n'
    # when
    csv_run = run_import(tenant, csv_file)
    jsonl_run = run_import(tenant, jsonl_file, name="feed.jsonl")
    # then
    assert csv_run.report == []
    assert jsonl_run.report == []
    assert sorted(Product.objects.for_tenant(tenant).values_list("sku", flat=True)) == ["W-1", "W-2"]
