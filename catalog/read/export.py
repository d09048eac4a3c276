"""Export a tenant's products from the read side in the import format (CSV or JSON Lines).

PostgreSQL renders the file (COPY … TO STDOUT) from ProductView on the read
alias and streams it in chunks: constant memory whatever the tenant's size.
Importing the export into the same tenant changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections

from catalog.fileformat import COLUMNS
from catalog.read.models import ProductView

READ_ALIAS = "read"

# Each column of the file as an SQL expression over the read row, in COLUMNS order.
_EXPRESSIONS = {
    "sku": "sku", "name": "name", "description": "description", "price": "price::text",
    "sale_price": "sale_price::text", "currency": "currency",
    "stock_quantity": "stock_quantity::text",
    "is_active": "CASE WHEN is_active THEN 'true' ELSE 'false' END", "brand": "brand_name",
    "categories": "array_to_string(category_paths, '|')", "tags": "array_to_string(tags, '|')",
    "attributes": "attributes::text", "translations": "translations::text",
}
_JSON_EXPRESSIONS = {
    **{column: _EXPRESSIONS[column] for column in ("sku", "name", "description", "currency",
                                                   "price", "sale_price")},
    "stock_quantity": "stock_quantity", "is_active": "is_active",
    "brand": "nullif(brand_name, '')", "categories": "to_jsonb(category_paths)",
    "tags": "to_jsonb(tags)", "attributes": "attributes", "translations": "translations",
}
_TABLE = ProductView._meta.db_table


def _query(file_format: str) -> str:
    if file_format == "csv":
        select = ", ".join(f"{_EXPRESSIONS[c]} AS {c}" for c in COLUMNS)
        options = "FORMAT csv, HEADER"
    else:
        pairs = ", ".join(f"'{c}', {_JSON_EXPRESSIONS[c]}" for c in COLUMNS)
        select = f"jsonb_build_object({pairs})::text"
        # JSON text has no raw control characters: with these never-used delimiter and
        # quote bytes, csv format writes each document as it is, one per line.
        options = "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'"
    return (f"COPY (SELECT {select} FROM {_TABLE} WHERE tenant_id = %s ORDER BY sku)"
            f" TO STDOUT WITH ({options})")


def export_products(*, tenant_id: int, file_format: str, write: Callable[[bytes], Any]) -> int:
    """Stream the tenant's read rows to ``write`` as CSV or JSON Lines; return bytes written."""
    assert file_format in {"csv", "jsonl"}, "file_format is csv or jsonl."
    written = 0
    with connections[READ_ALIAS].cursor() as cursor:
        query = cursor.cursor.mogrify(_query(file_format), [tenant_id])
        with cursor.cursor.copy(query) as copy:
            for chunk in copy:
                write(bytes(chunk))
                written += len(chunk)
    return written
