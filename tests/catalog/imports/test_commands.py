"""The operator commands: import_products and export_products, and the round trip between them."""

from __future__ import annotations

import csv
import gzip
import io

import pytest
from django.core.management import CommandError, call_command

from catalog import commands
from catalog.models import Product
from catalog.projections.bulk import project_bulk
from catalog.projections.outbox import process_batch
from tests.catalog.imports.conftest import csv_bytes, event_count, jsonl_bytes, state

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def project_all(tenant_id: int) -> None:
    """Project every pending and bulk event, as the workers would."""
    while process_batch():
        pass
    project_bulk(tenant_id=tenant_id)


def build_catalog(tenant) -> None:  # type: ignore[no-untyped-def]
    """Products made through the ordinary commands, with every kind of value."""
    tools = commands.category_create(tenant=tenant, name="Tools")
    drills = commands.category_create(tenant=tenant, name="Drills", parent=tools)
    sale = commands.category_create(tenant=tenant, name="Sale")
    bosch = commands.brand_create(tenant=tenant, name="Bosch")
    commands.product_create(
        tenant=tenant, sku="E-1", name="Drill, \"pro\"", price="99.90", sale_price="79.00",
        description="Line one\nline two, with comma", brand_id=bosch.pk,
        category_ids=[drills.pk, sale.pk], tags=["cordless", "pro"], stock_quantity=3,
        attributes={"voltage": 18, "nested": {"a": [1, 2]}},
        translations={"de": {"name": "Bohrer", "description": "Für Beton"}})
    commands.product_create(tenant=tenant, sku="E-2", name="Apron", price="5.00", is_active=False)


def export(tenant, file_format: str, tmp_path, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / f"export.{file_format}{suffix}"
    call_command("export_products", tenant=tenant.slug, format=file_format, output=str(path))
    return str(path)


@pytest.mark.parametrize(("file_format", "suffix"), [("csv", ""), ("jsonl", ""), ("csv", ".gz")])
def test_an_export_imported_again_changes_nothing(tenant, other_tenant, tmp_path, file_format, suffix):
    # given
    build_catalog(tenant)
    build_catalog(other_tenant)
    project_all(tenant.pk)
    before, events = state(tenant), event_count(tenant)
    path = export(tenant, file_format, tmp_path, suffix)
    # when
    out = io.StringIO()
    call_command("import_products", path, tenant=tenant.slug, no_progress=True, stdout=out)
    # then
    assert "unchanged   2" in out.getvalue()
    assert state(tenant) == before
    assert event_count(tenant) == events


def test_the_export_holds_the_tenants_read_rows_in_the_import_columns(tenant, other_tenant, tmp_path):
    # given
    build_catalog(tenant)
    commands.product_create(tenant=other_tenant, sku="OTHER", name="Not ours", price="1.00")
    project_all(tenant.pk)
    # when
    rows = list(csv.DictReader(open(export(tenant, "csv", tmp_path), encoding="utf-8")))  # noqa: SIM115
    # then
    assert [row["sku"] for row in rows] == ["E-1", "E-2"]
    assert rows[0]["categories"] == "Tools > Drills|Sale"
    assert rows[0]["brand"] == "Bosch"
    assert rows[0]["tags"] == "cordless|pro"
    assert (rows[0]["price"], rows[0]["sale_price"], rows[1]["is_active"]) == ("99.90", "79.00", "false")


def test_an_export_imported_into_another_tenant_rebuilds_the_catalog(tenant, other_tenant, tmp_path):
    # given
    build_catalog(tenant)
    project_all(tenant.pk)
    path = export(tenant, "jsonl", tmp_path)
    # when
    call_command("import_products", path, tenant=other_tenant.slug, no_progress=True, stdout=io.StringIO())
    # then
    ours = {sku: values[:7] + values[8:11] for sku, values in state(tenant).items()}
    theirs = {sku: values[:7] + values[8:11] for sku, values in state(other_tenant).items()}
    assert theirs == ours


def test_the_import_command_prints_a_summary_and_writes_the_error_report(tenant, tmp_path):
    # given
    path = tmp_path / "feed.csv.gz"
    path.write_bytes(gzip.compress(csv_bytes([["C-1", "Ok", "1.00", "", "", "Bosch", "A > B", "", ""],
                                              ["C-2", "Bad", "x", "", "", "", "", "", ""]])))
    out = io.StringIO()
    # when
    call_command("import_products", str(path), tenant=tenant.slug, no_progress=True, stdout=out)
    # then
    text = out.getvalue()
    assert "inserted    1" in text
    assert f"rejected    1 (see {tmp_path / 'feed.csv.errors.csv'})" in text
    assert "+ A > B" in text
    assert "+ Bosch" in text
    assert "rows/s" in text
    report = list(csv.reader(open(tmp_path / "feed.csv.errors.csv", encoding="utf-8")))  # noqa: SIM115
    assert report[0] == ["row", "column", "value", "reason"]
    assert report[1][:3] == ["3", "price", "x"]
    assert Product.objects.for_tenant(tenant).count() == 1


def test_the_import_command_refuses_a_bad_header_and_unknown_tenants(tenant, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(jsonl_bytes([{"sku": "J", "name": "n", "price": "1"}]))
    with pytest.raises(CommandError, match="no tenant 'nope'"):
        call_command("import_products", str(path), tenant="nope")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"sku,naem,price\n")
    with pytest.raises(CommandError, match="Unknown column"):
        call_command("import_products", str(bad), tenant=tenant.slug, no_progress=True)
    for option in ("--workers", "--batch-size"):
        with pytest.raises(CommandError, match=f"{option} must be 1 or more"):
            call_command("import_products", str(path), option, "0", tenant=tenant.slug)
    assert not Product.objects.for_tenant(tenant).exists()


@pytest.mark.django_db(transaction=True)
def test_the_import_command_merges_on_two_connections(tenant, tmp_path):
    # given
    path = tmp_path / "feed.csv"
    path.write_bytes(csv_bytes([[f"W-{n}", f"Item {n}", "1.00", "", "", f"Brand {n % 3}", "A > B", "", ""]
                                for n in range(30)]))
    out = io.StringIO()
    # when
    call_command("import_products", str(path), "--workers", "2", "--batch-size", "4",
                 tenant=tenant.slug, no_progress=True, stdout=out)
    # then
    assert "inserted    30" in out.getvalue()
    assert "30 in 8 batch(es)" in out.getvalue()
    assert Product.objects.for_tenant(tenant).count() == 30


def test_the_help_lists_the_columns_and_rules(capsys):
    with pytest.raises(SystemExit):
        call_command("import_products", "--help")
    text = capsys.readouterr().out
    assert "categories" in text
    assert "the first row with a SKU wins" in text

