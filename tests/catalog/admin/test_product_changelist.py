"""The product list stays cheap, searches SKU and name, and filters within the tenant."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import commands
from catalog.admin.products import ProductAdmin
from catalog.admin.search import substring_search
from catalog.models import Product
from tests.catalog.admin.conftest import build_shop, changelist_rows

pytestmark = pytest.mark.django_db

URL = "admin:catalog_product_changelist"


def add_products(shop, count: int, *, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Add ``count`` products spread over the shop's categories, with and without brand."""
    for i in range(start, start + count):
        commands.product_create(
            tenant=shop.tenant, sku=f"BULK-{i:03}", name=f"Bulk item {i}", price="3.50",
            brand_id=shop.brand.pk if i % 2 else None,
            category_ids=[shop.tools.pk] if i % 3 else [shop.tools.pk, shop.wrenches.pk],
        )


def skus(response) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(product.sku for product in changelist_rows(response))


def test_changelist_queries_do_not_grow_with_the_number_of_products(
        merch_client, shop, other_shop, django_assert_max_num_queries):
    # given
    add_products(shop, 3)
    with CaptureQueriesContext(connection) as few:
        changelist_rows(merch_client.get(reverse(URL)))
    add_products(shop, 32, start=3)
    # when
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        rows = changelist_rows(merch_client.get(reverse(URL)))
    # then
    assert len(rows) == 36
    assert len(many) == len(few) <= 12


def test_changelist_shows_brand_effective_price_and_version(merch_client, shop, other_shop):
    # given
    shop.product.sale_price = "15.00"
    shop.product.save()
    # when
    html = merch_client.get(reverse(URL)).content.decode()
    # then
    assert "Bahco" in html
    assert "15.00" in html
    assert "Stanley" not in html


@pytest.mark.parametrize(("term", "expected"), [
    ("W-100", ["W-100"]),
    ("w-1", ["W-100"]),
    ("bulk-00", ["BULK-000", "BULK-001"]),
    ("ITEM 1", ["BULK-001"]),
    ("adjustable wrench", ["W-100"]),
    ("wrench adjustable", ["W-100"]),
    ('"wrench adjustable"', []),
    ("G-100", []),
    ("100%", []),
    ("_", []),
])
def test_search_matches_part_of_a_sku_or_name_ignoring_case(merch_client, shop, other_shop, term,
                                                            expected):
    add_products(shop, 2)
    assert skus(merch_client.get(reverse(URL), {"q": term})) == expected


def test_search_can_use_the_trigram_indexes(shop):
    # given: a query as the admin builds it
    queryset = substring_search(Product.objects.all(), "wrench", ProductAdmin.search_fields)
    # when: the planner may not fall back to reading the whole table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # nor walk a whole btree index with a filter (the costs can tip that way once
        # autovacuum has analyzed the small test table)
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = queryset.explain()
    # then
    assert "product_sku_trgm" in plan, plan
    assert "product_name_trgm" in plan, plan


def test_brand_filter_lists_the_tenants_brands_and_filters(merch_client, shop, other_shop):
    add_products(shop, 4)
    response = merch_client.get(reverse(URL), {"brand": shop.brand.pk})
    assert skus(response) == ["BULK-001", "BULK-003", "W-100"]


def test_category_filter_includes_the_categories_below(merch_client, shop, other_shop):
    # given: W-100 is in Wrenches (below Tools); BULK-000 in both; BULK-001 in Tools only
    add_products(shop, 2)
    # when
    in_tools = merch_client.get(reverse(URL), {"category": shop.tools.pk})
    in_wrenches = merch_client.get(reverse(URL), {"category": shop.wrenches.pk})
    # then: each product once, however many of its categories match
    assert skus(in_tools) == ["BULK-000", "BULK-001", "W-100"]
    assert skus(in_wrenches) == ["BULK-000", "W-100"]


def test_category_filter_offers_the_top_of_the_tree_and_the_chosen_category(merch_client, shop,
                                                                            other_shop):
    # given
    deep = commands.category_create(tenant=shop.tenant, name="Torque", parent=shop.wrenches)
    # when
    unfiltered = merch_client.get(reverse(URL))
    filtered = merch_client.get(reverse(URL), {"category": deep.pk})

    def labels(response) -> list[str]:  # type: ignore[no-untyped-def]
        spec = next(f for f in response.context["cl"].filter_specs if f.title == "category")
        return [label.strip() for _, label in spec.lookup_choices]

    # then
    assert labels(unfiltered) == ["Tools", "Wrenches"]
    assert labels(filtered) == ["Tools", "Wrenches", "Torque"]


@pytest.mark.parametrize(("availability", "expected"), [
    ("in_stock", ["W-100"]), ("out_of_stock", ["EMPTY"]), ("inactive", ["OFF"]),
])
def test_availability_filter(merch_client, shop, other_shop, availability, expected):
    commands.product_create(tenant=shop.tenant, sku="EMPTY", name="x", price="1", stock_quantity=0)
    commands.product_create(tenant=shop.tenant, sku="OFF", name="x", price="1", stock_quantity=4,
                            is_active=False)
    assert skus(merch_client.get(reverse(URL), {"availability": availability})) == expected


def test_an_unknown_filter_value_is_refused_without_an_error_page(merch_client, shop):
    response = merch_client.get(reverse(URL), {"category": "tools"})
    assert response.status_code == 302
    assert response.url.endswith("?e=1")


def test_superuser_sees_every_tenant_and_filters_by_tenant(superuser_client, shop, other_shop):
    # when
    everything = superuser_client.get(reverse(URL))
    globex = superuser_client.get(reverse(URL), {"tenant__id__exact": other_shop.tenant.pk})
    # then
    assert skus(everything) == ["G-100", "W-100"]
    assert skus(globex) == ["G-100"]
    specs = {f.title: f for f in globex.context["cl"].filter_specs}
    assert [label for _, label in specs["brand"].lookup_choices] == ["Stanley"]


def test_superuser_list_queries_do_not_grow_either(superuser_client, shop, other_shop):
    with CaptureQueriesContext(connection) as few:
        changelist_rows(superuser_client.get(reverse(URL)))
    add_products(shop, 10)
    build_shop(shop.tenant.__class__.objects.create(slug="third", name="Third"), sku="T-1")
    with CaptureQueriesContext(connection) as many:
        changelist_rows(superuser_client.get(reverse(URL)))
    assert len(many) == len(few)
