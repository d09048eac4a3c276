"""Take the product trigram indexes off during a large load, and build them again after.

Inserting into the two trigram GIN indexes costs more than everything else of
a product row together; building them from scratch costs a third of that per
row. So a load that at least doubles the product table drops them and builds
them afterwards, each on its own connection (catalog.bulk_indexes). A run that
was killed before rebuilding them leaves them missing, and the next run builds
them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.postgres.indexes import GinIndex
from django.db.models import Index

from catalog.bulk_indexes import IndexWork, indexes_off, table_rows
from catalog.models import Product

__all__ = ["IndexWork", "product_rows", "trigram_indexes", "trigram_indexes_off"]


def trigram_indexes() -> list[Index]:
    """Return the product indexes a large load drops and rebuilds."""
    return [index for index in Product._meta.indexes if isinstance(index, GinIndex)]


def _pairs() -> list[tuple[type[Product], Index]]:
    return [(Product, index) for index in trigram_indexes()]


def product_rows(*, using: str) -> int:
    """Return the number of rows in the product table, all tenants (planner estimate if analysed)."""
    return table_rows(Product, using=using)


@contextmanager
def trigram_indexes_off(*, using: str, drop: bool) -> Iterator[IndexWork]:
    """Drop the trigram indexes for the block if ``drop``; after it, build any that are missing."""
    with indexes_off(_pairs(), using=using, drop=drop, workers=len(_pairs())) as work:
        yield work
