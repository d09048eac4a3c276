"""Command endpoints: create, replace, update and delete through the command layer."""

from __future__ import annotations

import pytest

from catalog import errors
from catalog.api.keys import hash_token
from catalog.api.parsers import MAX_BODY_BYTES
from catalog.models import ApiKey, Event, Product
from tests.catalog.api.conftest import drain

pytestmark = pytest.mark.django_db(databases=["default", "read"])

CREATE = "/api/v1/commands/products/"


def command_url(product: Product | str) -> str:
    return f"/api/v1/commands/products/{getattr(product, 'pk', product)}/"


def test_create_returns_201_with_id_version_and_the_consistency_hint(api, shop):
    # when
    response = api.post(CREATE, {
        "sku": "N-1", "name": "Impact driver", "price": "89.90", "brand_id": shop.brands["Bosch"].pk,
        "category_ids": [shop.categories["drills"].pk], "tags": ["pro"],
        "attributes": {"voltage": 18}, "translations": {"de": {"name": "Schlagschrauber"}},
    }, format="json")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    product = Product.objects.get(pk=body["id"])
    assert (body["sku"], body["version"]) == ("N-1", product.version)
    assert body["consistency"]["version"] == product.version
    assert body["consistency"]["read_url"] == f"http://testserver/api/v1/products/{product.pk}/"
    assert response["Location"] == body["consistency"]["read_url"]
    assert (product.tenant_id, product.currency, product.updated_by_id) == (shop.tenant.pk, "EUR", None)
    assert list(product.categories.values_list("pk", flat=True)) == [shop.categories["drills"].pk]


def test_a_created_product_is_readable_once_projected(api, shop):
    # given
    body = api.post(CREATE, {"sku": "N-1", "name": "Impact driver", "price": "89.90"},
                    format="json").json()
    assert api.get(body["consistency"]["read_url"]).status_code == 404  # eventually consistent
    # when
    drain()
    # then
    read = api.get(body["consistency"]["read_url"]).json()
    assert (read["sku"], read["version"]) == ("N-1", body["version"])


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"price": "-1.00"}, "price", errors.PRICE_NOT_POSITIVE),
    ({"price": "10.00", "sale_price": "12.00"}, "sale_price", errors.SALE_PRICE_ABOVE_PRICE),
    ({"sku": "D-1"}, "sku", errors.SKU_DUPLICATE),
    ({"stock_quantity": -1}, "stock_quantity", errors.STOCK_NEGATIVE),
    ({"currency": "eur"}, "currency", errors.CURRENCY_INVALID),
    ({"tags": [""]}, "tags", None),
    ({"translations": {"xx": {"name": "x"}}}, "translations", None),
    ({"attributes": ["not", "an", "object"]}, "attributes", None),
    ({"price": "abc"}, "price", None),
    ({"price": "1.999"}, "price", None),
    ({"name": ""}, "name", None),
    ({"sku": "x" * 51}, "sku", None),
    ({"brand_id": "x"}, "brand_id", None),
    ({"category_ids": [0]}, "category_ids", None),
    ({"attributes": {"a": "b\x00"}}, "attributes", None),
    ({"version": 3}, "version", errors.UNKNOWN_FIELD),
])
def test_invalid_fields_are_a_400_naming_them_and_write_nothing(api, shop, payload, field, message):
    # given
    events = Event.objects.count()
    # when
    response = api.post(CREATE, {"sku": "N-1", "name": "New", "price": "5.00", **payload},
                        format="json")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert Event.objects.count() == events


def test_another_tenants_brand_and_categories_are_rejected_by_field(api, shop, other_shop):
    response = api.post(CREATE, {
        "sku": "N-1", "name": "New", "price": "5.00", "brand_id": other_shop.brands["Bosch"].pk,
    }, format="json")
    assert response.json() == {"brand_id": [errors.BRAND_OTHER_TENANT]}
    response = api.post(CREATE, {
        "sku": "N-1", "name": "New", "price": "5.00",
        "category_ids": [other_shop.categories["tools"].pk],
    }, format="json")
    assert list(response.json()) == ["category_ids"]


def test_patch_changes_the_given_fields_and_returns_the_new_version(api, shop):
    # given
    product = shop.products["D-1"]
    # when
    response = api.patch(command_url(product), {"stock_quantity": 0}, format="json")
    # then
    assert response.status_code == 200
    product.refresh_from_db()
    assert (response.json()["version"], product.stock_quantity, product.name) == (
        product.version, 0, "Cordless drill")


def test_put_replaces_the_product_resetting_what_is_left_out(api, shop):
    # given
    product = shop.products["D-1"]
    # when
    response = api.put(command_url(product), {"sku": "D-1", "name": "Drill", "price": "50.00"},
                       format="json")
    # then
    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.name, product.sale_price, product.brand_id, product.tags, product.attributes) == (
        "Drill", None, None, [], {})
    assert not product.categories.exists()
    assert response.json()["version"] == product.version


