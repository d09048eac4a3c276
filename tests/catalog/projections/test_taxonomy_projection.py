"""Projecting categories and brands into their read tables: subtrees, deletions, rebuilds."""

from __future__ import annotations

import pytest

from catalog import commands
from catalog.projections.outbox import process_batch
from catalog.projections.rebuild import rebuild_tenant
from catalog.projections.taxonomy import project_brands, project_categories
from catalog.read.models import BrandView, CategoryView

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def drain() -> None:
    while process_batch():
        pass


def _paths(tenant_id: int) -> dict[str, tuple[str, int]]:
    return {row.name: (row.path, row.depth) for row in CategoryView.objects.for_tenant(tenant_id)}


def test_categories_and_brands_become_read_rows_with_their_versions(tenant, other_tenant):
    # given
    tools = commands.category_create(tenant=tenant, name="Tools")
    drills = commands.category_create(tenant=tenant, name="Drills", parent=tools)
    brand = commands.brand_create(tenant=tenant, name="Bosch")
    commands.brand_create(tenant=other_tenant, name="Bosch")
    # when
    drain()
    # then
    assert _paths(tenant.pk) == {"Tools": (f"/{tools.pk}/", 0),
                                 "Drills": (f"/{tools.pk}/{drills.pk}/", 1)}
    row = BrandView.objects.for_tenant(tenant.pk).get()
    assert (row.id, row.name, row.slug, row.version) == (brand.pk, "Bosch", "bosch", 1)
    assert BrandView.objects.for_tenant(other_tenant.pk).count() == 1


def test_moving_a_category_moves_its_whole_subtree_on_the_read_side(tenant):
    # given
    a = commands.category_create(tenant=tenant, name="A")
    b = commands.category_create(tenant=tenant, name="B")
    child = commands.category_create(tenant=tenant, name="Child", parent=a)
    leaf = commands.category_create(tenant=tenant, name="Leaf", parent=child)
    drain()
    # when: one event, for the moved category only
    commands.category_update(tenant=tenant, category_id=child.pk, parent=b)
    drain()
    # then
    assert _paths(tenant.pk)["Leaf"] == (f"/{b.pk}/{child.pk}/{leaf.pk}/", 2)
    assert CategoryView.objects.get(pk=child.pk).parent_id == b.pk


def test_deleted_categories_and_brands_lose_their_read_rows(tenant):
    category = commands.category_create(tenant=tenant, name="Gone")
    brand = commands.brand_create(tenant=tenant, name="Gone")
    drain()
    commands.category_delete(tenant=tenant, category_id=category.pk)
    commands.brand_delete(tenant=tenant, brand_id=brand.pk)
    drain()
    assert not CategoryView.objects.filter(pk=category.pk).exists()
    assert not BrandView.objects.filter(pk=brand.pk).exists()


def test_projection_is_idempotent_and_never_goes_back_a_version(tenant):
    brand = commands.brand_create(tenant=tenant, name="Old")
    commands.brand_update(tenant=tenant, brand_id=brand.pk, name="New")
    drain()
    BrandView.objects.filter(pk=brand.pk).update(version=5, name="Future")
    project_brands(tenant_id=tenant.pk, brand_ids=[brand.pk])
    project_brands(tenant_id=tenant.pk, brand_ids=[brand.pk])
    assert BrandView.objects.values_list("name", "version").get(pk=brand.pk) == ("Future", 5)


def test_another_tenants_ids_are_never_projected_into_a_tenant(tenant, other_tenant):
    theirs = commands.category_create(tenant=other_tenant, name="Theirs")
    drain()
    project_categories(tenant_id=tenant.pk, category_ids=[theirs.pk])
    assert CategoryView.objects.get(pk=theirs.pk).tenant_id == other_tenant.pk


def test_rebuild_restores_taxonomy_rows_and_removes_orphans(tenant, other_tenant):
    kept = commands.category_create(tenant=tenant, name="Kept")
    brand = commands.brand_create(tenant=tenant, name="Kept")
    commands.brand_create(tenant=other_tenant, name="Theirs")
    drain()
    CategoryView.objects.filter(pk=kept.pk).delete()
    BrandView.objects.filter(pk=brand.pk).update(name="tampered")
    CategoryView.objects.create(id=10**9, tenant_id=tenant.pk, name="orphan", slug="orphan",
                                path="/1000000000/", updated_at=kept.updated_at, version=1)
    # when
    rebuild_tenant(tenant_id=tenant.pk)
    # then
    assert list(CategoryView.objects.for_tenant(tenant.pk).values_list("name", flat=True)) == ["Kept"]
    assert BrandView.objects.get(pk=brand.pk).name == "Kept"
    assert BrandView.objects.for_tenant(other_tenant.pk).count() == 1
