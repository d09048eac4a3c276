"""A merchandiser reaches their own tenant's rows only, by every admin path."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from catalog.models import Brand, Category, Event, Product
from tests.catalog.admin.conftest import (
    changelist_rows,
    event_count,
    form_errors,
    logged_in,
    product_form_data,
)

pytestmark = pytest.mark.django_db

SHOP_ROWS = {"product": "product", "category": "wrenches", "brand": "brand"}


@pytest.mark.parametrize("model", SHOP_ROWS)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_urls_of_another_tenants_row_give_404(merch_client, shop, other_shop, model, view):
    # given
    foreign = getattr(other_shop, SHOP_ROWS[model])
    url = reverse(f"admin:catalog_{model}_{view}", args=[foreign.pk])
    # when
    get, post = merch_client.get(url), merch_client.post(url, {"post": "yes"})
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("model", SHOP_ROWS)
def test_urls_of_the_own_tenants_row_open(merch_client, shop, other_shop, model):
    own = getattr(shop, SHOP_ROWS[model])
    for view in ("change", "delete", "history"):
        assert merch_client.get(reverse(f"admin:catalog_{model}_{view}", args=[own.pk])).status_code == 200


def test_posting_a_change_to_another_tenants_product_changes_nothing(merch_client, shop, other_shop):
    # given
    url = reverse("admin:catalog_product_change", args=[other_shop.product.pk])
    before = event_count()
    # when
    response = merch_client.post(url, product_form_data(sku="HIJACK"))
    # then
    assert response.status_code == 404
    assert Product.objects.get(pk=other_shop.product.pk).sku == "G-100"
    assert event_count() == before


@pytest.mark.parametrize(("model", "expected"), [
    ("product", ["W-100"]), ("category", ["Tools", "Wrenches"]), ("brand", ["Bahco"]),
])
def test_changelists_list_none_of_another_tenants_rows(merch_client, shop, other_shop, model,
                                                       expected):
    rows = changelist_rows(merch_client.get(reverse(f"admin:catalog_{model}_changelist")))
    assert sorted(getattr(row, "sku", None) or row.name for row in rows) == expected
    assert {row.tenant_id for row in rows} == {shop.tenant.pk}


def test_event_changelist_lists_none_of_another_tenants_events(merch_client, shop, other_shop):
    rows = changelist_rows(merch_client.get(reverse("admin:catalog_event_changelist")))
    assert rows
    assert {row.tenant_id for row in rows} == {shop.tenant.pk}
    assert len(rows) == Event.objects.filter(tenant=shop.tenant).count()


@pytest.mark.parametrize(("model_name", "field_name", "term", "expected"), [
    ("product", "brand", "", ["Bahco"]),
    ("product", "brand", "stan", []),
    ("product", "categories", "", ["Tools", "Wrenches"]),
    ("product", "categories", "wren", ["Wrenches"]),
    ("category", "parent", "", ["Tools", "Wrenches"]),
])
def test_autocomplete_returns_only_the_tenants_rows(merch_client, shop, other_shop, model_name,
                                                    field_name, term, expected):
    # when
    response = merch_client.get(reverse("admin:autocomplete"), {
        "app_label": "catalog", "model_name": model_name, "field_name": field_name, "term": term,
    })
    # then
    assert response.status_code == 200
    assert sorted(result["text"] for result in response.json()["results"]) == expected


def test_choosing_another_tenants_brand_is_an_error_on_brand_and_writes_nothing(
        merch_client, shop, other_shop):
    # given
    before = event_count()
    # when
    response = merch_client.post(reverse("admin:catalog_product_add"),
                                 product_form_data(brand=other_shop.brand.pk))
    # then
    assert response.status_code == 200
    assert list(form_errors(response)) == ["brand"]
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert event_count() == before


def test_choosing_another_tenants_category_is_an_error_on_categories_and_writes_nothing(
        merch_client, shop, other_shop):
    before = event_count()
    response = merch_client.post(reverse("admin:catalog_product_add"), product_form_data(
        category_ids=[shop.tools.pk, other_shop.tools.pk]))
    assert list(form_errors(response)) == ["category_ids"]
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert event_count() == before


def test_moving_a_category_under_another_tenants_category_is_an_error(merch_client, shop,
                                                                      other_shop):
    # given
    url = reverse("admin:catalog_category_change", args=[shop.wrenches.pk])
    before = event_count()
    # when
    response = merch_client.post(url, {"name": "Wrenches", "slug": "wrenches",
                                       "parent": other_shop.tools.pk, "position": 0})
    # then
    assert list(form_errors(response)) == ["parent"]
    assert Category.objects.get(pk=shop.wrenches.pk).parent_id == shop.tools.pk
    assert event_count() == before


def test_delete_selected_skips_ids_of_another_tenant(merch_client, shop, other_shop):
    # when: the action is posted with both tenants' product ids
    response = merch_client.post(reverse("admin:catalog_product_changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [shop.product.pk, other_shop.product.pk],
    })
    # then
    assert response.status_code == 302
    assert not Product.objects.filter(pk=shop.product.pk).exists()
    assert Product.objects.filter(pk=other_shop.product.pk).exists()


def test_filtering_by_another_tenants_category_or_brand_lists_nothing(merch_client, shop,
                                                                      other_shop):
    url = reverse("admin:catalog_product_changelist")
    assert changelist_rows(merch_client.get(url, {"category": other_shop.tools.pk})) == []
    assert changelist_rows(merch_client.get(url, {"brand": other_shop.brand.pk})) == []


def test_asking_for_another_tenant_in_the_url_lists_nothing(merch_client, shop, other_shop):
    response = merch_client.get(reverse("admin:catalog_product_changelist"),
                                {"tenant__id__exact": other_shop.tenant.pk})
    assert changelist_rows(response) == []


def test_staff_without_a_membership_reach_nothing(shop, other_shop):
    # given: a staff user holding every catalog permission but no tenant
    drifter = User.objects.create_user("drifter", is_staff=True)
    drifter.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
    client = logged_in(drifter)
    # when / then
    for model in ("product", "category", "brand", "event"):
        assert client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 403
    assert client.get(reverse("admin:catalog_product_change", args=[shop.product.pk])).status_code == 404


def test_staff_of_an_inactive_tenant_reach_nothing(merch_client, shop):
    shop.tenant.is_active = False
    shop.tenant.save()
    assert merch_client.get(reverse("admin:catalog_product_changelist")).status_code == 403


@pytest.mark.parametrize("model", ["tenant", "staffmembership"])
def test_merchandisers_cannot_open_tenants_or_memberships(merch_client, shop, model):
    assert merch_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 403


def test_brand_list_of_another_tenant_is_not_in_the_product_brand_filter(merch_client, shop,
                                                                         other_shop):
    response = merch_client.get(reverse("admin:catalog_product_changelist"))
    brand_filter = next(f for f in response.context["cl"].filter_specs if f.title == "brand")
    assert [label for _, label in brand_filter.lookup_choices] == ["Bahco"]
    assert Brand.objects.count() == 2
