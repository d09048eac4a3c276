"""Tenant isolation on every endpoint: A's key never sees or changes B's data."""

from __future__ import annotations

import pytest

from catalog.models import Product
from tests.catalog.api.conftest import skus

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def test_the_list_shows_only_the_keys_tenant(api, other_api, shop, other_shop):
    mine, theirs = api.get("/api/v1/products/"), other_api.get("/api/v1/products/")
    assert {r["id"] for r in mine.json()["results"]} == {str(p.pk) for p in shop.products.values()}
    assert {r["id"] for r in theirs.json()["results"]} == {
        str(p.pk) for p in other_shop.products.values()}


def test_another_tenants_product_is_a_404_like_a_missing_one(api, shop, other_shop):
    # given: both tenants have a product with SKU D-1
    theirs = other_shop.products["D-1"]
    # when
    by_id = api.get(f"/api/v1/products/{theirs.pk}/")
    missing = api.get("/api/v1/products/00000000-0000-4000-8000-000000000000/")
    by_sku = api.get("/api/v1/products/by-sku/D-1/")
    # then
    assert (by_id.status_code, by_id.json()) == (missing.status_code, missing.json()) == (
        404, {"detail": "Not found."})
    assert by_sku.json()["id"] == str(shop.products["D-1"].pk)


def test_another_tenants_category_or_brand_filters_to_nothing(api, shop, other_shop):
    assert skus(api.get("/api/v1/products/", {"category": other_shop.categories["tools"].pk})) == []
    assert skus(api.get("/api/v1/products/", {"brand": other_shop.brands["Bosch"].pk})) == []


def test_another_tenants_cursor_is_refused(api, other_api, shop, other_shop):
    cursor = other_api.get("/api/v1/products/", {"page_size": 1}).json()["next_cursor"]
    response = api.get("/api/v1/products/", {"page_size": 1, "cursor": cursor})
    assert (response.status_code, list(response.json())) == (400, ["cursor"])


def test_taxonomy_and_stats_show_only_the_keys_tenant(api, shop, other_shop):
    categories = api.get("/api/v1/categories/").json()["results"]
    brands = api.get("/api/v1/brands/").json()["results"]
    stats = api.get("/api/v1/stats/").json()
    assert {c["id"] for c in categories} == {shop.categories["tools"].pk, shop.categories["garden"].pk}
    assert {b["id"] for b in brands} == {b.pk for b in shop.brands.values()}
    assert [c["id"] for c in stats["categories"]] == [
        shop.categories["tools"].pk, shop.categories["garden"].pk]
    assert stats["product_count"] == len(shop.products)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_commands_cannot_touch_another_tenants_product(api, shop, other_shop, method):
    # given
    theirs = other_shop.products["D-1"]
    # when
    response = getattr(api, method)(f"/api/v1/commands/products/{theirs.pk}/",
                                    {"sku": "D-1", "name": "hijacked", "price": "1.00"}, format="json")
    # then
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert Product.objects.get(pk=theirs.pk).name == "Cordless drill"


def test_a_created_product_belongs_to_the_keys_tenant_whatever_the_body_says(api, shop, other_shop):
    response = api.post("/api/v1/commands/products/", {
        "sku": "N-1", "name": "New", "price": "1.00", "tenant": other_shop.tenant.pk}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["tenant"])
    response = api.post("/api/v1/commands/products/", {"sku": "N-1", "name": "New", "price": "1.00"},
                        format="json")
    assert Product.objects.get(pk=response.json()["id"]).tenant_id == shop.tenant.pk


def test_the_same_sku_in_two_tenants_is_cached_apart(api, other_api, shop, other_shop):
    assert api.get("/api/v1/products/by-sku/D-1/").json()["id"] == str(shop.products["D-1"].pk)
    assert other_api.get("/api/v1/products/by-sku/D-1/").json()["id"] == str(
        other_shop.products["D-1"].pk)
