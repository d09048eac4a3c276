"""Rows derived from the read rows: category list keys and product counts, kept in step."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connections, transaction

from catalog import commands
from catalog.projections import listing, products
from catalog.projections.outbox import process_batch
from catalog.projections.products import project_products
from catalog.projections.rebuild import rebuild_tenant
from catalog.projections.search import documents
from catalog.read.models import ProductCategoryView, ProductCountView, ProductView

pytestmark = pytest.mark.django_db(databases=["default", "read"])
ALL = ProductCountView.ALL_PRODUCTS


def drain() -> None:
    while process_batch():
        pass


def category_rows(tenant_id: int) -> set[tuple]:
    return set(ProductCategoryView.objects.for_tenant(tenant_id).values_list(
        "product_id", "category_id", "name", "effective_price", "created_at"))


def expected_category_rows(tenant_id: int) -> set[tuple]:
    return {(row.id, category, row.name, row.effective_price, row.created_at)
            for row in ProductView.objects.for_tenant(tenant_id) for category in row.category_tree_ids}


def stored_counts(tenant_id: int) -> dict[int, tuple[int, int]]:
    return {c: (p, a) for c, p, a in ProductCountView.objects.for_tenant(tenant_id).values_list(
        "category_id", "product_count", "available_count")}


def expected_counts(tenant_id: int) -> dict[int, tuple[int, int]]:
    products: Counter[int] = Counter()
    available: Counter[int] = Counter()
    for row in ProductView.objects.for_tenant(tenant_id):
        for category in [ALL, *row.category_tree_ids]:
            products[category] += 1
            available[category] += row.is_available
    return {c: (products[c], available[c]) for c in products}


@pytest.fixture
def catalog(tenant, other_tenant):  # type: ignore[no-untyped-def]
    """Two tenants with a small tree each and products filed in it."""
    trees = {}
    for owner in (tenant, other_tenant):
        tools = commands.category_create(tenant=owner, name="Tools")
        drills = commands.category_create(tenant=owner, name="Drills", parent=tools)
        garden = commands.category_create(tenant=owner, name="Garden")
        for i in range(6):
            commands.product_create(tenant=owner, sku=f"P-{i}", name=f"Product {i}", price="10.00",
                                    stock_quantity=i % 3, category_ids=[drills.pk] if i % 2 else
                                    [drills.pk, garden.pk])
        trees[owner.pk] = {"tools": tools, "drills": drills, "garden": garden}
    drain()
    return trees


def test_every_category_of_a_product_and_its_ancestors_has_a_row_with_the_sort_keys(tenant, catalog):
    # then
    assert category_rows(tenant.pk) == expected_category_rows(tenant.pk)
    tools = catalog[tenant.pk]["tools"]
    assert ProductCategoryView.objects.for_tenant(tenant.pk).filter(category_id=tools.pk).count() == 6


def test_edits_moves_and_deletions_keep_the_rows_and_counts_in_step(tenant, other_tenant, catalog):
    # given
    tree = catalog[tenant.pk]
    theirs = (category_rows(other_tenant.pk), stored_counts(other_tenant.pk))
    first, second, third = ProductView.objects.for_tenant(tenant.pk).order_by("sku")[:3]
    # when
    commands.product_update(tenant=tenant, product_id=first.pk, name="Renamed", sale_price="5.00",
                            stock_quantity=0)
    commands.product_update(tenant=tenant, product_id=second.pk, category_ids=[tree["garden"].pk])
    commands.product_delete(tenant=tenant, product_id=third.pk)
    commands.category_update(tenant=tenant, category_id=tree["drills"].pk, parent=tree["garden"])
    commands.product_create(tenant=tenant, sku="N-1", name="New", price="3.00", stock_quantity=1,
                            category_ids=[tree["tools"].pk])
    drain()
    # then
    assert category_rows(tenant.pk) == expected_category_rows(tenant.pk)
    assert stored_counts(tenant.pk) == expected_counts(tenant.pk)
    assert stored_counts(tenant.pk)[ALL] == (6, 4)
    assert (category_rows(other_tenant.pk), stored_counts(other_tenant.pk)) == theirs


def test_projecting_the_same_products_again_changes_no_count(tenant, catalog):
    # given
    before = stored_counts(tenant.pk)
    ids = list(ProductView.objects.for_tenant(tenant.pk).values_list("id", flat=True))
    # when
    project_products(tenant_id=tenant.pk, product_ids=ids)
    project_products(tenant_id=tenant.pk, product_ids=ids)
    # then
    assert stored_counts(tenant.pk) == before == expected_counts(tenant.pk)


def test_a_category_emptied_loses_its_count_row(tenant, catalog):
    # given
    garden = catalog[tenant.pk]["garden"]
    for row in ProductView.objects.for_tenant(tenant.pk).filter(category_ids__contains=[garden.pk]):
        commands.product_update(tenant=tenant, product_id=row.pk,
                                category_ids=[catalog[tenant.pk]["drills"].pk])
    # when
    drain()
    # then
    assert garden.pk not in stored_counts(tenant.pk)
    assert stored_counts(tenant.pk) == expected_counts(tenant.pk)


def test_a_rebuild_counts_again_from_scratch(tenant, other_tenant, catalog):
    # given: damaged counts
    ProductCountView.objects.for_tenant(tenant.pk).update(product_count=99)
    theirs = stored_counts(other_tenant.pk)
    # when
    rebuild_tenant(tenant_id=tenant.pk)
    # then
    assert stored_counts(tenant.pk) == expected_counts(tenant.pk)
    assert stored_counts(other_tenant.pk) == theirs


def test_the_missing_category_rows_are_inserted_without_a_plan_that_reads_the_table(tenant, catalog):
    # given: a batch's products, and a planner that would rather not use nested loops or
    # indexes (as stale statistics or a large batch make it: at 1M products it read every
    # category row of every tenant once per batch, or once per row checked)
    ids = [str(i) for i in ProductView.objects.for_tenant(tenant.pk).values_list("id", flat=True)]
    with transaction.atomic(using="read"), connections["read"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        # when
        cursor.execute("EXPLAIN " + listing.CATEGORY_ROWS_INSERT_SQL, {"tenant": tenant.pk, "ids": ids})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # then: an existing row is found by the insert's conflict on the key, not by reading rows
    assert "Conflict Resolution: NOTHING" in plan
    assert "on catalog_read_productcategoryview " not in plan.split("Insert on")[1]
    assert "Anti Join" not in plan


BATCH_TABLES = ("catalog_product", "catalog_read_productview", "catalog_read_productcategoryview")


def _index_conditions(plan: object, indexes: set[str]) -> list[str]:
    """Return the conditions by which a plan enters ``indexes`` (EXPLAIN (FORMAT JSON))."""
    if isinstance(plan, list):
        return [condition for item in plan for condition in _index_conditions(item, indexes)]
    if not isinstance(plan, dict):
        return []
    found = [str(plan["Index Cond"])] if plan.get("Index Name") in indexes and "Index Cond" in plan else []
    return found + [condition for value in plan.values() for condition in _index_conditions(value, indexes)]


@pytest.mark.parametrize(("alias", "statement"), [
    ("default", products.SNAPSHOT_SQL), ("read", listing.CATEGORY_ROWS_DELETE_SQL),
    ("read", listing.CATEGORY_ROWS_INSERT_SQL), ("read", listing.COUNTS_SQL),
], ids=["snapshot", "category rows delete", "category rows insert", "counts"])
def test_a_batch_finds_its_rows_by_their_keys_never_in_the_tenants_range(tenant, catalog, alias, statement):
    # given: a batch of the tenant's products (a growing tenant's statistics are stale: its
    # range of a (tenant, ...) index may look small to the planner when it is not)
    ids = [str(i) for i in ProductView.objects.for_tenant(tenant.pk).values_list("id", flat=True)]
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows here: as at millions, use indexes
        # when
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, {"tenant": tenant.pk, "ids": ids})
        plan = cursor.fetchone()[0]
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [list(BATCH_TABLES)])
        conditions = _index_conditions(plan, {row[0] for row in cursor.fetchall()})
    # then: the products' indexes are entered by the rows' keys; the tenant is a filter on them
    assert any("ANY" in condition for condition in conditions)
    assert not [condition for condition in conditions if "tenant_id" in condition]


def test_a_batch_of_another_tenants_ids_finds_none_of_their_rows(tenant, other_tenant, catalog):
    # given: the other tenant's products, asked for under this tenant
    theirs = [str(i) for i in ProductView.objects.for_tenant(other_tenant.pk).values_list("id", flat=True)]
    their_rows = category_rows(other_tenant.pk)
    with transaction.atomic(using="read"), connections["read"].cursor() as cursor:
        # when
        counts = listing.counts_of(cursor, tenant_id=tenant.pk, product_ids=theirs)
        listing.category_rows_sync(cursor, tenant_id=tenant.pk, product_ids=theirs)
    with connections["default"].cursor() as cursor:
        cursor.execute(products.SNAPSHOT_SQL, {"tenant": tenant.pk, "ids": theirs})
        snapshot = cursor.fetchall()
    # then
    assert counts == Counter()
    assert snapshot == []
    assert documents(tenant_id=tenant.pk, product_ids=theirs) == {}
    assert category_rows(other_tenant.pk) == their_rows
    assert len(their_rows) > 0
