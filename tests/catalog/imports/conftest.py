"""Helpers for import tests: files built in memory, the import run, and what it left behind."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from django.db import connection

from catalog.commands.imports import ImportResult, import_products
from catalog.models import Event, Product, Tenant

HEADER = ("sku", "name", "price", "sale_price", "stock_quantity", "brand", "categories", "tags",
          "attributes")


def csv_bytes(rows: Iterable[Iterable[Any]], header: Iterable[str] = HEADER) -> bytes:
    """Return a CSV file with ``header`` and ``rows``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def jsonl_bytes(objects: Iterable[dict[str, Any]]) -> bytes:
    """Return a JSON Lines file of ``objects``."""
    return b"".join(orjson.dumps(item) + b"\n" for item in objects)


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


class Run:
    """One import run: its result and its error report as rows."""

    def __init__(self, result: ImportResult, report: str) -> None:
        self.result = result
        self.report = list(csv.DictReader(io.StringIO(report)))

    def reasons(self) -> dict[int, tuple[str, str]]:
        """Return ``{row: (column, reason)}`` of the error report."""
        return {int(r["row"]): (r["column"], r["reason"]) for r in self.report}


def run_import(tenant: Tenant, data: bytes, *, name: str = "products.csv", **options: Any) -> Run:
    """Import ``data`` into ``tenant`` and return the result with the error report."""
    report = io.StringIO()
    result = import_products(tenant=tenant, source=io.BytesIO(data), name=name, error_report=report,
                             **options)
    return Run(result, report.getvalue())


def state(tenant: Tenant) -> dict[str, tuple[Any, ...]]:
    """Return every product of the tenant as ``{sku: (fields..., version, category ids)}``."""
    products = Product.objects.for_tenant(tenant).prefetch_related("categories")
    return {p.sku: (p.name, p.description, p.price, p.sale_price, p.currency, p.stock_quantity,
                    p.is_active, p.brand_id, p.tags, p.attributes, p.translations, p.version,
                    sorted(c.pk for c in p.categories.all())) for p in products}


def event_count(tenant: Tenant) -> int:
    return Event.objects.for_tenant(tenant).count()


@contextlib.contextmanager
def failing_insert(sku: str) -> Iterator[None]:
    """Make inserting the product ``sku`` raise a database error ("disk on fire") while inside."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.sku = '{sku}' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER boom BEFORE INSERT ON catalog_product FOR EACH ROW EXECUTE FUNCTION boom();
        """)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER boom ON catalog_product; DROP FUNCTION boom();")