def test_put_requires_the_full_product(api, shop):
    response = api.put(command_url(shop.products["D-1"]), {"name": "Drill"}, format="json")
    assert (response.status_code, set(response.json())) == (400, {"sku", "price"})


def test_delete_is_a_204_and_the_product_disappears_from_reads_once_projected(api, shop):
    # given
    product = shop.products["X-1"]
    # when
    response = api.delete(command_url(product))
    drain()
    # then
    assert (response.status_code, response.content) == (204, b"")
    assert not Product.objects.filter(pk=product.pk).exists()
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_with_an_old_version_is_a_409_and_changes_nothing(api, shop, method):
    # given
    product = shop.products["D-1"]
    stale = product.version - 1
    # when
    response = getattr(api, method)(command_url(product), {"sku": "D-1", "name": "x", "price": "1.00"},
                                    format="json", HTTP_IF_MATCH=f'"v{stale}"')
    # then
    assert response.status_code == 409
    assert response.json() == {
        "detail": errors.VERSION_CONFLICT.format(expected=stale, actual=product.version),
        "expected_version": stale, "current_version": product.version}
    assert Product.objects.get(pk=product.pk).version == product.version


def test_if_match_with_the_current_version_or_etag_applies_the_change(api, shop):
    # given
    product = shop.products["D-1"]
    etag = api.get(f"/api/v1/products/{product.pk}/")["ETag"]
    # when
    first = api.patch(command_url(product), {"name": "A"}, format="json", HTTP_IF_MATCH=etag)
    second = api.patch(command_url(product), {"name": "B"}, format="json",
                       HTTP_IF_MATCH=str(first.json()["version"]))
    again = api.patch(command_url(product), {"name": "C"}, format="json", HTTP_IF_MATCH=etag)
    # then: the second writer with the old ETag loses
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 409)
    assert Product.objects.get(pk=product.pk).name == "B"


def test_a_malformed_if_match_is_a_400_naming_it(api, shop):
    response = api.patch(command_url(shop.products["D-1"]), {"name": "A"}, format="json",
                         HTTP_IF_MATCH="yesterday")
    assert (response.status_code, list(response.json())) == (400, ["If-Match"])


def test_commands_on_a_missing_or_invalid_id_are_404_and_400(api, shop):
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.patch(command_url(missing), {"name": "A"}, format="json").status_code == 404
    assert api.delete(command_url(missing)).status_code == 404
    assert api.delete(command_url("nope")).json() == {"id": ["Must be a valid UUID."]}


def test_an_oversized_body_is_rejected_by_name(api, shop):
    response = api.post(CREATE, {"sku": "N-1", "name": "N", "price": "1.00",
                                 "description": "x" * MAX_BODY_BYTES}, format="json")
    assert (response.status_code, list(response.json())) == (413, ["body"])


def test_malformed_json_is_a_400_naming_the_body(api, shop):
    response = api.generic("POST", CREATE, b'{"sku": ', content_type="application/json")
    assert (response.status_code, list(response.json())) == (400, ["body"])


def test_a_body_that_is_not_an_object_is_a_400(api, shop):
    response = api.post(CREATE, ["sku"], format="json")
    assert (response.status_code, list(response.json())) == (400, ["non_field_errors"])


def test_command_responses_are_not_cacheable(api, shop):
    response = api.patch(command_url(shop.products["D-1"]), {"name": "A"}, format="json")
    assert response["Cache-Control"] == "no-store"


def test_events_of_api_key_writes_name_the_key_as_the_actor(api, keys, shop, other_shop):
    # given
    prefix = ApiKey.objects.get(key_hash=hash_token(keys.full)).prefix
    # when: create, update (fields and categories), delete
    created = api.post(CREATE, {"sku": "N-1", "name": "Impact driver", "price": "89.90"},
                       format="json").json()
    api.patch(command_url(created["id"]), {"name": "Impact wrench",
                                           "category_ids": [shop.categories["drills"].pk]},
              format="json")
    api.delete(command_url(created["id"]))
    # then
    events = Event.objects.for_tenant(shop.tenant).filter(aggregate_id=created["id"]).order_by("id")
    assert [e.event_type for e in events] == [
        "ProductCreated", "ProductUpdated", "ProductCategoriesChanged", "ProductDeleted"]
    assert {(e.actor_id, e.actor_label, e.actor_name) for e in events} == {
        (None, f"api-key:{prefix}", f"api-key:{prefix}")}


def test_events_of_writes_without_an_actor_are_the_systems(shop):
    event = Event.objects.for_tenant(shop.tenant).filter(aggregate_id=str(shop.products["D-1"].pk)).first()
    assert (event.actor_id, event.actor_label, event.actor_name) == (None, "", "system")
