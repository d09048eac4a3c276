"""/health/live, /health/ and /metrics against the real services of the test session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connections
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from catalog import commands
from catalog.models import Event, EventStatus
from catalog.operations import health
from catalog.projections import outbox
from tests.web_process import NOWHERE, run_web_process

pytestmark = pytest.mark.django_db(databases=["default", "read"])



def metrics(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    """Return every sample of /metrics as ``{(name, labels): value}``."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode())
            for s in family.samples}


def test_every_service_up_and_nothing_waiting_is_ok(client, elasticsearch_url, monkeypatch):
    # given: the node may have only just started; a slow first answer is not what this tests
    monkeypatch.setattr(health, "PROBE_TIMEOUT_SECONDS", 30.0)
    # when
    with override_settings(ELASTICSEARCH_URL=elasticsearch_url):
        response = client.get("/health/")
    # then
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "read_database", "cache", "broker", "search"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["projection"]["lag_seconds"] == 0
    assert body["projection"]["parked_events"] == 0
    assert client.get("/health/live").json() == {"status": "ok"}


@pytest.mark.parametrize(("fallback", "status", "code"),
                         [("postgres", "degraded", 200), ("none", "down", 503)])
def test_elasticsearch_down_degrades_while_postgres_answers_searches_and_is_down_without(
        client, fallback, status, code):
    # when
    with override_settings(ELASTICSEARCH_URL=f"http://{NOWHERE}", SEARCH_FALLBACK=fallback):
        response = client.get("/health/")
    # then
    body = response.json()
    assert (response.status_code, body["status"]) == (code, status)
    search = body["checks"]["search"]
    assert not search["ok"]
    assert search["required"] is (fallback == "none")
    assert "Connection" in search["error"]
    assert body["checks"]["database"]["ok"]


def test_a_lag_that_cannot_be_read_degrades_and_names_the_error(client, monkeypatch):
    # given: the databases answer the probes, then the lag query fails
    def cut_short():
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(outbox, "projection_lag", cut_short)
    # when
    response = client.get("/health/")
    # then
    body = response.json()
    assert (response.status_code, body["status"]) == (200, "degraded")
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["projection"]["ok"] is False
    assert "OperationalError: canceling statement" in body["checks"]["projection"]["error"]
    assert body["projection"] is None


def test_a_missing_read_index_degrades_and_is_named(client):
    # given: a cold load dropped the read indexes (or was killed before building them again)
    from catalog.projections.rebuild import read_indexes
    from catalog.read.models import ProductView

    _, search = read_indexes()[6]
    with connections["read"].schema_editor() as editor:  # undone with the test's transaction
        editor.remove_index(ProductView, search)
    # when
    response = client.get("/health/")
    # then
    body = response.json()
    assert (response.status_code, body["status"]) == (200, "degraded")
    assert body["checks"]["read_indexes"]["ok"] is False
    assert body["checks"]["read_indexes"]["error"].endswith(f"slow meanwhile: {search.name}")
    assert body["checks"]["read_database"]["ok"]


def test_a_lagging_projection_or_a_parked_event_degrades(client, tenant):
    # given: a write whose events wait for two minutes (no worker runs here)
    commands.product_create(tenant=tenant, sku="LAG-1", name="Lagging", price="1.00")
    Event.objects.filter(tenant=tenant).update(occurred_at=timezone.now() - timedelta(minutes=2))
    # when
    lagging = client.get("/health/").json()
    # then
    assert lagging["status"] == "degraded"
    assert lagging["projection"]["lag_seconds"] >= 120
    assert lagging["projection"]["lag_limit_seconds"] == 60
    # when: the events are parked instead
    Event.objects.filter(tenant=tenant).update(status=EventStatus.PARKED)
    parked = client.get("/health/").json()
    # then
    assert parked["status"] == "degraded"
    assert parked["projection"]["lag_seconds"] == 0
    assert parked["projection"]["parked_events"] == Event.objects.filter(tenant=tenant).count() > 0


def test_metrics_count_waiting_events_per_tenant_and_the_lag(client, tenant, other_tenant):
    # given: writes in two tenants, waiting for projection; one event parked
    commands.product_create(tenant=tenant, sku="M-1", name="First", price="1.00")
    commands.product_create(tenant=tenant, sku="M-2", name="Second", price="1.00")
    commands.product_create(tenant=other_tenant, sku="M-1", name="Theirs", price="1.00")
    Event.objects.update(occurred_at=timezone.now() - timedelta(seconds=30))
    parked = Event.objects.filter(tenant=other_tenant).first()
    Event.objects.filter(pk=parked.pk).update(status=EventStatus.PARKED)
    waiting = {t.pk: Event.objects.filter(tenant=t, status__in=[EventStatus.PENDING,
                                                                 EventStatus.BULK]).count()
               for t in (tenant, other_tenant)}
    # when
    samples = metrics(client)
    # then
    for t in (tenant, other_tenant):
        key = ("catalog_events_waiting", (("tenant_id", str(t.pk)),))
        assert samples.get(key, 0) == waiting[t.pk]
    assert waiting[tenant.pk] >= 2
    assert samples[("catalog_events_parked", ())] == 1
    assert samples[("catalog_projection_lag_seconds", ())] >= 30
    assert samples[("catalog_search_queue_entries", ())] >= 0
    for service in ("database", "read_database", "cache", "broker"):
        assert samples[("catalog_service_up", (("service", service),))] == 1


# Both health endpoints of a fresh web process whose services all are unreachable.
BOTH_ENDPOINTS = """
answers = {}
for name, path in (("live", "/health/live"), ("ready", "/health/")):
    status, body = get(path)
    answers[name] = {"status": status, "body": json.loads(body)}
print(json.dumps(answers))
"""


def test_with_every_service_unreachable_the_process_is_live_but_not_ready():
    # given: production settings pointing every service at a port where nothing listens
    # when
    answers = run_web_process(BOTH_ENDPOINTS)
    # then: live, not ready; every probe failed and says why; nothing counted without a database
    assert answers["live"] == {"status": "200 OK", "body": {"status": "ok"}}
    ready = answers["ready"]
    assert ready["status"].startswith("503")
    assert ready["body"]["status"] == "down"
    checks = ready["body"]["checks"]
    assert set(checks) == {"database", "read_database", "cache", "broker", "search"}
    assert all(not c["ok"] and c["error"] for c in checks.values()), checks
    assert [n for n, c in checks.items() if c["required"]] == ["database", "read_database"]
    assert ready["body"]["projection"] is None
