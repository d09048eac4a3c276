"""Imported products reach the read table through the bulk queue, and nothing is lost on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalog.models import Event, EventStatus
from catalog.projections.bulk import project_bulk, stale_bulk_tenants
from catalog.projections.outbox import process_batch
from catalog.read.models import ProductView
from catalog.tasks import relay_outbox_task
from tests.catalog.imports.conftest import csv_bytes, run_import
from tests.catalog.projections.conftest import celery_worker, wait_for  # noqa: F401

ROWS = [[f"R-{n}", f"Item {n}", "5.00", "", "1", "Acme", "Tools > Drills", "", ""] for n in range(1, 8)]


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_imported_products_are_projected_by_the_bulk_queue(celery_worker, tenant, other_tenant):  # noqa: F811
    # when
    run_import(tenant, csv_bytes(ROWS), batch_size=3)
    # then
    wait_for(lambda: ProductView.objects.for_tenant(tenant.pk).count() == 7, timeout=60,
             message="7 read rows")
    wait_for(lambda: not Event.objects.filter(status=EventStatus.BULK).exists(), timeout=30,
             message="bulk events processed")
    row = ProductView.objects.for_tenant(tenant.pk).get(sku="R-1")
    assert row.brand_name == "Acme"
    assert row.category_paths == ["Tools > Drills"]
    assert not ProductView.objects.for_tenant(other_tenant.pk).exists()


@pytest.mark.django_db(databases=["default", "read"])
def test_bulk_events_stay_out_of_the_live_outbox_until_the_bulk_consumer_marks_them(tenant):
    # given
    run_import(tenant, csv_bytes(ROWS))
    # when: the live consumer runs, it sees only the category and brand events
    while process_batch():
        pass
    # then
    assert Event.objects.for_tenant(tenant).filter(status=EventStatus.BULK).count() == 7
    assert not ProductView.objects.for_tenant(tenant.pk).exists()
    # when: the bulk consumer runs
    assert project_bulk(tenant_id=tenant.pk, chunk_size=4) == 7
    # then
    assert ProductView.objects.for_tenant(tenant.pk).count() == 7
    assert not Event.objects.for_tenant(tenant).filter(status=EventStatus.BULK).exists()


@pytest.mark.django_db(databases=["default", "read"])
def test_the_relay_finds_tenants_whose_bulk_events_were_left_behind(tenant, other_tenant):
    # given: an import committed, but its wake-up never ran (broker down, worker lost)
    run_import(tenant, csv_bytes(ROWS[:2]))
    # then
    assert stale_bulk_tenants(older_than=timedelta(0)) == [tenant.pk]
    assert stale_bulk_tenants(older_than=timedelta(minutes=5)) == []


@pytest.mark.django_db(databases=["default", "read"])
def test_the_relay_task_wakes_the_bulk_projection_only_for_old_bulk_events(tenant):
    # given
    run_import(tenant, csv_bytes(ROWS[:2]))
    while process_batch():  # the category and brand events are live ones
        pass
    # then
    assert relay_outbox_task(older_than_seconds=3600, bulk_older_than_seconds=3600) is False
    assert relay_outbox_task(older_than_seconds=3600, bulk_older_than_seconds=0) is True


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_two_connections_project_bulk_chunks_to_the_newest_version_of_every_product(tenant, other_tenant):
    # given: 30 products imported, then 20 of them changed: two bulk events for those
    rows = [[f"K-{n}", f"Item {n}", "5.00", "", str(n), "Acme", "Tools > Drills", "", ""] for n in range(30)]
    run_import(tenant, csv_bytes(rows), batch_size=7, workers=2)
    run_import(tenant, csv_bytes([[*row[:1], f"{row[1]} v2", *row[2:]] for row in rows[:20]]),
               batch_size=7, workers=2)
    run_import(other_tenant, csv_bytes(rows[:3]), workers=2)
    while process_batch():  # the category and brand events are live ones
        pass
    # when: chunks of 4 events on two connections
    handled = project_bulk(tenant_id=tenant.pk, chunk_size=4, workers=2)
    # then: every event once, every row at its product's newest version
    assert handled == 50
    assert not Event.objects.for_tenant(tenant).filter(status=EventStatus.BULK).exists()
    read = {r.sku: (r.name, r.version) for r in ProductView.objects.for_tenant(tenant.pk)}
    assert read == {f"K-{n}": (f"Item {n} v2" if n < 20 else f"Item {n}", 2 if n < 20 else 1)
                    for n in range(30)}
    assert not ProductView.objects.for_tenant(other_tenant.pk).exists()
    assert Event.objects.for_tenant(other_tenant).filter(status=EventStatus.BULK).count() == 3
