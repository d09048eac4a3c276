"""Product details by id and by SKU: versions, ETags and conditional requests."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from catalog import commands
from tests.catalog.api.conftest import drain

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def test_a_product_is_shown_by_id_with_an_etag_of_its_version(api, shop):
    # given
    product = shop.products["D-1"]
    # when
    response = api.get(f"/api/v1/products/{product.pk}/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["sku"], body["version"]) == (str(product.pk), "D-1", product.version)
    assert response["ETag"].startswith(f'"v{product.version}.')
    assert response["Cache-Control"] == "private, no-cache"


def test_a_product_is_shown_by_sku_with_the_same_body_and_etag(api, shop):
    by_id = api.get(f"/api/v1/products/{shop.products['S-1'].pk}/")
    by_sku = api.get("/api/v1/products/by-sku/S-1/")
    assert by_sku.status_code == 200
    assert (by_sku.json(), by_sku["ETag"]) == (by_id.json(), by_id["ETag"])


@pytest.mark.parametrize("sku", ["A/B 1", "Ü-100", "50%+x", "with.dot"])
def test_skus_with_any_printable_characters_are_found(api, shop, sku):
    # given
    commands.product_create(tenant=shop.tenant, sku=sku, name="Odd", price="1.00")
    drain()
    # when
    response = api.get(f"/api/v1/products/by-sku/{quote(sku, safe='')}/")
    # then
    assert (response.status_code, response.json()["sku"]) == (200, sku)


def test_if_none_match_with_the_current_etag_is_a_304(api, shop):
    # given
    url = f"/api/v1/products/{shop.products['D-1'].pk}/"
    etag = api.get(url)["ETag"]
    # when
    same = api.get(url, HTTP_IF_NONE_MATCH=etag)
    weak = api.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    other = api.get(url, HTTP_IF_NONE_MATCH='"v1.000000000000"')
    # then
    assert (same.status_code, same.content, same["ETag"]) == (304, b"", etag)
    assert weak.status_code == 304
    assert other.status_code == 200


def test_the_etag_changes_with_the_version(api, shop):
    # given
    product = shop.products["D-1"]
    url = f"/api/v1/products/{product.pk}/"
    etag = api.get(url)["ETag"]
    commands.product_update(tenant=shop.tenant, product_id=product.pk, name="Cordless drill 2")
    drain()
    # when
    response = api.get(url, HTTP_IF_NONE_MATCH=etag)
    # then
    assert response.status_code == 200
    assert response.json()["version"] == product.version + 1
    assert response["ETag"].startswith(f'"v{product.version + 1}.')


def test_the_etag_changes_when_a_brand_rename_changes_what_the_product_shows(api, shop):
    # given: a rename changes brand_name in the read row without a new product version
    url = f"/api/v1/products/{shop.products['D-1'].pk}/"
    before = api.get(url)
    commands.brand_update(tenant=shop.tenant, brand_id=shop.brands["Bosch"].pk, name="Bosch Pro")
    drain()
    # when
    after = api.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    # then
    assert after.status_code == 200
    assert after.json()["brand_name"] == "Bosch Pro"
    assert after.json()["version"] == before.json()["version"]
    assert after["ETag"] != before["ETag"]


def test_an_unknown_product_is_a_404(api, shop):
    assert api.get(f"/api/v1/products/{uuid.uuid4()}/").status_code == 404
    assert api.get("/api/v1/products/by-sku/NOPE/").status_code == 404


def test_a_product_created_after_a_cached_404_is_found_once_projected(api, shop):
    # given
    assert api.get("/api/v1/products/by-sku/NEW-1/").status_code == 404
    product = commands.product_create(tenant=shop.tenant, sku="NEW-1", name="New", price="5.00")
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 404  # not projected yet
    # when
    drain()
    # then
    assert api.get("/api/v1/products/by-sku/NEW-1/").status_code == 200
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 200
