"""Record which read rows the search index has yet to take, in the read row's own transaction.

The search projection (catalog.projections.search) drains this queue on its own,
so Elasticsearch being down never holds up the read table, and nothing written
to the read table is lost for the index. Without Elasticsearch nothing is queued:
the PostgreSQL search backend reads the read table itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from catalog.read.models import REVISION_SEQUENCE

QUEUE_TABLE = "catalog_read_searchqueueentry"


def search_sync_enabled() -> bool:
    """Tell whether read-row changes must reach an Elasticsearch index."""
    return bool(settings.ELASTICSEARCH_URL)


def enqueue_changed(cursor: Any, *, source: str) -> None:
    """Queue every product of ``source`` (a table with tenant_id and id columns)."""
    if search_sync_enabled():
        cursor.execute(
            f"INSERT INTO {QUEUE_TABLE} (tenant_id, product_id) SELECT tenant_id, id FROM {source}"
        )


def enqueue_ids(cursor: Any, *, tenant_id: int, product_ids: Sequence[Any]) -> None:
    """Queue these products of the tenant, whose read rows changed."""
    if product_ids and search_sync_enabled():
        cursor.execute(
            f"INSERT INTO {QUEUE_TABLE} (tenant_id, product_id) SELECT %s, unnest(%s::uuid[])",
            [tenant_id, [str(i) for i in product_ids]],
        )


def enqueue_deleted(cursor: Any, *, tenant_id: int, product_ids: Sequence[Any]) -> None:
    """Queue deleted products with the revision their deleted marker will carry."""
    if product_ids and search_sync_enabled():
        cursor.execute(
            f"INSERT INTO {QUEUE_TABLE} (tenant_id, product_id, revision)"
            f" SELECT %s, id, nextval('{REVISION_SEQUENCE}') FROM unnest(%s::uuid[]) AS id",
            [tenant_id, [str(i) for i in product_ids]],
        )
