"""Projecting products into the read table: set-based, version-guarded, tenant-scoped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connections

from catalog import commands
from catalog.models import Event, EventStatus, Product, ProductCategory
from catalog.projections.outbox import process_batch
from catalog.projections.products import project_category, project_products
from catalog.projections.rebuild import rebuild_tenant
from catalog.read.models import ProductCountView, ProductView

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def drain() -> None:
    while process_batch():
        pass


def test_a_saved_product_becomes_a_read_row_with_its_version(tenant):
    # given
    brand = commands.brand_create(tenant=tenant, name="Würth")
    tools = commands.category_create(tenant=tenant, name="Tools")
    bolts = commands.category_create(tenant=tenant, name="Bolts", parent=tools)
    product = commands.product_create(
        tenant=tenant, sku="B-1", name="Hex bolt", price="2.00", sale_price="1.50",
        brand_id=brand.pk, category_ids=[bolts.pk], tags=["din933"], stock_quantity=4,
        attributes={"material": "steel"}, translations={"de": {"name": "Sechskantschraube"}},
    )
    # when
    drain()
    # then
    row = ProductView.objects.get(pk=product.pk)
    assert (row.sku, row.brand_name, row.effective_price, row.is_available) == (
        "B-1", "Würth", Decimal("1.50"), True)
    assert row.category_ids == [bolts.pk]
    assert sorted(row.category_tree_ids) == sorted([tools.pk, bolts.pk])
    assert row.category_paths == ["Tools > Bolts"]
    assert row.version == Product.objects.get(pk=product.pk).version
    assert not Event.objects.filter(status=EventStatus.PENDING).exists()


def test_duplicate_and_out_of_order_delivery_end_in_the_same_row(tenant):
    product = commands.product_create(tenant=tenant, sku="B-1", name="v1", price="2.00")
    commands.product_update(tenant=tenant, product_id=product.pk, name="v2")
    drain()
    first = ProductView.objects.values().get(pk=product.pk)
    # when: the same product is projected again, twice
    project_products(tenant_id=tenant.pk, product_ids=[product.pk])
    project_products(tenant_id=tenant.pk, product_ids=[product.pk])
    # then
    again = ProductView.objects.values().get(pk=product.pk)
    assert {k: v for k, v in again.items() if k != "search_vector"} == {
        k: v for k, v in first.items() if k != "search_vector"}
    assert (again["name"], again["version"]) == ("v2", 2)


def test_deleting_a_product_deletes_its_row(tenant):
    product = commands.product_create(tenant=tenant, sku="B-1", name="x", price="2.00")
    drain()
    commands.product_delete(tenant=tenant, product_id=product.pk)
    drain()
    assert not ProductView.objects.filter(pk=product.pk).exists()


def test_a_sku_moved_between_products_in_one_batch_is_projected(tenant):
    a = commands.product_create(tenant=tenant, sku="X", name="a", price="2.00")
    drain()
    commands.product_update(tenant=tenant, product_id=a.pk, sku="Y")
    b = commands.product_create(tenant=tenant, sku="X", name="b", price="2.00")
    # when: only b's events are projected, a's read row still claims X
    project_products(tenant_id=tenant.pk, product_ids=[b.pk])
    # then
    assert dict(ProductView.objects.values_list("sku", "name")) == {"X": "b", "Y": "a"}


def test_category_rename_and_move_update_every_read_row(tenant):
    tools = commands.category_create(tenant=tenant, name="Tools")
    drills = commands.category_create(tenant=tenant, name="Drills", parent=tools)
    power = commands.category_create(tenant=tenant, name="Power")
    products = [commands.product_create(tenant=tenant, sku=f"D-{i}", name="drill", price="9.00",
                                        category_ids=[drills.pk]) for i in range(30)]
    drain()
    # when
    commands.category_update(tenant=tenant, category_id=drills.pk, name="Drills & drivers",
                             parent=power)
    drain()
    # then
    rows = ProductView.objects.filter(pk__in=[p.pk for p in products])
    assert {tuple(r.category_paths) for r in rows} == {("Power > Drills & drivers",)}
    assert not ProductView.objects.filter(category_tree_ids__contains=[tools.pk]).exists()
    assert rows.filter(category_tree_ids__contains=[power.pk]).count() == 30


def test_projection_of_one_tenant_never_touches_another(tenant, other_tenant):
    mine = commands.product_create(tenant=tenant, sku="S", name="mine", price="2.00")
    theirs = commands.product_create(tenant=other_tenant, sku="S", name="theirs", price="2.00")
    drain()
    # when: tenant A projects B's product id
    project_products(tenant_id=tenant.pk, product_ids=[theirs.pk])
    project_category(tenant_id=tenant.pk, category_id=0)
    # then
    assert ProductView.objects.get(pk=theirs.pk).tenant_id == other_tenant.pk
    assert ProductView.objects.get(pk=mine.pk).tenant_id == tenant.pk


def test_rebuild_restores_rows_and_removes_orphans(tenant, other_tenant):
    products = [commands.product_create(tenant=tenant, sku=f"R-{i}", name="x", price="3.00")
                for i in range(12)]
    foreign = commands.product_create(tenant=other_tenant, sku="R-0", name="x", price="3.00")
    drain()
    ProductView.objects.filter(pk=products[0].pk).delete()
    ProductView.objects.filter(pk=products[1].pk).update(name="tampered")
    Product.objects.filter(pk=products[2].pk).delete()  # no signal path: an orphan read row
    # when
    rebuild_tenant(tenant_id=tenant.pk, batch_size=5)
    # then
    assert ProductView.objects.filter(tenant_id=tenant.pk).count() == 11
    assert ProductView.objects.get(pk=products[1].pk).name == "x"
    assert ProductView.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_a_rebuild_finds_orphans_before_the_first_and_after_the_last_product(tenant, other_tenant,
                                                                          workers):
    # given: read rows whose products were deleted without an event, at both ends of the id order
    products = sorted((commands.product_create(tenant=tenant, sku=f"E-{i}", name="x", price="3.00")
                       for i in range(11)), key=lambda p: str(p.pk))
    foreign = commands.product_create(tenant=other_tenant, sku="E-0", name="theirs", price="3.00")
    drain()
    Product.objects.filter(pk__in=[products[0].pk, products[-1].pk]).delete()
    # when: batches of 3 products, so the last range holds no product at all
    rows = rebuild_tenant(tenant_id=tenant.pk, batch_size=3, workers=workers)
    # then
    assert rows == 9
    assert set(ProductView.objects.filter(tenant_id=tenant.pk).values_list("pk", flat=True)) == {
        p.pk for p in products[1:-1]}
    assert ProductView.objects.filter(pk=foreign.pk).exists()
    assert ProductCountView.objects.get(tenant_id=tenant.pk, category_id=0).product_count == 9


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_a_rebuild_of_a_tenant_without_products_removes_every_read_row(tenant, other_tenant):
    # given: every product deleted on the write side without an event
    for i in range(4):
        commands.product_create(tenant=tenant, sku=f"G-{i}", name="x", price="3.00")
    foreign = commands.product_create(tenant=other_tenant, sku="G-0", name="theirs", price="3.00")
    drain()
    Product.objects.filter(tenant=tenant).delete()
    # when
    assert rebuild_tenant(tenant_id=tenant.pk, batch_size=3, workers=2) == 0
    # then
    assert not ProductView.objects.filter(tenant_id=tenant.pk).exists()
    assert ProductView.objects.filter(pk=foreign.pk).exists()
    assert not ProductCountView.objects.filter(tenant_id=tenant.pk, product_count__gt=0).exists()


def test_a_category_rename_reaches_thousands_of_read_rows_without_a_task_per_product(tenant):
    # given: 3,000 products in a subcategory, loaded in bulk and projected by a rebuild
    tools = commands.category_create(tenant=tenant, name="Tools")
    drills = commands.category_create(tenant=tenant, name="Drills", parent=tools)
    products = Product.objects.bulk_create(
        Product(tenant=tenant, sku=f"D-{i:05}", name="drill", price=Decimal("9.00"), version=1)
        for i in range(3000))
    ProductCategory.objects.bulk_create(
        ProductCategory(product=p, category=drills) for p in products)
    rebuild_tenant(tenant_id=tenant.pk)
    drain()
    # when: the parent category is renamed (one event, one projection)
    commands.category_update(tenant=tenant, category_id=tools.pk, name="Power tools")
    assert Event.objects.filter(status=EventStatus.PENDING).count() == 1
    drain()
    # then: every read row carries the new path
    rows = ProductView.objects.filter(tenant_id=tenant.pk, category_tree_ids__contains=[tools.pk])
    assert rows.count() == 3000
    assert {tuple(paths) for paths in rows.values_list("category_paths", flat=True)} == {
        ("Power tools > Drills",)}


def test_a_product_moved_to_another_category_leaves_the_old_filter_and_joins_the_new(tenant):
    old = commands.category_create(tenant=tenant, name="Old")
    new = commands.category_create(tenant=tenant, name="New")
    product = commands.product_create(tenant=tenant, sku="M", name="x", price="2.00",
                                      category_ids=[old.pk])
    drain()
    commands.product_update(tenant=tenant, product_id=product.pk, category_ids=[new.pk])
    drain()
    in_old = ProductView.objects.filter(category_tree_ids__contains=[old.pk])
    in_new = ProductView.objects.filter(category_tree_ids__contains=[new.pk])
    assert (in_old.count(), list(in_new.values_list("pk", flat=True))) == (0, [product.pk])


def test_only_renames_and_moves_reach_the_products_of_a_category_or_brand(tenant):
    # given: a created category and brand, a rename, a move, and a reorder
    from catalog.events import Aggregate
    from catalog.projections.outbox import _fan_out_ids

    tools = commands.category_create(tenant=tenant, name="Tools")
    drills = commands.category_create(tenant=tenant, name="Drills")
    sanders = commands.category_create(tenant=tenant, name="Sanders")
    brand = commands.brand_create(tenant=tenant, name="Bosch")
    other_brand = commands.brand_create(tenant=tenant, name="Makita")
    commands.category_update(tenant=tenant, category_id=tools.pk, name="Power tools")
    commands.category_update(tenant=tenant, category_id=drills.pk, parent=tools)
    commands.category_update(tenant=tenant, category_id=sanders.pk, position=5)
    commands.brand_update(tenant=tenant, brand_id=brand.pk, name="Bosch Professional")

    def pending(aggregate_type: str) -> dict[str, list[Event]]:
        grouped: dict[str, list[Event]] = {}
        for event in Event.objects.filter(aggregate_type=aggregate_type):
            grouped.setdefault(event.aggregate_id, []).append(event)
        return grouped

    # then
    assert _fan_out_ids(Aggregate.CATEGORY, pending("category")) == sorted(
        [str(tools.pk), str(drills.pk)])
    assert _fan_out_ids(Aggregate.BRAND, pending("brand")) == [str(brand.pk)]
    assert str(other_brand.pk) not in _fan_out_ids(Aggregate.BRAND, pending("brand"))


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_a_rebuild_on_two_workers_restores_every_row_of_its_tenant_only(tenant, other_tenant):
    # given: committed products in two tenants, some read rows lost, damaged or orphaned
    products = [commands.product_create(tenant=tenant, sku=f"P-{i}", name="x", price="3.00")
                for i in range(40)]
    foreign = commands.product_create(tenant=other_tenant, sku="P-0", name="theirs", price="3.00")
    drain()
    ProductView.objects.filter(pk__in=[p.pk for p in products[:10]]).delete()
    ProductView.objects.filter(pk=products[10].pk).update(name="tampered")
    Product.objects.filter(pk=products[11].pk).delete()  # no signal path: an orphan read row
    ProductView.objects.filter(pk=foreign.pk).update(name="left alone")
    reported: list[int] = []

    # when: eight batches run on two threads, each on its own connections
    rows = rebuild_tenant(tenant_id=tenant.pk, batch_size=5, workers=2, progress=reported.append)

    # then: every product of the tenant has its row again, the orphan is gone, B is untouched
    assert rows == sum(reported) == 39
    assert ProductView.objects.filter(tenant_id=tenant.pk).count() == 39
    assert ProductView.objects.get(pk=products[10].pk).name == "x"
    assert not ProductView.objects.filter(pk=products[11].pk).exists()
    assert ProductView.objects.get(pk=foreign.pk).name == "left alone"


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_a_batch_writes_its_rows_in_name_order_so_products_named_alike_share_pages(tenant):
    # given: a read table with no free space left by earlier tests (rows rolled back and
    # vacuumed: a batch would fill their scattered slots, a few rows a page, whatever its order)
    with connections["read"].cursor() as cursor:
        cursor.execute("VACUUM FULL catalog_read_productview")
    # and four product families, interleaved by SKU (and scattered by id, a random UUID)
    families = ["Anchor", "Bolt", "Clamp", "Drill"]
    for n in range(240):
        commands.product_create(tenant=tenant, sku=f"F-{n:03}", name=f"{families[n % 4]} {n:03}",
                                price="1.00")
    # when: projected in one batch
    rebuild_tenant(tenant_id=tenant.pk)
    # then: each family's rows lie together on a few of the batch's pages
    with connections["read"].cursor() as cursor:
        cursor.execute(
            "SELECT split_part(name, ' ', 1), count(DISTINCT (ctid::text::point)[0]) FROM"
            " catalog_read_productview WHERE tenant_id = %s GROUP BY 1 ORDER BY 1", [tenant.pk])
        pages = dict(cursor.fetchall())
        cursor.execute("SELECT count(DISTINCT (ctid::text::point)[0]) FROM catalog_read_productview"
                       " WHERE tenant_id = %s", [tenant.pk])
        total = cursor.fetchone()[0]
    assert sorted(pages) == families
    assert total >= 4, total  # enough pages for the families to be told apart
    assert all(n <= total // 2 for n in pages.values()), (pages, total)
