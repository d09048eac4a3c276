"""``seed_demo`` creates the requested catalog with its events, and refuses to overwrite one."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.db.models import Count

from catalog.demo.service import TENANT_NOT_EMPTY, TENANT_SLUG_INVALID
from catalog.events import EventType
from catalog.models import Brand, Category, Event, Product, ProductCategory, Tenant
from tests.catalog.demo.seeded import catalog_rows, seed

pytestmark = pytest.mark.django_db


def test_creates_the_tenant_with_the_requested_counts_and_their_events():
    # when
    output = seed("acme", 2000, "--name", "ACME Industrial")
    # then
    tenant = Tenant.objects.get(slug="acme")
    assert tenant.name == "ACME Industrial"
    products = Product.objects.for_tenant(tenant)
    events = Event.objects.filter(tenant=tenant)
    assert products.count() == 2000
    assert Category.objects.for_tenant(tenant).count() == 60
    assert Brand.objects.for_tenant(tenant).count() == 12
    assert events.filter(event_type=EventType.PRODUCT_CREATED, aggregate_version=1).count() == 2000
    assert events.filter(event_type=EventType.CATEGORY_CREATED).count() == 60
    assert events.filter(event_type=EventType.BRAND_CREATED).count() == 12
    assert set(events.values_list("status", flat=True)) == {"pending"}
    links_per_product = products.annotate(n=Count("categories")).values_list("n", flat=True)
    assert set(links_per_product) <= {1, 2, 3}
    assert ProductCategory.objects.filter(product__tenant=tenant).count() >= 2000
    assert "products    2,000 (ACM-000001 .. ACM-002000)" in output


def test_every_product_has_exactly_one_created_event_at_its_version():
    # given
    seed("acme", 500)
    tenant = Tenant.objects.get(slug="acme")
    # when
    created = Event.objects.filter(tenant=tenant, event_type=EventType.PRODUCT_CREATED)
    # then
    product_ids = {str(pk) for pk in Product.objects.for_tenant(tenant).values_list("pk", flat=True)}
    assert sorted(created.values_list("aggregate_id", flat=True)) == sorted(product_ids)
    assert set(Product.objects.for_tenant(tenant).values_list("version", flat=True)) == {1}


def test_event_payload_is_what_the_signal_path_records():
    # given
    seed("acme", 300)
    tenant = Tenant.objects.get(slug="acme")
    # when
    payloads = dict(Event.objects.filter(tenant=tenant, event_type=EventType.PRODUCT_CREATED)
                    .values_list("aggregate_id", "payload"))
    # then
    for product in Product.objects.for_tenant(tenant):
        assert payloads[str(product.pk)] == {"after": product.tracked_state()}


def test_refuses_a_tenant_that_has_products_unless_appending():
    # given
    seed("acme", 100)
    before = (Product.objects.count(), Event.objects.count())
    # when
    with pytest.raises(CommandError) as refused:
        seed("acme", 100)
    # then
    assert str(refused.value) == TENANT_NOT_EMPTY.format(slug="acme", count=100, prefix="ACM", last=100)
    assert (Product.objects.count(), Event.objects.count()) == before


def test_append_numbers_after_the_highest_sku_and_reuses_the_tree():
    # given
    seed("acme", 1000)
    tenant = Tenant.objects.get(slug="acme")
    categories, brands = Category.objects.count(), Brand.objects.count()
    # when
    output = seed("acme", 500, "--append")
    # then
    skus = list(Product.objects.for_tenant(tenant).order_by("sku").values_list("sku", flat=True))
    assert skus == [f"ACM-{n:06d}" for n in range(1, 1501)]
    assert (Category.objects.count(), Brand.objects.count()) == (categories, brands)
    assert "categories  60 (0 created)" in output


def test_seeding_then_appending_gives_the_catalog_of_one_larger_seed():
    # given: the same numbers, loaded in one run and in two
    seed("acme", 1500, "--sku-prefix", "DEM")
    seed("globex", 1000, "--sku-prefix", "DEM")
    # when
    seed("globex", 500, "--sku-prefix", "DEM", "--append")
    # then
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    assert catalog_rows(acme, with_ids=False) == catalog_rows(globex, with_ids=False)


@pytest.mark.parametrize(("option", "message"), [
    (("--categories", "5"), "--categories must be between 8 and 539."),
    (("--brands", "0"), "--brands must be between 1 and 956."),
    (("--sku-prefix", "ac-1"), "--sku-prefix must be 1 to 10 capital letters or digits, e.g. ACM."),
    (("--batch-size", "15000"), "--batch-size must be a positive multiple of 10000."),
])
def test_rejects_bad_options_and_writes_nothing(option, message):
    with pytest.raises(CommandError) as rejected:
        seed("acme", 10, *option)
    assert str(rejected.value) == message
    assert not Tenant.objects.filter(slug="acme").exists()


def test_rejects_a_tenant_slug_that_is_not_a_slug():
    with pytest.raises(CommandError) as rejected:
        seed("acme corp", 10)
    assert str(rejected.value) == TENANT_SLUG_INVALID
    assert not Tenant.objects.exists()
