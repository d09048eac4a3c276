"""Every change records exactly one event in the same transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from catalog import commands
from catalog.events import EventType
from catalog.models import Event, Product

pytestmark = pytest.mark.django_db


def events_of(product: Product) -> list[Event]:
    return list(Event.objects.filter(aggregate_type="product", aggregate_id=str(product.pk))
                .order_by("id"))


def test_create_records_product_created_at_version_1(tenant, merchandiser):
    # when
    product = commands.product_create(tenant=tenant, actor=merchandiser, sku="B-1",
                                      name="Hex bolt", price="1.20")
    # then
    [event] = events_of(product)
    assert (event.event_type, event.aggregate_version, product.version) == (
        EventType.PRODUCT_CREATED, 1, 1)
    assert event.actor == merchandiser
    assert event.tenant == tenant
    assert event.payload["after"]["sku"] == "B-1"
    assert event.status == "pending"


def test_one_save_records_exactly_one_event_with_next_version(tenant):
    # given
    product = commands.product_create(tenant=tenant, sku="B-1", name="Hex bolt", price="1.20")
    # when
    product.price = Decimal("1.35")
    product.save()
    # then
    events = events_of(product)
    assert [e.aggregate_version for e in events] == [1, 2]
    assert events[-1].payload == {"changes": {"price": ["1.20", "1.35"]}}
    product.refresh_from_db()
    assert product.version == 2


def test_save_without_changes_records_nothing(tenant):
    product = commands.product_create(tenant=tenant, sku="B-1", name="Hex bolt", price="1.20")
    product.refresh_from_db()
    product.save()
    assert len(events_of(product)) == 1
    assert Product.objects.get(pk=product.pk).version == 1


def test_category_change_bumps_version_and_records_one_event(tenant):
    # given
    tools = commands.category_create(tenant=tenant, name="Tools")
    bolts = commands.category_create(tenant=tenant, name="Bolts")
    product = commands.product_create(tenant=tenant, sku="B-1", name="Hex bolt", price="1.20",
                                      category_ids=[tools.pk])
    product = Product.objects.get(pk=product.pk)  # as a later request would load it
    version = product.version
    # when: set() removes one and adds one; both fold into one event
    product.categories.set([bolts])
    # then
    event = events_of(product)[-1]
    assert event.event_type == EventType.PRODUCT_CATEGORIES_CHANGED
    assert event.payload == {"changes": {"category_ids": [[tools.pk], [bolts.pk]]}}
    assert event.aggregate_version == version + 1
    assert Product.objects.get(pk=product.pk).version == version + 1


def test_adding_products_from_the_category_side_records_an_event_per_product(tenant):
    category = commands.category_create(tenant=tenant, name="Tools")
    products = [commands.product_create(tenant=tenant, sku=f"S-{i}", name="x", price="2")
                for i in range(3)]
    category.products.add(*products)
    for product in products:
        [_, event] = events_of(product)
        assert event.event_type == EventType.PRODUCT_CATEGORIES_CHANGED
        assert event.aggregate_version == 2


def test_does_not_record_an_event_if_transaction_rolled_back(tenant):
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        commands.product_create(tenant=tenant, sku="B-1", name="Hex bolt", price="1.20")
        raise RuntimeError("abort")
    assert Event.objects.count() == before
    assert not Product.objects.filter(sku="B-1").exists()


def test_delete_records_product_deleted(tenant, merchandiser):
    product = commands.product_create(tenant=tenant, sku="B-1", name="Hex bolt", price="1.20")
    commands.product_delete(tenant=tenant, product_id=product.pk, actor=merchandiser)
    event = events_of(product)[-1]
    assert (event.event_type, event.aggregate_version, event.actor) == (
        EventType.PRODUCT_DELETED, 2, merchandiser)


def test_deleting_a_category_records_the_change_on_its_products(tenant):
    category = commands.category_create(tenant=tenant, name="Tools")
    product = commands.product_create(tenant=tenant, sku="B-1", name="x", price="2",
                                      category_ids=[category.pk])
    commands.category_delete(tenant=tenant, category_id=category.pk)
    event = events_of(product)[-1]
    assert event.payload == {"changes": {"category_ids": [[category.pk], []]}}


def test_bulk_helper_records_one_event_per_changed_product(tenant, other_tenant):
    # given: three products, one already at the target price, and one of another tenant
    products = [commands.product_create(tenant=tenant, sku=f"S-{i}", name="x", price=price)
                for i, price in enumerate(["5.00", "6.00", "9.99"])]
    foreign = commands.product_create(tenant=other_tenant, sku="S-0", name="x", price="5.00")
    # when
    changed = commands.products_bulk_update(
        tenant=tenant, product_ids=[p.pk for p in products] + [foreign.pk],
        price=Decimal("9.99"))
    # then
    assert changed == 2
    for product, expected_versions in zip(products, [[1, 2], [1, 2], [1]], strict=True):
        assert [e.aggregate_version for e in events_of(product)] == expected_versions
    assert Product.objects.get(pk=foreign.pk).price == Decimal("5.00")
    assert [e.aggregate_version for e in events_of(foreign)] == [1]
