"""A rebuild that at least doubles the read table loads without the read indexes, then builds them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from catalog import commands
from catalog.bulk_indexes import existing_index_names
from catalog.projections import rebuild
from catalog.projections.outbox import process_batch
from catalog.projections.rebuild import read_indexes, rebuild_tenant
from catalog.read.models import ProductCategoryView, ProductCountView, ProductView

pytestmark = pytest.mark.django_db(databases=["default", "read"], transaction=True)

KEYS = {"catalog_read_productview_pkey", "productview_tenant_sku"}  # what the projection needs


def drain() -> None:
    while process_batch():
        pass


def all_read_indexes() -> set[str]:
    return existing_index_names(ProductView, using="read") | existing_index_names(
        ProductCategoryView, using="read")


def model_read_indexes() -> set[str]:
    return {index.name for _, index in read_indexes()}


def read_rows(tenant_id: int) -> set[tuple]:
    return set(ProductView.objects.for_tenant(tenant_id).values_list("id", "sku", "name", "version"))


@pytest.fixture
def cold_from(settings):  # type: ignore[no-untyped-def]
    """Make a rebuild of a few rows count as large: ``cold_from(n)``."""
    def set_minimum(rows: int) -> None:
        settings.REBUILD_COLD_LOAD_MIN = rows
    return set_minimum


@pytest.fixture
def catalog(tenant, other_tenant):  # type: ignore[no-untyped-def]
    """12 products of the tenant in a small tree, 3 of the other tenant, all projected."""
    tools = commands.category_create(tenant=tenant, name="Tools")
    drills = commands.category_create(tenant=tenant, name="Drills", parent=tools)
    ours = [commands.product_create(tenant=tenant, sku=f"C-{i:02}", name=f"Drill {i}", price="5.00",
                                    stock_quantity=i % 2, category_ids=[drills.pk])
            for i in range(12)]
    theirs = [commands.product_create(tenant=other_tenant, sku=f"C-{i:02}", name="theirs", price="1.00")
              for i in range(3)]
    drain()
    return {"ours": ours, "theirs": theirs, "tools": tools, "drills": drills}


def lose_read_rows(tenant_id: int) -> None:
    """Empty the tenant's read rows, as a new read database has none, and let the planner know."""
    for model in (ProductCategoryView, ProductCountView, ProductView):
        model.objects.for_tenant(tenant_id).delete()
    with connections["read"].cursor() as cursor:
        cursor.execute("ANALYZE catalog_read_productview")  # the size a cold load compares with


def rebuild_watching_indexes(tenant_id: int) -> tuple[int, set[str], list[set[str]]]:
    """Rebuild in batches of 5; return the rows, the read indexes before, and those after each batch."""
    before = all_read_indexes()
    during: list[set[str]] = []
    rows = rebuild_tenant(tenant_id=tenant_id, batch_size=5, progress=lambda n: during.append(
        all_read_indexes()))
    assert during
    return rows, before, during


def test_a_rebuild_that_doubles_the_read_table_loads_without_its_indexes_and_builds_them_after(
        tenant, other_tenant, catalog, cold_from):
    # given: the tenant's read rows are gone; its 12 products outnumber the 3 rows left
    cold_from(10)
    expected = read_rows(tenant.pk)
    theirs = read_rows(other_tenant.pk)
    lose_read_rows(tenant.pk)
    # when
    rows, _, during = rebuild_watching_indexes(tenant.pk)
    # then: between batches only the keys were there; now every index is back
    assert rows == 12
    assert all(names == KEYS | {"catalog_read_productcategoryview_pkey"} for names in during)
    assert all_read_indexes() >= model_read_indexes()
    assert read_rows(tenant.pk) == expected
    assert read_rows(other_tenant.pk) == theirs
    drills = catalog["drills"]
    assert ProductCategoryView.objects.for_tenant(tenant.pk).filter(category_id=drills.pk).count() == 12
    assert ProductCountView.objects.get(tenant_id=tenant.pk, category_id=0).product_count == 12


