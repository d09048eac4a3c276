"""Creating, editing and deleting products through the admin goes through the domain rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog import errors
from catalog.admin.forms import TRANSLATION_NAME_REQUIRED, VERSION_CONFLICT
from catalog.events import EventType
from catalog.models import Event, Product
from tests.catalog.admin.conftest import event_count, form_errors, product_form_data

pytestmark = pytest.mark.django_db

ADD_URL = "admin:catalog_product_add"


def events_of(product: Product) -> list[Event]:
    return list(Event.objects.filter(aggregate_type="product", aggregate_id=str(product.pk))
                .order_by("id"))


def test_add_form_sets_the_tenant_and_records_the_event_with_the_user_as_actor(
        merch_client, merchandiser, shop, other_shop):
    # when
    response = merch_client.post(reverse(ADD_URL), product_form_data())
    # then
    assert response.status_code == 302, form_errors(response)
    product = Product.objects.get(sku="NEW-1")
    assert product.tenant == shop.tenant
    [event] = events_of(product)
    assert (event.event_type, event.actor, event.tenant, event.aggregate_version) == (
        EventType.PRODUCT_CREATED, merchandiser, shop.tenant, 1)


def test_add_form_saves_tags_attributes_translations_and_categories(merch_client, merchandiser,
                                                                    shop, other_shop):
    # when
    response = merch_client.post(reverse(ADD_URL), product_form_data(
        brand=shop.brand.pk, category_ids=[shop.tools.pk, shop.wrenches.pk],
        tags=" steel, metric,, steel ,DIN 933", attributes='{"thread": "M8"}',
        translation_name_de="Drehmomentschlüssel", translation_description_de="Präzise",
        translation_name_fr="Clé dynamométrique",
    ))
    # then
    assert response.status_code == 302, form_errors(response)
    product = Product.objects.get(sku="NEW-1")
    assert product.brand == shop.brand
    assert set(product.categories.all()) == {shop.tools, shop.wrenches}
    assert product.tags == ["steel", "metric", "DIN 933"]
    assert product.attributes == {"thread": "M8"}
    assert product.translations == {
        "de": {"name": "Drehmomentschlüssel", "description": "Präzise"},
        "fr": {"name": "Clé dynamométrique", "description": ""},
    }
    assert [e.event_type for e in events_of(product)] == [
        EventType.PRODUCT_CREATED, EventType.PRODUCT_CATEGORIES_CHANGED]
    assert {e.actor for e in events_of(product)} == {merchandiser}


def test_add_form_offers_translations_for_every_locale_but_the_tenants_own(merch_client, shop):
    form = merch_client.get(reverse(ADD_URL)).context["adminform"].form
    assert [n for n in form.fields if n.startswith("translation_name_")] == [
        "translation_name_de", "translation_name_fr"]
    assert form.fields["translation_name_de"].label == "Name (de)"
    assert form.initial["currency"] == "EUR"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"price": "0"}, "price", errors.PRICE_NOT_POSITIVE),
    ({"price": "-5.00"}, "price", errors.PRICE_NOT_POSITIVE),
    ({"price": "1.999"}, "price", "Ensure that there are no more than 2 decimal places."),
    ({"sale_price": "60.00"}, "sale_price", errors.SALE_PRICE_ABOVE_PRICE),
    ({"sale_price": "0"}, "sale_price", errors.SALE_PRICE_NOT_POSITIVE),
    ({"stock_quantity": "-1"}, "stock_quantity", errors.STOCK_NEGATIVE),
    ({"sku": "S" * 51}, "sku", "Ensure this value has at most 50 characters (it has 51)."),
    ({"name": "N" * 256}, "name", "Ensure this value has at most 255 characters (it has 256)."),
    ({"currency": "eur"}, "currency", errors.CURRENCY_INVALID),
    ({"attributes": "[1, 2]"}, "attributes", errors.ATTRIBUTES_NOT_OBJECT),
    ({"attributes": "{oops"}, "attributes", "Enter a valid JSON."),
    ({"tags": "ok, " + "t" * 51}, "tags", None),
    ({"translation_description_de": "Nur Text"}, "translation_name_de", TRANSLATION_NAME_REQUIRED),
    ({"translation_name_de": "x" * 256}, "translation_name_de", None),
])
def test_invalid_input_is_an_error_on_its_field_and_writes_nothing(merch_client, shop, other_shop,
                                                                   overrides, field, message):
    # given
    before = event_count()
    # when
    response = merch_client.post(reverse(ADD_URL), product_form_data(**overrides))
    # then
    assert response.status_code == 200
    found = form_errors(response)
    assert list(found) == [field]
    if message is not None:
        assert found[field] == [message]
    assert not Product.objects.filter(tenant=shop.tenant, sku=overrides.get("sku", "NEW-1")).exists()
    assert event_count() == before


def test_a_sku_used_in_the_tenant_is_refused(merch_client, shop, other_shop):
    before = event_count()
    response = merch_client.post(reverse(ADD_URL), product_form_data(sku="W-100"))
    assert form_errors(response) == {"sku": [errors.SKU_DUPLICATE]}
    assert Product.objects.filter(sku="W-100").count() == 1
    assert event_count() == before


def test_a_sku_used_only_in_another_tenant_is_accepted(merch_client, shop, other_shop):
    response = merch_client.post(reverse(ADD_URL), product_form_data(sku="G-100"))
    assert response.status_code == 302, form_errors(response)
    assert set(Product.objects.filter(sku="G-100").values_list("tenant_id", flat=True)) == {
        shop.tenant.pk, other_shop.tenant.pk}


def change_data(product: Product, **overrides: object) -> dict:
    """Return the POST body of the product's change form as loaded, with ``overrides``."""
    data = product_form_data(
        sku=product.sku, name=product.name, price=str(product.price),
        stock_quantity=product.stock_quantity, brand=product.brand_id or "",
        category_ids=list(product.categories.values_list("pk", flat=True)),
        expected_version=product.version,
    )
    data.update(overrides)
    return data


