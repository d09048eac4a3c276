"""The product file format shared by import and export: columns, separators, limits.

CSV (UTF-8, comma, double quotes, header row) and JSON Lines (one object per
line) carry the same columns. In CSV the list columns hold items separated by
``|`` and the JSON columns hold JSON text; in JSON Lines they hold JSON values
(arrays, objects) or the same texts.
"""

from __future__ import annotations

COLUMNS = (
    "sku", "name", "description", "price", "sale_price", "currency", "stock_quantity",
    "is_active", "brand", "categories", "tags", "attributes", "translations",
)
REQUIRED_COLUMNS = ("sku", "name", "price")
LIST_COLUMNS = ("categories", "tags")
JSON_COLUMNS = ("attributes", "translations")
LIST_SEPARATOR = "|"
PATH_SEPARATOR = " > "

FORMATS = ("csv", "jsonl")

COLUMN_HELP = {
    "sku": "required, at most 50 characters; an existing SKU updates its product, a new one creates one",
    "name": "required, at most 255 characters",
    "description": "text; empty clears it",
    "price": "required; amount above 0 with a dot and at most 2 decimals, e.g. 19.90",
    "sale_price": "amount above 0 and not above price; empty clears it",
    "currency": "ISO 4217 code in capitals, e.g. EUR; empty: the tenant's default for new products",
    "stock_quantity": "whole number, 0 or more; empty: 0",
    "is_active": "true/false (also 1/0, yes/no, t/f); empty: true",
    "brand": "brand name; created when missing (matched by its slug); empty: no brand",
    "categories": "category paths separated by '|', names in a path by ' > ', e.g. "
                  "'Tools > Hand tools|Sale'; missing categories are created; empty: none",
    "tags": "tags separated by '|', each at most 50 characters",
    "attributes": "JSON object, e.g. {\"material\": \"steel\"}",
    "translations": "JSON object {locale: {\"name\": ..., \"description\": ...}}",
}


def column_help() -> str:
    """Return one line per column, for --help and the README."""
    return "\n".join(f"  {name:<15} {text}" for name, text in COLUMN_HELP.items())
