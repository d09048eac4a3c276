"""Bad input through the command layer: a field-named error, and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog import commands, errors
from catalog.models import Event, Product

pytestmark = pytest.mark.django_db

VALID = {"sku": "B-1", "name": "Hex bolt", "price": "1.20"}


def assert_rejected(field: str, message: str, **kwargs) -> None:
    """Check that the command raises on ``field`` with ``message`` and writes nothing."""
    products, events = Product.objects.count(), Event.objects.count()
    with pytest.raises(ValidationError) as caught:
        commands.product_create(**kwargs)
    assert message in caught.value.message_dict[field], caught.value.message_dict
    assert (Product.objects.count(), Event.objects.count()) == (products, events)


def test_duplicate_sku_in_the_same_tenant_is_rejected(tenant):
    commands.product_create(tenant=tenant, **VALID)
    assert_rejected("sku", errors.SKU_DUPLICATE, tenant=tenant, **VALID)


def test_the_same_sku_in_another_tenant_is_fine(tenant, other_tenant):
    commands.product_create(tenant=tenant, **VALID)
    product = commands.product_create(tenant=other_tenant, **VALID)
    assert product.tenant == other_tenant
    assert product.currency == "USD"  # the tenant's default


@pytest.mark.parametrize("price", ["0", "-1.00", "0.00"])
def test_price_must_be_positive(tenant, price):
    assert_rejected("price", errors.PRICE_NOT_POSITIVE, tenant=tenant, **{**VALID, "price": price})


def test_price_with_more_than_two_decimals_is_rejected(tenant):
    assert_rejected("price", "Ensure that there are no more than 2 decimal places.",
                    tenant=tenant, **{**VALID, "price": "1.234"})


def test_price_that_is_not_a_number_is_rejected(tenant):
    assert_rejected("price", "“abc” value must be a decimal number.",
                    tenant=tenant, **{**VALID, "price": "abc"})


def test_sale_price_above_price_is_rejected(tenant):
    assert_rejected("sale_price", errors.SALE_PRICE_ABOVE_PRICE,
                    tenant=tenant, **VALID, sale_price="1.21")


def test_sale_price_equal_to_price_is_fine(tenant):
    product = commands.product_create(tenant=tenant, **VALID, sale_price="1.20")
    assert product.effective_price == Decimal("1.20")


def test_negative_stock_is_rejected(tenant):
    assert_rejected("stock_quantity", errors.STOCK_NEGATIVE, tenant=tenant, **VALID,
                    stock_quantity=-1)


def test_brand_of_another_tenant_is_rejected(tenant, other_tenant):
    foreign = commands.brand_create(tenant=other_tenant, name="Würth")
    assert_rejected("brand", errors.BRAND_OTHER_TENANT, tenant=tenant, **VALID, brand_id=foreign.pk)


def test_category_of_another_tenant_is_rejected(tenant, other_tenant):
    foreign = commands.category_create(tenant=other_tenant, name="Tools")
    assert_rejected("categories", errors.CATEGORY_OTHER_TENANT.format(ids=foreign.pk),
                    tenant=tenant, **VALID, category_ids=[foreign.pk])


@pytest.mark.parametrize(("field", "length", "message"), [
    ("sku", 51, "Ensure this value has at most 50 characters (it has 51)."),
    ("name", 256, "Ensure this value has at most 255 characters (it has 256)."),
])
def test_over_long_fields_are_rejected(tenant, field, length, message):
    assert_rejected(field, message, tenant=tenant, **{**VALID, field: "x" * length})


def test_unknown_translation_locale_is_rejected(tenant):
    assert_rejected("translations", errors.TRANSLATION_LOCALE_UNKNOWN.format(
        locale="xx", allowed="en, de, fr"), tenant=tenant, **VALID,
        translations={"xx": {"name": "?"}})


def test_unknown_field_is_rejected(tenant):
    assert_rejected("colour", errors.UNKNOWN_FIELD, tenant=tenant, **VALID, colour="red")


def test_update_of_another_tenants_product_looks_like_a_missing_one(tenant, other_tenant):
    foreign = commands.product_create(tenant=other_tenant, **VALID)
    with pytest.raises(Product.DoesNotExist):
        commands.product_update(tenant=tenant, product_id=foreign.pk, name="mine now")
    assert Product.objects.get(pk=foreign.pk).name == "Hex bolt"


def test_update_with_a_stale_expected_version_is_a_conflict(tenant):
    product = commands.product_create(tenant=tenant, **VALID)
    commands.product_update(tenant=tenant, product_id=product.pk, name="v2")
    with pytest.raises(errors.VersionConflict) as caught:
        commands.product_update(tenant=tenant, product_id=product.pk, name="v3", expected_version=1)
    assert str(caught.value) == errors.VERSION_CONFLICT.format(expected=1, actual=2)
    assert Product.objects.get(pk=product.pk).name == "v2"


def test_invalid_update_changes_nothing(tenant):
    product = commands.product_create(tenant=tenant, **VALID)
    with pytest.raises(ValidationError):
        commands.product_update(tenant=tenant, product_id=product.pk, name="ok", price="-5")
    stored = Product.objects.get(pk=product.pk)
    assert (stored.name, stored.version, Event.objects.count()) == ("Hex bolt", 1, 1)


def test_moving_a_category_under_its_own_subcategory_is_rejected(tenant):
    root = commands.category_create(tenant=tenant, name="Tools")
    child = commands.category_create(tenant=tenant, name="Drills", parent=root)
    with pytest.raises(ValidationError) as caught:
        commands.category_update(tenant=tenant, category_id=root.pk, parent=child)
    assert caught.value.message_dict["parent"] == [errors.CATEGORY_PARENT_CYCLE]


def test_moving_a_category_moves_its_whole_subtree(tenant):
    tools = commands.category_create(tenant=tenant, name="Tools")
    drills = commands.category_create(tenant=tenant, name="Drills", parent=tools)
    bits = commands.category_create(tenant=tenant, name="Bits", parent=drills)
    power = commands.category_create(tenant=tenant, name="Power tools")
    commands.category_update(tenant=tenant, category_id=drills.pk, parent=power)
    bits.refresh_from_db()
    assert bits.path == f"/{power.pk}/{drills.pk}/{bits.pk}/"
    assert bits.depth == 2
    assert set(power.descendants().values_list("pk", flat=True)) == {power.pk, drills.pk, bits.pk}