def test_change_form_records_an_update_with_the_changed_fields_and_the_actor(
        merch_client, merchandiser, shop, other_shop):
    # given
    product = Product.objects.get(pk=shop.product.pk)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    # when
    response = merch_client.post(url, change_data(product, price="17.50", stock_quantity="9"))
    # then
    assert response.status_code == 302, form_errors(response)
    event = events_of(product)[-1]
    assert (event.event_type, event.actor, event.aggregate_version) == (
        EventType.PRODUCT_UPDATED, merchandiser, product.version + 1)
    assert event.payload == {"changes": {"price": ["19.90", "17.50"], "stock_quantity": [5, 9]}}
    assert Product.objects.get(pk=product.pk).price == Decimal("17.50")


def test_change_form_moves_categories_with_one_event(merch_client, shop, other_shop):
    # given
    product = Product.objects.get(pk=shop.product.pk)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    before = len(events_of(product))
    # when
    response = merch_client.post(url, change_data(product, category_ids=[shop.tools.pk]))
    # then: one event; the unchanged fields add none
    assert response.status_code == 302, form_errors(response)
    [event] = events_of(product)[before:]
    assert event.event_type == EventType.PRODUCT_CATEGORIES_CHANGED
    assert event.payload == {"changes": {"category_ids": [[shop.wrenches.pk], [shop.tools.pk]]}}
    assert event.aggregate_version == product.version + 1


def test_change_form_refuses_a_save_based_on_an_older_version(merch_client, shop, other_shop):
    # given: the form was opened, then someone else saved
    product = Product.objects.get(pk=shop.product.pk)
    opened_at = product.version
    stale = change_data(product, name="Mine")
    product.name = "Theirs"
    product.save()
    before = event_count()
    # when
    response = merch_client.post(reverse("admin:catalog_product_change", args=[product.pk]), stale)
    # then
    assert response.status_code == 200
    assert form_errors(response)["__all__"] == [VERSION_CONFLICT.format(
        actual=opened_at + 1, expected=opened_at)]
    assert Product.objects.get(pk=product.pk).name == "Theirs"
    assert event_count() == before


def test_change_form_shows_and_keeps_translations(merch_client, shop, other_shop):
    # given: a French text and a Spanish one the form does not offer
    product = Product.objects.get(pk=shop.product.pk)
    product.translations = {"fr": {"name": "Clé", "description": ""},
                            "en": {"name": "Wrench", "description": "Own locale"}}
    product.save()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    # when
    form = merch_client.get(url).context["adminform"].form
    response = merch_client.post(url, change_data(
        Product.objects.get(pk=product.pk), translation_name_de="Schlüssel",
        translation_name_fr=""))
    # then
    assert form.initial["translation_name_fr"] == "Clé"
    assert response.status_code == 302, form_errors(response)
    assert Product.objects.get(pk=product.pk).translations == {
        "de": {"name": "Schlüssel", "description": ""},
        "en": {"name": "Wrench", "description": "Own locale"},
    }


def test_delete_view_records_the_deletion_with_the_actor(merch_client, merchandiser, shop,
                                                         other_shop):
    url = reverse("admin:catalog_product_delete", args=[shop.product.pk])
    response = merch_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    event = events_of(shop.product)[-1]
    assert (event.event_type, event.actor) == (EventType.PRODUCT_DELETED, merchandiser)


def test_delete_selected_records_a_deletion_per_product_with_the_actor(merch_client, merchandiser,
                                                                       shop, other_shop):
    # given
    second = Product.objects.create(tenant=shop.tenant, sku="W-200", name="Spanner", price="5")
    # when
    response = merch_client.post(reverse("admin:catalog_product_changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": [shop.product.pk, second.pk],
    })
    # then
    assert response.status_code == 302
    assert not Product.objects.filter(tenant=shop.tenant).exists()
    for product in (shop.product, second):
        event = events_of(product)[-1]
        assert (event.event_type, event.actor) == (EventType.PRODUCT_DELETED, merchandiser)


def test_mark_inactive_action_changes_the_selected_products_with_events(merch_client, merchandiser,
                                                                        shop, other_shop):
    response = merch_client.post(reverse("admin:catalog_product_changelist"), {
        "action": "mark_inactive", "_selected_action": [shop.product.pk, other_shop.product.pk],
    })
    assert response.status_code == 302
    assert Product.objects.get(pk=shop.product.pk).is_active is False
    assert Product.objects.get(pk=other_shop.product.pk).is_active is True
    event = events_of(shop.product)[-1]
    assert (event.payload, event.actor) == ({"changes": {"is_active": [True, False]}}, merchandiser)
