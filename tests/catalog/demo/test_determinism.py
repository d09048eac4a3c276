"""The same seed gives the same catalog; another tenant gets its own copy, sharing nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from catalog.models import Brand, Category, Event, Product, ProductCategory, Tenant
from tests.catalog.demo.seeded import catalog_rows, seed

pytestmark = pytest.mark.django_db


class Discard(Exception):
    """Roll back a seed so the same tenant can be seeded again."""


def seeded_then_discarded(*args: str) -> list[tuple]:
    """Seed tenant acme, return its rows (with ids), and roll everything back."""
    with pytest.raises(Discard), transaction.atomic():
        seed("acme", 1200, *args)
        rows = catalog_rows(Tenant.objects.get(slug="acme"))
        raise Discard
    assert not Tenant.objects.filter(slug="acme").exists()
    return rows


def test_the_same_seed_gives_identical_products_ids_prices_and_categories():
    # when
    first = seeded_then_discarded("--seed", "7")
    second = seeded_then_discarded("--seed", "7")
    # then
    assert first == second
    assert len({row[0] for row in first}) == 1200


def test_another_seed_gives_another_catalog():
    # when
    first = seeded_then_discarded("--seed", "7")
    second = seeded_then_discarded("--seed", "8")
    # then
    assert [row[1] for row in first] == [row[1] for row in second]  # the SKUs
    assert {row[0] for row in first}.isdisjoint(row[0] for row in second)
    assert [row[2:6] for row in first] != [row[2:6] for row in second]  # names, prices


def test_a_second_tenant_with_the_same_seed_gets_the_same_articles_and_shares_nothing():
    # given
    seed("acme", 800, "--sku-prefix", "DEM")
    # when
    seed("globex", 800, "--sku-prefix", "DEM")
    # then: the same SKUs, names, prices and category names
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    assert catalog_rows(acme, with_ids=False) == catalog_rows(globex, with_ids=False)
    # and no id, brand, category, link or event is shared
    ids = {t: set(Product.objects.for_tenant(t).values_list("pk", flat=True)) for t in (acme, globex)}
    assert ids[acme].isdisjoint(ids[globex])
    for tenant, other in ((acme, globex), (globex, acme)):
        products = Product.objects.for_tenant(tenant)
        assert not products.exclude(brand__tenant=tenant).exists()
        assert not ProductCategory.objects.filter(product__in=products).exclude(
            category__tenant=tenant).exists()
        assert not Category.objects.for_tenant(tenant).exclude(parent=None).exclude(
            parent__tenant=tenant).exists()
        event_ids = set(Event.objects.filter(tenant=tenant).values_list("aggregate_id", flat=True))
        assert event_ids.isdisjoint(str(pk) for pk in ids[other])
        assert Brand.objects.for_tenant(tenant).count() == 12
