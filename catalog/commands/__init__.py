"""Write use-cases: validation, the write, and (through signals or the bulk helper) its events."""

from catalog.commands.products import (
    product_create,
    product_delete,
    product_update,
    products_bulk_update,
)
from catalog.commands.taxonomy import (
    brand_create,
    brand_delete,
    brand_update,
    category_create,
    category_delete,
    category_update,
)

__all__ = [
    "brand_create",
    "brand_delete",
    "brand_update",
    "category_create",
    "category_delete",
    "category_update",
    "product_create",
    "product_delete",
    "product_update",
    "products_bulk_update",
]
