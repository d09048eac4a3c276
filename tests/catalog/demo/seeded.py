"""Seed tenants through the command and fingerprint what a seed wrote (shared by the tests here)."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from catalog.models import Category, Product, ProductCategory, Tenant


def seed(tenant: str, products: int, *args: str) -> str:
    """Run ``seed_demo`` with a small tree and return its output."""
    out = StringIO()
    call_command("seed_demo", "--tenant", tenant, "--products", str(products), "--categories", "60",
                 "--brands", "12", "--no-progress", *args, stdout=out)
    return out.getvalue()


def category_names(tenant: Tenant) -> dict[int, str]:
    """Return each category's id mapped to its chain of slugs from the root (``fasteners/nuts``)."""
    categories = {c.pk: c for c in Category.objects.for_tenant(tenant)}
    return {
        pk: "/".join(categories[int(part)].slug for part in c.path.strip("/").split("/"))
        for pk, c in categories.items()
    }


def catalog_rows(tenant: Tenant, *, with_ids: bool = True) -> list[tuple[Any, ...]]:
    """Return every product of the tenant with its brand and categories, by SKU, ids optional."""
    names = category_names(tenant)
    links: dict[Any, list[str]] = {}
    for product_id, category_id in ProductCategory.objects.filter(product__tenant=tenant).values_list(
        "product_id", "category_id"
    ):
        links.setdefault(product_id, []).append(names[category_id])
    fields = ("id", "sku", "name", "description", "price", "sale_price", "currency", "stock_quantity",
              "is_active", "brand__slug", "tags", "attributes", "translations", "version")
    return [
        (*(row[1:] if not with_ids else row), sorted(links[row[0]]))
        for row in Product.objects.for_tenant(tenant).order_by("sku").values_list(*fields)
    ]
