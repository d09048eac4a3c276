"""Viewers read, merchandisers edit their tenant, superusers reach every tenant."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import errors
from catalog.models import Category, Product
from tests.catalog.admin.conftest import event_count, form_errors, product_form_data

pytestmark = pytest.mark.django_db


def test_viewer_sees_the_lists_and_a_read_only_product_page(viewer_client, shop, other_shop):
    # when
    listing = viewer_client.get(reverse("admin:catalog_product_changelist"))
    page = viewer_client.get(reverse("admin:catalog_product_change", args=[shop.product.pk]))
    # then
    assert [p.sku for p in listing.context["cl"].result_list] == ["W-100"]
    html = page.content.decode()
    assert page.context["title"] == "View product"
    assert 'name="_save"' not in html
    assert "Wrenches" in html  # categories shown read-only
    assert listing.context["cl"].model_admin.get_actions(listing.wsgi_request) == {}


@pytest.mark.parametrize(("url_name", "args"), [
    ("admin:catalog_product_add", False),
    ("admin:catalog_product_change", True),
    ("admin:catalog_product_delete", True),
])
def test_viewer_cannot_write(viewer_client, shop, other_shop, url_name, args):
    # given
    before = event_count()
    url = reverse(url_name, args=[shop.product.pk] if args else [])
    # when
    response = viewer_client.post(url, product_form_data(sku="VIEWER", post="yes"))
    # then
    assert response.status_code == 403
    assert Product.objects.filter(pk=shop.product.pk, sku="W-100").exists()
    assert event_count() == before


def test_viewer_cannot_run_actions(viewer_client, shop):
    response = viewer_client.post(reverse("admin:catalog_product_changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": [shop.product.pk]})
    assert Product.objects.filter(pk=shop.product.pk).exists()
    assert response.status_code == 200  # no actions: the list is shown again


def test_merchandiser_sees_the_catalog_models_on_the_index_without_django_permissions(
        merch_client, merchandiser, shop):
    assert not merchandiser.user_permissions.exists()
    response = merch_client.get(reverse("admin:index"))
    [catalog] = [app for app in response.context["app_list"] if app["app_label"] == "catalog"]
    models = {m["object_name"]: m["perms"] for m in catalog["models"]}
    assert set(models) == {"ApiKey", "Brand", "Category", "Event", "Product"}
    assert models["Product"] == {"add": True, "change": True, "delete": True, "view": True}
    assert models["Event"] == {"add": False, "change": False, "delete": False, "view": True}


def test_superuser_add_form_has_a_tenant_field_and_saves_into_that_tenant(
        superuser_client, superuser, shop, other_shop):
    # when
    url = reverse("admin:catalog_product_add")
    fields = superuser_client.get(url).context["adminform"].form.fields
    response = superuser_client.post(url, product_form_data(
        tenant=other_shop.tenant.pk, brand=other_shop.brand.pk, category_ids=[other_shop.tools.pk]))
    # then
    assert next(iter(fields)) == "tenant"
    assert response.status_code == 302, form_errors(response)
    product = Product.objects.get(sku="NEW-1")
    assert (product.tenant, product.brand, product.updated_by) == (
        other_shop.tenant, other_shop.brand, superuser)


def test_superuser_cannot_mix_tenants_in_one_product(superuser_client, shop, other_shop):
    before = event_count()
    response = superuser_client.post(reverse("admin:catalog_product_add"), product_form_data(
        tenant=other_shop.tenant.pk, brand=shop.brand.pk, category_ids=[shop.tools.pk]))
    assert form_errors(response) == {
        "brand": [errors.BRAND_OTHER_TENANT],
        "category_ids": [errors.CATEGORY_OTHER_TENANT.format(ids=shop.tools.pk)],
    }
    assert event_count() == before


def test_superuser_sees_the_tenant_read_only_when_changing(superuser_client, shop):
    response = superuser_client.get(reverse("admin:catalog_category_change",
                                            args=[shop.tools.pk]))
    assert "tenant" not in response.context["adminform"].form.fields
    assert "ACME Industrial" in response.content.decode()


def test_superuser_sees_every_tenants_categories(superuser_client, shop, other_shop):
    response = superuser_client.get(reverse("admin:catalog_category_changelist"))
    assert len(response.context["cl"].result_list) == Category.objects.count() == 4


def test_superuser_manages_tenants_and_memberships(superuser_client, shop, merchandiser):
    assert superuser_client.get(reverse("admin:catalog_tenant_change",
                                        args=[shop.tenant.pk])).status_code == 200
    assert superuser_client.get(reverse("admin:catalog_staffmembership_changelist")).status_code == 200
    user_page = superuser_client.get(reverse("admin:auth_user_change", args=[merchandiser.pk]))
    assert "ACME Industrial" in user_page.content.decode()
