"""Category tree, brands and statistics, served from the read side."""

from __future__ import annotations

import pytest

from catalog import commands
from tests.catalog.api.conftest import drain

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def _names(nodes: list[dict]) -> list:
    return [(node["name"], _names(node["children"])) if node["children"] else node["name"]
            for node in nodes]


def test_the_category_tree_nests_children_in_order_and_keeps_empty_categories(api, shop):
    # when
    response = api.get("/api/v1/categories/")
    # then
    assert response.status_code == 200
    tree = response.json()["results"]
    assert _names(tree) == [("Tools", ["Drills", "Saws"]), "Garden"]
    tools = tree[0]
    assert {key: tools[key] for key in ("id", "parent_id", "slug", "depth", "version")} == {
        "id": shop.categories["tools"].pk, "parent_id": None, "slug": "tools", "depth": 0,
        "version": 1}
    assert tools["children"][0]["parent_id"] == tools["id"]


def test_the_tree_follows_moves_renames_and_deletions_once_projected(api, shop):
    # given
    api.get("/api/v1/categories/")  # cached
    commands.category_update(tenant=shop.tenant, category_id=shop.categories["saws"].pk,
                             parent=shop.categories["garden"], name="Chainsaws")
    commands.category_create(tenant=shop.tenant, name="Hoses", parent=shop.categories["garden"])
    commands.category_delete(tenant=shop.tenant, category_id=shop.categories["drills"].pk)
    drain()
    # when
    tree = api.get("/api/v1/categories/").json()["results"]
    # then
    assert _names(tree) == ["Tools", ("Garden", ["Hoses", "Chainsaws"])]  # by position
    chainsaws = tree[1]["children"][1]
    assert (chainsaws["depth"], chainsaws["version"]) == (1, 2)


def test_brands_are_listed_by_name_unused_ones_included(api, shop):
    # given
    commands.brand_create(tenant=shop.tenant, name="Hilti")
    drain()
    # when
    brands = api.get("/api/v1/brands/").json()["results"]
    # then
    assert [b["name"] for b in brands] == ["Bosch", "Hilti", "Makita"]
    assert set(brands[0]) == {"id", "name", "slug", "updated_at", "version"}


def test_brands_come_in_keyset_pages_like_products(api, shop, other_shop):
    # given
    for name in ("Hilti", "Festool", "Fein", "Würth"):
        commands.brand_create(tenant=shop.tenant, name=name)
    drain()
    # when
    first = api.get("/api/v1/brands/", {"page_size": 2}).json()
    seen, url = [b["name"] for b in first["results"]], first["next"]
    while url:
        page = api.get(url).json()
        seen += [b["name"] for b in page["results"]]
        url = page["next"]
    # then
    assert seen == ["Bosch", "Fein", "Festool", "Hilti", "Makita", "Würth"]
    assert (set(first), first["page_size"]) == ({"results", "next_cursor", "next", "page_size"}, 2)
    assert first["next"].startswith("http://testserver/api/v1/brands/?page_size=2&cursor=")
    whole = api.get("/api/v1/brands/").json()
    assert (len(whole["results"]), whole["next_cursor"], whole["next"]) == (6, None, None)


def test_a_brand_cursor_is_bound_to_brands_and_the_tenant(api, other_api, shop, other_shop):
    # given
    brand_cursor = api.get("/api/v1/brands/", {"page_size": 1}).json()["next_cursor"]
    product_cursor = api.get("/api/v1/products/", {"page_size": 1}).json()["next_cursor"]
    # when
    responses = [api.get("/api/v1/brands/", {"cursor": product_cursor}),
                 api.get("/api/v1/brands/", {"cursor": brand_cursor[:-2]}),
                 other_api.get("/api/v1/brands/", {"cursor": brand_cursor}),
                 api.get("/api/v1/products/", {"cursor": brand_cursor})]
    # then
    assert [r.status_code for r in responses] == [400] * 4
    assert all(list(r.json()) == ["cursor"] for r in responses), [r.json() for r in responses]


@pytest.mark.parametrize("page_size", ["0", "101", "x"])
def test_a_brand_page_size_out_of_range_is_a_400_naming_it(api, shop, page_size):
    response = api.get("/api/v1/brands/", {"page_size": page_size})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_a_brand_rename_reaches_the_brand_list_and_the_products(api, shop):
    api.get("/api/v1/brands/")
    commands.brand_update(tenant=shop.tenant, brand_id=shop.brands["Makita"].pk, name="Makita XGT")
    drain()
    brands = api.get("/api/v1/brands/").json()["results"]
    assert [(b["name"], b["version"]) for b in brands] == [("Bosch", 1), ("Makita XGT", 2)]
    assert api.get("/api/v1/products/by-sku/D-2/").json()["brand_name"] == "Makita XGT"


def test_stats_count_products_prices_and_top_level_categories(api, shop):
    # when
    stats = api.get("/api/v1/stats/").json()
    # then
    assert {k: v for k, v in stats.items() if k not in {"categories", "last_updated_at"}} == {
        "product_count": 4, "available_count": 2, "price_min": "15.00", "price_max": "149.00"}
    assert stats["last_updated_at"] is not None
    assert [(c["name"], c["product_count"]) for c in stats["categories"]] == [
        ("Tools", 3), ("Garden", 0)]


def test_stats_of_an_empty_catalog(api, tenant, other_shop):
    drain()
    stats = api.get("/api/v1/stats/").json()
    assert stats == {"product_count": 0, "available_count": 0, "price_min": None,
                     "price_max": None, "last_updated_at": None, "categories": []}
