"""Seeded data obeys the model's rules, as if every product had gone through the commands."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.conf import settings

from catalog.models import Category, Product, Tenant
from tests.catalog.demo.seeded import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> Tenant:
    seed("acme", 2000, "--categories", "120")
    return Tenant.objects.get(slug="acme")


def test_every_sampled_product_passes_full_clean(acme):
    for product in Product.objects.for_tenant(acme).order_by("sku")[::20]:
        product.full_clean()


def test_prices_stock_and_translations_are_within_the_rules(acme):
    products = list(Product.objects.for_tenant(acme))
    assert all(p.price > 0 for p in products)
    assert all(p.sale_price is None or 0 < p.sale_price <= p.price for p in products)
    assert all(p.stock_quantity >= 0 for p in products)
    assert all(p.currency == acme.default_currency for p in products)
    assert all(set(p.translations) == {"en", "de"} <= set(settings.CATALOG_LOCALES) for p in products)
    assert all(p.translations["en"]["name"] == p.name for p in products)
    assert all(uuid.UUID(str(p.pk)).version == 8 for p in products)


def test_the_mix_looks_like_a_catalog(acme):
    products = list(Product.objects.for_tenant(acme))
    share = Counter()
    for p in products:
        share["sale"] += p.sale_price is not None
        share["inactive"] += not p.is_active
        share["out of stock"] += p.stock_quantity == 0
    assert 0.15 < share["sale"] / len(products) < 0.25
    assert 0.01 < share["inactive"] / len(products) < 0.06
    assert 0.04 < share["out of stock"] / len(products) < 0.12
    assert len({p.name for p in products}) > 1000
    assert len({p.brand_id for p in products}) == 12


def test_category_paths_and_depths_follow_the_parents(acme):
    categories = {c.pk: c for c in Category.objects.for_tenant(acme)}
    for category in categories.values():
        parent_path = categories[category.parent_id].path if category.parent_id else "/"
        assert category.path == f"{parent_path}{category.pk}/"
        assert category.depth == category.path.count("/") - 2
    assert max(c.depth for c in categories.values()) >= 3


def test_products_sit_mostly_in_leaf_categories(acme):
    parents = set(Category.objects.for_tenant(acme).exclude(parent=None).values_list("parent_id", flat=True))
    placed = Product.categories.through.objects.filter(product__tenant=acme).values_list(
        "category_id", flat=True)
    in_leaves = sum(category_id not in parents for category_id in placed)
    assert in_leaves / len(placed) > 0.8
