"""The Elasticsearch document of a product, built from its read row (never from the write side).

The mapping stays within what a core Elasticsearch 9 node offers (standard
analyzer, keyword, long, date_nanos, boolean): no language analyzers or
plugins, so the same index works on the integ-test distribution the tests run.
"""

from __future__ import annotations

import json
from typing import Any

from django_elasticsearch_dsl import Document, fields
from django_elasticsearch_dsl.registries import registry
from elasticsearch.dsl.field import DateNanos

from catalog.read.models import ProductView

# Words and their frequencies, no positions: enough for word matching and scoring, and
# positions of the long descriptions were a large share of the cost of indexing.
WORDS_ONLY = "freqs"
# The version of the fields below, kept in the index's _meta. An index built for another
# version is not searched (the PostgreSQL fallback answers) until `search_reindex` builds
# one for this version. 2: the searchable text besides the names is one field. 3: the
# times to the microsecond (date_nanos), as the read table holds them.
MAPPING_VERSION = 3


class DateNanosField(fields.DEDField, DateNanos):
    """A date kept to the nanosecond: ``date`` keeps milliseconds, so products created in
    the same millisecond sorted by SKU on Elasticsearch and by time on PostgreSQL."""


def _text_with_keyword(**kwargs: Any) -> fields.TextField:
    return fields.TextField(fields={"raw": fields.KeywordField(ignore_above=256)}, **kwargs)


@registry.register_document
class ProductDocument(Document):
    """A product in the shared search index (routed by tenant id, versioned by read-row revision)."""

    tenant_id = fields.LongField()
    deleted = fields.BooleanField()
    sku = fields.KeywordField()
    name = _text_with_keyword()  # the one field with positions: phrases are matched on names
    # Every translated name, whatever the locale: the standard analyzer serves German and
    # English alike (the zip has no language analyzers).
    i18n_name = fields.TextField(index_options=WORDS_ONLY)
    # Everything else a search finds words in: SKU, brand, tags, description and the
    # translated descriptions. One field rather than one each: a query reads a posting
    # list per word and field, and with seven fields that was most of its time at a
    # million products. Matches are the same, and scores nearly: combined_fields scores
    # its fields as one field anyway; only the small extra weight of tags (1.5) and SKU
    # words (2) is gone.
    text = fields.TextField(index_options=WORDS_ONLY)
    tags = fields.KeywordField(ignore_above=256)
    brand_id = fields.LongField()
    category_ids = fields.LongField()
    category_tree_ids = fields.LongField()
    price_cents = fields.LongField()
    is_available = fields.BooleanField()
    attribute_pairs = fields.KeywordField()  # "name=value", for the attr.<name> filter
    created_at = DateNanosField()
    updated_at = DateNanosField()
    version = fields.LongField()

    class Index:
        name = "catalog-products"  # the default alias; settings.SEARCH_INDEX_ALIAS decides at run time

    class Django:
        model = ProductView
        fields: list[str] = []


def attribute_pair(name: str, value: Any) -> str:
    """Return the keyword an attribute filter looks for: strings as they are, other values as JSON."""
    return f"{name}={value if isinstance(value, str) else json.dumps(value)}"


# The document of a read row ``v``, built by PostgreSQL as JSON text: the index build
# streams these without a Python object per row. Attribute values: strings as they
# are, numbers and booleans as JSON (what attribute_pair() looks for).
DOCUMENT_SQL = """json_build_object(
    'tenant_id', v.tenant_id, 'deleted', false, 'sku', v.sku, 'name', v.name,
    'i18n_name', jsonb_path_query_array(v.translations, '$.*.name ? (@.type() == "string")'),
    'text', jsonb_build_array(v.sku, v.brand_name, v.description) || to_jsonb(v.tags)
        || jsonb_path_query_array(v.translations, '$.*.description ? (@.type() == "string")'),
    'tags', v.tags, 'brand_id', v.brand_id,
    'category_ids', v.category_ids, 'category_tree_ids', v.category_tree_ids,
    'price_cents', (v.effective_price * 100)::bigint, 'is_available', v.is_available,
    'attribute_pairs', ARRAY(
        SELECT a.key || '=' || CASE jsonb_typeof(a.value) WHEN 'string' THEN a.value #>> '{}'
                                    ELSE a.value::text END
        FROM jsonb_each(v.attributes) a WHERE jsonb_typeof(a.value) IN ('string', 'number', 'boolean')),
    'created_at', v.created_at, 'updated_at', v.updated_at, 'version', v.version
)::text"""

DOCUMENTS_SQL = f"""
SELECT v.id::text, v.tenant_id, v.revision, {DOCUMENT_SQL}
FROM catalog_read_productview v
"""


def deleted_marker(tenant_id: int) -> str:
    """Return the JSON that replaces a deleted product's document (no text)."""
    return json.dumps({"tenant_id": tenant_id, "deleted": True})
