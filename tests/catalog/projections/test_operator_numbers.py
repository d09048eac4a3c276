"""The numbers an operator watches: pending per tenant, projection lag, parked events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from catalog import commands
from catalog.models import Event, EventStatus
from catalog.projections import outbox
from catalog.projections.bulk import stale_bulk_tenants
from tests.pg_stats import index_entries_read

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def test_pending_lag_and_parked_reflect_the_outbox(tenant, other_tenant):
    # given: two pending events of A (one a minute old), one of B, one parked of B
    a = commands.product_create(tenant=tenant, sku="A", name="x", price="1.00")
    commands.product_update(tenant=tenant, product_id=a.pk, name="y")
    b = commands.product_create(tenant=other_tenant, sku="B", name="x", price="1.00")
    Event.objects.filter(aggregate_id=str(a.pk)).update(occurred_at=timezone.now() - timedelta(minutes=1))
    commands.product_update(tenant=other_tenant, product_id=b.pk, name="y")
    Event.objects.filter(aggregate_id=str(b.pk), aggregate_version=2).update(status=EventStatus.PARKED)
    # then
    assert outbox.pending_by_tenant() == {tenant.pk: 2, other_tenant.pk: 1}
    assert outbox.projection_lag() >= timedelta(minutes=1)
    assert outbox.has_stale_pending(older_than=timedelta(seconds=30))
    assert outbox.parked_count() == 1
    # when: everything is projected and the parked event retried
    while outbox.process_batch():
        pass
    parked = list(Event.objects.filter(status=EventStatus.PARKED).values_list("id", flat=True))
    assert outbox.retry_parked(event_ids=parked) == 1
    while outbox.process_batch():
        pass
    # then
    assert outbox.pending_by_tenant() == {}
    assert outbox.projection_lag() == timedelta(0)
    assert outbox.parked_count() == 0
    assert not outbox.has_stale_pending(older_than=timedelta(seconds=0))


def test_events_of_a_bulk_import_count_as_waiting(tenant):
    # given: a product whose event came from a bulk import, two minutes ago
    product = commands.product_create(tenant=tenant, sku="I", name="x", price="1.00")
    Event.objects.filter(aggregate_id=str(product.pk)).update(
        status=EventStatus.BULK, occurred_at=timezone.now() - timedelta(minutes=2))
    # then: the operator sees it waiting, and how long
    assert outbox.pending_by_tenant() == {tenant.pk: 1}
    assert outbox.projection_lag() >= timedelta(minutes=2)


def _events(tenant, count: int, status: str, **fields: object) -> list[Event]:  # type: ignore[no-untyped-def]
    return Event.objects.bulk_create(
        Event(tenant=tenant, aggregate_type="product", aggregate_id=str(n), aggregate_version=1,
              event_type="product.created", status=status, **fields) for n in range(count))


@pytest.mark.django_db(databases=["default", "read"], transaction=True)  # statistics of committed work
def test_the_oldest_bulk_event_is_found_without_reading_the_processed_history(tenant, other_tenant):
    # given: 3,000 processed events (the audit trail grows forever), then as many of bulk
    # imports of two tenants, A's a minute older; the statistics know them all
    _events(tenant, 3000, EventStatus.PROCESSED)
    _events(tenant, 2000, EventStatus.BULK, occurred_at=timezone.now() - timedelta(minutes=2))
    _events(other_tenant, 1000, EventStatus.BULK)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_event")
    before = index_entries_read("catalog_event")["catalog_event_pkey"]
    # when
    lag = outbox.projection_lag()
    stale = stale_bulk_tenants(older_than=timedelta(minutes=1))
    everyone = stale_bulk_tenants(older_than=timedelta(0))
    # then: right answers, from one primary-key probe per tenant and call, not a walk over
    # the processed events in id order (3,000 entries and more per call)
    assert lag >= timedelta(minutes=2)
    assert stale == [tenant.pk]
    assert everyone == sorted([tenant.pk, other_tenant.pk])
    assert index_entries_read("catalog_event")["catalog_event_pkey"] - before <= 6
