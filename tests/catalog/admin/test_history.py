"""A product's page shows its change history from the event store."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import commands
from catalog.admin.history import CHANGE_PAGE_LIMIT
from catalog.models import Product

pytestmark = pytest.mark.django_db


def test_change_page_shows_events_newest_first_with_actor_and_changed_fields(
        merch_client, merchandiser, shop, other_shop):
    # given: a price change by the merchandiser, after the creation by the system
    commands.product_update(tenant=shop.tenant, product_id=shop.product.pk, actor=merchandiser,
                            price="21.00", category_ids=[shop.tools.pk])
    commands.product_update(tenant=other_shop.tenant, product_id=other_shop.product.pk,
                            name="Foreign rename")
    # when
    response = merch_client.get(reverse("admin:catalog_product_change", args=[shop.product.pk]))
    # then
    rows = response.context["product_history"]
    assert [(row.event_type, row.actor) for row in rows] == [
        ("ProductCategoriesChanged", "merch-acme"),
        ("ProductUpdated", "merch-acme"),
        ("ProductCategoriesChanged", "system"),
        ("ProductCreated", "system"),
    ]
    assert [(c.field, c.before, c.after) for c in rows[0].changes] == [
        ("categories", "Wrenches", "Tools")]
    assert [(c.field, c.before, c.after) for c in rows[1].changes] == [("price", "19.90", "21.00")]
    html = response.content.decode()
    assert 'id="product-history"' in html
    assert "19.90 &rarr; 21.00" in html
    assert "Foreign rename" not in html


def test_created_event_lists_the_initial_values_with_the_brand_by_name(merch_client, shop):
    response = merch_client.get(reverse("admin:catalog_product_change", args=[shop.product.pk]))
    created = response.context["product_history"][-1]
    changes = {c.field: (c.before, c.after) for c in created.changes}
    assert changes["SKU"] == ("\u2014", "W-100")
    assert changes["brand"] == ("\u2014", "Bahco")
    assert "description" not in changes  # empty values are left out


def test_change_page_shows_at_most_the_latest_events(merch_client, shop):
    product = Product.objects.get(pk=shop.product.pk)
    for stock in range(CHANGE_PAGE_LIMIT + 5):
        product.stock_quantity = stock + 100
        product.save()
    response = merch_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    rows = response.context["product_history"]
    assert len(rows) == CHANGE_PAGE_LIMIT
    assert rows[0].version == product.version


def test_history_view_lists_every_event_of_the_product(merch_client, merchandiser, shop,
                                                       other_shop):
    # given
    commands.product_update(tenant=shop.tenant, product_id=shop.product.pk, actor=merchandiser,
                            stock_quantity=0)
    # when
    response = merch_client.get(reverse("admin:catalog_product_history", args=[shop.product.pk]))
    # then
    assert response.status_code == 200
    assert [row.event_type for row in response.context["rows"]] == [
        "ProductUpdated", "ProductCategoriesChanged", "ProductCreated"]
    assert "stock quantity" in response.content.decode()


def test_viewer_sees_the_history_too(viewer_client, shop):
    response = viewer_client.get(reverse("admin:catalog_product_change", args=[shop.product.pk]))
    assert len(response.context["product_history"]) == 2
