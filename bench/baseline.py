"""What a Django team would write first: project one product at a time through the ORM."""

from __future__ import annotations

from typing import Any

from catalog.models import Product
from catalog.read.models import ProductView


def naive_row(product: Product) -> dict[str, Any]:
    """Build a read row in Python with the ORM's related managers."""
    categories = list(product.categories.all())
    tree: set[int] = set()
    paths = []
    for category in categories:
        ancestors = []
        node = category
        while node is not None:  # one query per ancestor: the classic N+1
            ancestors.append(node)
            tree.add(node.pk)
            node = node.parent
        paths.append(" > ".join(a.name for a in reversed(ancestors)))
    return {
        "tenant_id": product.tenant_id, "sku": product.sku, "name": product.name,
        "description": product.description, "price": product.price, "sale_price": product.sale_price,
        "effective_price": product.effective_price, "currency": product.currency,
        "brand_id": product.brand_id, "brand_name": product.brand.name if product.brand else "",
        "category_ids": [c.pk for c in categories], "category_tree_ids": sorted(tree),
        "category_paths": paths, "tags": product.tags, "attributes": product.attributes,
        "translations": product.translations, "stock_quantity": product.stock_quantity,
        "is_active": product.is_active,
        "is_available": product.is_active and product.stock_quantity > 0,
        "created_at": product.created_at, "updated_at": product.updated_at, "version": product.version,
    }


def naive_project(product_id: Any) -> None:
    """Project one product: load it, build the row, update_or_create."""
    product = Product.objects.select_related("brand").get(pk=product_id)
    ProductView.objects.update_or_create(id=product.pk, defaults=naive_row(product))
