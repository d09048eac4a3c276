"""The Elasticsearch document of a product, built from its read row (never from the write side).

The mapping stays within what a core Elasticsearch 9 node offers (standard
analyzer, keyword, long, date, boolean, completion): no language analyzers or
plugins, so the same index works on the integ-test distribution the tests run.
"""

from __future__ import annotations

import json
from typing import Any

from django_elasticsearch_dsl import Document, fields
from django_elasticsearch_dsl.registries import registry

from catalog.read.models import ProductView

# The read-row columns a document is built from.
SOURCE_FIELDS = (
    "id", "tenant_id", "sku", "name", "description", "effective_price", "brand_id", "brand_name",
    "category_ids", "category_tree_ids", "tags", "attributes", "translations", "is_available",
    "created_at", "updated_at", "version", "revision",
)


def _text_with_keyword(**kwargs: Any) -> fields.TextField:
    return fields.TextField(fields={"raw": fields.KeywordField(ignore_above=256)}, **kwargs)


@registry.register_document
class ProductDocument(Document):
    """A product in the shared search index (routed by tenant id, versioned by read-row revision)."""

    tenant_id = fields.LongField()
    deleted = fields.BooleanField()
    sku = fields.KeywordField(fields={"text": fields.TextField()})
    name = _text_with_keyword()
    description = fields.TextField()
    # Every translated name and description, whatever the locale: the standard analyzer
    # serves German and English alike (the zip has no language analyzers).
    i18n_name = fields.TextField()
    i18n_description = fields.TextField()
    tags = _text_with_keyword()
    brand_id = fields.LongField()
    brand_name = _text_with_keyword()
    category_ids = fields.LongField()
    category_tree_ids = fields.LongField()
    price_cents = fields.LongField()
    is_available = fields.BooleanField()
    attribute_pairs = fields.KeywordField()  # "name=value", for the attr.<name> filter
    created_at = fields.DateField()
    updated_at = fields.DateField()
    version = fields.LongField()
    suggest = fields.CompletionField(contexts=[{"name": "tenant", "type": "category"}])

    class Index:
        name = "catalog-products"  # the default alias; settings.SEARCH_INDEX_ALIAS decides at run time

    class Django:
        model = ProductView
        fields: list[str] = []


def attribute_pair(name: str, value: Any) -> str:
    """Return the keyword an attribute is filtered by: strings as they are, other values as JSON."""
    return f"{name}={value if isinstance(value, str) else json.dumps(value)}"


def document_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """Return the document body of a read row (a dict with SOURCE_FIELDS)."""
    translations = row["translations"] or {}
    names = [t["name"] for t in translations.values() if isinstance(t, dict) and t.get("name")]
    descriptions = [t["description"] for t in translations.values()
                    if isinstance(t, dict) and t.get("description")]
    tenant = str(row["tenant_id"])
    return {
        "tenant_id": row["tenant_id"],
        "deleted": False,
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "i18n_name": names,
        "i18n_description": descriptions,
        "tags": row["tags"],
        "brand_id": row["brand_id"],
        "brand_name": row["brand_name"],
        "category_ids": row["category_ids"],
        "category_tree_ids": row["category_tree_ids"],
        "price_cents": int(row["effective_price"] * 100),
        "is_available": row["is_available"],
        "attribute_pairs": [attribute_pair(k, v) for k, v in (row["attributes"] or {}).items()
                            if not isinstance(v, (dict, list))],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
        "suggest": {"input": [row["name"][:50], row["sku"]], "contexts": {"tenant": [tenant]}},
    }


def deleted_marker(tenant_id: int) -> dict[str, Any]:
    """Return the body that replaces a deleted product's document (no text, no suggestion)."""
    return {"tenant_id": tenant_id, "deleted": True}
