"""The whole path with a real worker: commit → wake-up → projection, through failures."""

from __future__ import annotations

import pytest
from django.db import connections

from catalog import commands
from catalog.models import Event, EventStatus, Product
from catalog.read.models import ProductView
from tests.catalog.projections.conftest import wait_for

pytestmark = pytest.mark.django_db(databases=["default", "read"], transaction=True)


def read_version(product_id) -> int | None:
    return ProductView.objects.filter(pk=product_id).values_list("version", flat=True).first()


def test_an_admin_style_save_becomes_visible_in_the_read_table(celery_worker, tenant):
    # given
    product = commands.product_create(tenant=tenant, sku="B-1", name="Hex bolt", price="2.00")
    wait_for(lambda: read_version(product.pk) == 1, timeout=30, message="created row")
    # when: the admin path, a plain save()
    product = Product.objects.get(pk=product.pk)
    product.name = "Hex bolt DIN 933"
    product.save()
    # then
    wait_for(lambda: read_version(product.pk) == 2, timeout=30, message="updated row")
    assert ProductView.objects.get(pk=product.pk).name == "Hex bolt DIN 933"


def test_a_write_while_the_broker_is_down_is_projected_by_the_relay(
        celery_worker, celery_broker, tenant):
    # given: the broker is down
    celery_broker.stop()
    try:
        # when: the write commits anyway, its wake-up is lost
        product = commands.product_create(tenant=tenant, sku="B-1", name="x", price="2.00")
        assert Event.objects.get(aggregate_id=str(product.pk)).status == EventStatus.PENDING
    finally:
        celery_broker.start()
    # then: the periodic relay (beat) wakes the projection once the broker is back
    wait_for(lambda: read_version(product.pk) == 1, timeout=60, message="relay projection")
    # The read row commits before the event is marked done (in the write-side transaction
    # that claimed it), so the mark may follow a moment later.
    wait_for(lambda: not Event.objects.filter(status=EventStatus.PENDING).exists(), timeout=30,
             message="event marked processed")


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(celery_worker, tenant, other_tenant):
    # given: the projection of the tenant is held up mid-batch by its lock
    blocker = connections.create_connection("read")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5EAD, tenant.pk])
    products = [commands.product_create(tenant=tenant, sku=f"K-{i}", name="x", price="2.00")
                for i in range(20)]
    wait_for(lambda: _someone_waits_for_the_tenant_lock(tenant.pk), timeout=30,
             message="worker blocked inside its batch")
    # when: the worker dies, then the lock goes away and a new worker starts
    celery_worker.kill()
    blocker.rollback()
    blocker.close()
    celery_worker.start()
    # then: every product is projected once, every event processed once
    ids = [p.pk for p in products]
    wait_for(lambda: ProductView.objects.filter(pk__in=ids).count() == 20, timeout=60,
             message="all rows after restart")
    wait_for(lambda: not Event.objects.filter(status=EventStatus.PENDING).exists(), timeout=30,
             message="no pending events")
    assert set(ProductView.objects.filter(pk__in=ids).values_list("version", flat=True)) == {1}
    assert Event.objects.filter(status=EventStatus.PROCESSED).count() == 20


def _someone_waits_for_the_tenant_lock(tenant_id: int) -> bool:
    with connections["read"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                       " AND NOT granted AND classid = %s AND objid = %s", [0x5EAD, tenant_id])
        return cursor.fetchone()[0] > 0


def test_a_parked_event_of_one_tenant_does_not_stop_another(celery_worker, tenant, other_tenant):
    # given: tenant A's product cannot be projected (a read row blocks it with a type error)
    broken = commands.product_create(tenant=tenant, sku="A-1", name="x", price="2.00")
    wait_for(lambda: read_version(broken.pk) == 1, timeout=30, message="row of A")
    with connections["read"].cursor() as cursor:
        cursor.execute("ALTER TABLE catalog_read_productview ADD CONSTRAINT no_bad"
                       f" CHECK (tenant_id <> {int(tenant.pk)} OR name <> 'poison')")
    try:
        commands.product_update(tenant=tenant, product_id=broken.pk, name="poison")
        # when: B keeps editing
        fine = commands.product_create(tenant=other_tenant, sku="B-1", name="ok", price="2.00")
        # then: B is projected, A's event is retried and parked with its error
        wait_for(lambda: read_version(fine.pk) == 1, timeout=30, message="row of B")
        parked = wait_for(lambda: Event.objects.filter(status=EventStatus.PARKED).first(),
                          timeout=90, message="parked event")
        assert parked.aggregate_id == str(broken.pk)
        assert "no_bad" in parked.last_error
    finally:
        with connections["read"].cursor() as cursor:
            cursor.execute("ALTER TABLE catalog_read_productview DROP CONSTRAINT no_bad")

