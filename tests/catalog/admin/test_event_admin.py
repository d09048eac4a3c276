"""The event store is browsable, read-only and tenant-scoped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.admin.events import CappedCountPaginator
from catalog.events import EventType
from catalog.models import Event, EventStatus
from tests.catalog.admin.conftest import changelist_rows

pytestmark = pytest.mark.django_db

URL = "admin:catalog_event_changelist"


def test_merchandiser_filters_events_by_type_status_and_aggregate(merch_client, shop, other_shop):
    # given
    Event.objects.filter(tenant=shop.tenant, event_type=EventType.BRAND_CREATED).update(
        status=EventStatus.PARKED, last_error="mapping exploded")
    # when
    by_type = changelist_rows(merch_client.get(reverse(URL), {"event_type": "CategoryCreated"}))
    parked = changelist_rows(merch_client.get(reverse(URL), {"status__exact": "parked"}))
    products = changelist_rows(merch_client.get(reverse(URL), {"aggregate_type": "product"}))
    by_id = changelist_rows(merch_client.get(reverse(URL), {"q": str(shop.product.pk)}))
    # then
    assert [e.aggregate_id for e in by_type] == [str(shop.wrenches.pk), str(shop.tools.pk)]
    assert [(e.event_type, e.tenant_id) for e in parked] == [("BrandCreated", shop.tenant.pk)]
    assert {(e.aggregate_id, e.tenant_id) for e in products} == {(str(shop.product.pk),
                                                                 shop.tenant.pk)}
    assert len(by_id) == 2


def test_event_types_filter_lists_the_known_types_without_scanning_events(merch_client, shop):
    response = merch_client.get(reverse(URL))
    spec = next(f for f in response.context["cl"].filter_specs if f.title == "event type")
    assert ("ProductCreated", "ProductCreated") in spec.lookup_choices
    assert len(spec.lookup_choices) == 10


def test_event_page_is_read_only_and_shows_the_payload(merch_client, shop):
    event = Event.objects.filter(tenant=shop.tenant, event_type=EventType.PRODUCT_CREATED).get()
    url = reverse("admin:catalog_event_change", args=[event.pk])
    response = merch_client.get(url)
    assert response.status_code == 200
    assert response.context["title"] == "View event"
    assert "&quot;sku&quot;: &quot;W-100&quot;" in response.content.decode()
    assert merch_client.post(url, {}).status_code == 403
    assert merch_client.get(reverse("admin:catalog_event_add")).status_code == 403
    assert merch_client.post(reverse("admin:catalog_event_delete", args=[event.pk]),
                             {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_another_tenants_event_page_gives_404(merch_client, shop, other_shop):
    event = Event.objects.filter(tenant=other_shop.tenant).first()
    assert merch_client.get(reverse("admin:catalog_event_change", args=[event.pk])).status_code == 404


def test_superuser_sees_every_tenants_events(superuser_client, shop, other_shop):
    rows = changelist_rows(superuser_client.get(reverse(URL)))
    assert {e.tenant_id for e in rows} == {shop.tenant.pk, other_shop.tenant.pk}
    assert superuser_client.get(reverse("admin:catalog_event_add")).status_code == 403


def test_event_count_stops_at_the_cap(shop, other_shop):
    paginator = CappedCountPaginator(Event.objects.order_by("-id"), 100)
    paginator.cap = 3
    assert Event.objects.count() > 3
    assert paginator.count == 3


def test_merchandiser_retries_parked_events_of_their_tenant_only(merch_client, shop, other_shop):
    # given: one parked event in each tenant
    mine = Event.objects.filter(tenant=shop.tenant).first()
    theirs = Event.objects.filter(tenant=other_shop.tenant).first()
    Event.objects.filter(pk__in=[mine.pk, theirs.pk]).update(
        status=EventStatus.PARKED, attempts=5, last_error="boom")
    # when: the action is posted with both ids
    response = merch_client.post(reverse(URL), {
        "action": "retry_parked_events", "_selected_action": [mine.pk, theirs.pk]}, follow=True)
    # then: only the tenant's own event is pending again, with a fresh attempt count
    assert "1 parked event(s) sent back to the projection." in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.attempts, mine.last_error) == (EventStatus.PENDING, 0, "")
    assert theirs.status == EventStatus.PARKED


def test_viewer_cannot_retry_parked_events(viewer_client, shop):
    event = Event.objects.filter(tenant=shop.tenant).first()
    Event.objects.filter(pk=event.pk).update(status=EventStatus.PARKED)
    merch_page = viewer_client.get(reverse(URL))
    assert "retry_parked_events" not in merch_page.content.decode()
    viewer_client.post(reverse(URL), {"action": "retry_parked_events",
                                      "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.status == EventStatus.PARKED
