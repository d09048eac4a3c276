"""The category tree and brands, edited within the tenant."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import commands, errors
from catalog.events import EventType
from catalog.models import Brand, Category, Event
from tests.catalog.admin.conftest import changelist_rows, event_count, form_errors

pytestmark = pytest.mark.django_db

CATEGORIES = "admin:catalog_category_changelist"


def grow_tree(tenant, parent, *, depth: int, width: int) -> None:  # type: ignore[no-untyped-def]
    """Add ``width`` children under ``parent``, and so on ``depth`` levels down."""
    if depth == 0:
        return
    for i in range(width):
        child = commands.category_create(tenant=tenant, name=f"{parent.name}.{i}", parent=parent)
        grow_tree(tenant, child, depth=depth - 1, width=width)


def test_category_list_is_the_tree_in_path_order_indented_by_depth(merch_client, shop, other_shop):
    # given
    drills = commands.category_create(tenant=shop.tenant, name="Drills")
    # when
    response = merch_client.get(reverse(CATEGORIES))
    # then
    rows = changelist_rows(response)
    assert [c.path for c in rows] == sorted(c.path for c in rows)
    # which root comes first follows the ids' digits ("/101/" < "/99/"); a subtree stays together
    assert [(c.name, c.depth) for c in rows] in (
        [("Tools", 0), ("Wrenches", 1), ("Drills", 0)],
        [("Drills", 0), ("Tools", 0), ("Wrenches", 1)],
    )
    html = response.content.decode()
    assert '<span style="padding-left: 1.5em">Wrenches</span>' in html
    assert f"?category={drills.pk}" in html  # link to the products of the subtree


def test_category_list_queries_do_not_grow_with_the_depth_of_the_tree(merch_client, shop,
                                                                      other_shop):
    with CaptureQueriesContext(connection) as small:
        changelist_rows(merch_client.get(reverse(CATEGORIES)))
    grow_tree(shop.tenant, shop.wrenches, depth=3, width=3)
    with CaptureQueriesContext(connection) as large:
        rows = changelist_rows(merch_client.get(reverse(CATEGORIES)))
    assert len(rows) == 2 + 3 + 9 + 27
    assert len(large) == len(small)


def test_category_add_form_sets_the_tenant_and_records_the_actor(merch_client, merchandiser, shop,
                                                                 other_shop):
    response = merch_client.post(reverse("admin:catalog_category_add"), {
        "name": "Sockets", "slug": "sockets", "parent": shop.tools.pk, "position": 2})
    assert response.status_code == 302, form_errors(response)
    category = Category.objects.get(tenant=shop.tenant, slug="sockets")
    assert category.path == f"/{shop.tools.pk}/{category.pk}/"
    event = Event.objects.filter(aggregate_type="category", aggregate_id=str(category.pk)).get()
    assert (event.event_type, event.actor) == (EventType.CATEGORY_CREATED, merchandiser)


def test_moving_a_category_under_its_own_child_is_refused(merch_client, shop, other_shop):
    before = event_count()
    response = merch_client.post(reverse("admin:catalog_category_change", args=[shop.tools.pk]), {
        "name": "Tools", "slug": "tools", "parent": shop.wrenches.pk, "position": 0})
    assert form_errors(response) == {"parent": [errors.CATEGORY_PARENT_CYCLE]}
    assert event_count() == before


def test_a_slug_taken_under_the_same_parent_is_refused(merch_client, shop, other_shop):
    response = merch_client.post(reverse("admin:catalog_category_add"), {
        "name": "Wrenches again", "slug": "wrenches", "parent": shop.tools.pk, "position": 0})
    assert form_errors(response) == {"slug": [errors.CATEGORY_SLUG_DUPLICATE]}


def test_deleting_selected_leaf_categories_records_an_event_each_with_the_actor(
        merch_client, merchandiser, shop, other_shop):
    # given
    drills = commands.category_create(tenant=shop.tenant, name="Drills")
    # when
    response = merch_client.post(reverse(CATEGORIES), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [shop.wrenches.pk, drills.pk, other_shop.wrenches.pk],
    })
    # then
    assert response.status_code == 302
    assert list(Category.objects.filter(tenant=shop.tenant)) == [shop.tools]
    deleted = Event.objects.filter(event_type=EventType.CATEGORY_DELETED)
    assert sorted(deleted.values_list("aggregate_id", flat=True)) == sorted(
        [str(shop.wrenches.pk), str(drills.pk)])
    assert {e.actor for e in deleted} == {merchandiser}
    assert Category.objects.filter(tenant=other_shop.tenant).count() == 2


def test_a_parent_cannot_be_deleted_even_with_its_children_selected(merch_client, shop):
    # PROTECT on parent: Django's collector refuses even when the child goes too.
    response = merch_client.post(reverse(CATEGORIES), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [shop.tools.pk, shop.wrenches.pk],
    })
    assert response.status_code == 200
    assert response.context["protected"]
    assert Category.objects.filter(tenant=shop.tenant).count() == 2


def test_a_category_with_children_cannot_be_deleted_alone(merch_client, shop):
    response = merch_client.post(reverse("admin:catalog_category_delete", args=[shop.tools.pk]),
                                 {"post": "yes"})
    assert response.status_code == 200
    assert response.context["protected"]
    assert Category.objects.filter(pk=shop.tools.pk).exists()


def test_brand_add_form_sets_the_tenant_and_refuses_a_duplicate(merch_client, merchandiser, shop,
                                                                other_shop):
    # when
    created = merch_client.post(reverse("admin:catalog_brand_add"), {"name": "Stanley",
                                                                      "slug": "stanley"})
    duplicate = merch_client.post(reverse("admin:catalog_brand_add"), {"name": "Bahco 2",
                                                                       "slug": "bahco"})
    # then: the other tenant's Stanley does not clash
    assert created.status_code == 302, form_errors(created)
    brand = Brand.objects.get(tenant=shop.tenant, slug="stanley")
    assert brand.updated_by == merchandiser
    assert form_errors(duplicate) == {"name": [errors.BRAND_DUPLICATE]}


def test_brand_in_use_cannot_be_deleted(merch_client, shop):
    response = merch_client.post(reverse("admin:catalog_brand_delete", args=[shop.brand.pk]),
                                 {"post": "yes"})
    assert response.status_code == 200
    assert response.context["protected"]
    assert Brand.objects.filter(pk=shop.brand.pk).exists()