def test_the_read_indexes_stay_when_the_rebuild_adds_fewer_rows_than_the_table_holds(
        tenant, other_tenant, catalog, cold_from):
    # given: the 13 rows the table holds outnumber the 2 the rebuild creates
    cold_from(1)
    ProductView.objects.filter(pk__in=[p.pk for p in catalog["ours"][:2]]).delete()
    with connections["read"].cursor() as cursor:
        cursor.execute("ANALYZE catalog_read_productview")  # the size a cold load compares with
    # when
    _, before, during = rebuild_watching_indexes(tenant.pk)
    # then
    assert before >= model_read_indexes()
    assert all(names == before for names in during)
    assert ProductView.objects.for_tenant(tenant.pk).count() == 12


def test_a_small_rebuild_never_drops_the_indexes_however_empty_the_table(tenant, catalog):
    # given: the default minimum (100,000 rows) and no read row left at all
    lose_read_rows(tenant.pk)
    ProductView.objects.all().delete()
    # when
    _, before, during = rebuild_watching_indexes(tenant.pk)
    # then
    assert before >= model_read_indexes()
    assert all(names == before for names in during)


def test_an_edit_projected_during_a_cold_load_is_kept(tenant, catalog, cold_from):
    # given
    cold_from(10)
    lose_read_rows(tenant.pk)
    by_id = sorted(catalog["ours"], key=lambda p: str(p.pk))
    first, last = by_id[0], by_id[-1]  # in the first batch and in the last
    edited: list[int] = []

    def edit_once(rows: int) -> None:
        if not edited:  # after the first batch, as a merchandiser would, and projected live
            edited.append(commands.product_update(tenant=tenant, product_id=last.pk,
                                                  name="Edited live").version)
            edited.append(commands.product_update(tenant=tenant, product_id=first.pk,
                                                  name="Edited too").version)
            drain()
    # when
    rebuild_tenant(tenant_id=tenant.pk, batch_size=5, progress=edit_once)
    # then
    assert ProductView.objects.get(pk=last.pk).name == "Edited live"
    assert ProductView.objects.get(pk=first.pk).name == "Edited too"
    assert ProductView.objects.get(pk=first.pk).version == edited[1]
    assert ProductView.objects.for_tenant(tenant.pk).count() == 12
    assert all_read_indexes() >= model_read_indexes()


def test_a_cold_load_that_fails_still_builds_the_indexes_again(tenant, catalog, cold_from, monkeypatch):
    # given: the second batch fails
    cold_from(10)
    lose_read_rows(tenant.pk)
    real = rebuild.project_products
    calls: list[int] = []

    def fail_second(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("batch lost")
        return real(**kwargs)

    monkeypatch.setattr(rebuild, "project_products", fail_second)
    # when
    with pytest.raises(RuntimeError, match="batch lost"):
        rebuild_tenant(tenant_id=tenant.pk, batch_size=5)
    # then
    assert all_read_indexes() >= model_read_indexes()


def test_the_command_says_what_it_dropped_and_builds_what_a_killed_load_left_missing(
        tenant, other_tenant, catalog, cold_from):
    # given: a cold load was killed after dropping an index; the next rebuild is not cold
    _, index = read_indexes()[6]
    with connections["read"].schema_editor() as editor:
        editor.remove_index(ProductView, index)
    out = StringIO()
    # when
    call_command("rebuild_tenant", other_tenant.slug, "--no-progress", stdout=out)
    # then
    assert "Built 1 read index in" in out.getvalue()
    assert index.name in out.getvalue()
    assert "Cold load" not in out.getvalue()
    assert all_read_indexes() >= model_read_indexes()
    # and when: --all into an emptied read table, large by the minimum given
    cold_from(10)
    for owner in (tenant, other_tenant):
        lose_read_rows(owner.pk)
    out = StringIO()
    call_command("rebuild_tenant", "--all", "--no-progress", stdout=out)
    # then: one cold load for both tenants, with every index built once at the end
    text = out.getvalue()
    assert text.count(f"Cold load: dropped {len(read_indexes())} read indexes") == 1
    assert text.count(f"Built {len(read_indexes())} read indexes") == 1
    assert ProductView.objects.count() == 15
    assert all_read_indexes() >= model_read_indexes()
