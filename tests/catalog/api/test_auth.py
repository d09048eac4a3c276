"""API keys and staff sessions: who may call what, and how keys are stored and used."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from catalog.api import throttling
from catalog.api.keys import PRINCIPAL_TTL, api_key_create, api_key_revoke
from catalog.models import ApiKey, ApiKeyScope, StaffRole
from tests.catalog.api.conftest import client_for
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db(databases=["default", "read"])

READ_URLS = ["/api/v1/products/", "/api/v1/categories/", "/api/v1/brands/", "/api/v1/stats/",
             "/api/v1/products/by-sku/D-1/"]


@pytest.mark.parametrize("url", READ_URLS)
def test_no_key_is_a_401_with_the_scheme_named(keys, url):
    response = client_for(None).get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'


@pytest.mark.parametrize("token", ["nonsense", "ck_0000000000_" + "x" * 43, ""])
def test_a_wrong_key_is_a_401(keys, token):
    assert client_for(token).get("/api/v1/products/").status_code == 401


def test_a_command_without_a_key_is_a_401(keys):
    assert client_for(None).post("/api/v1/commands/products/", {}, format="json").status_code == 401


def test_a_read_only_key_may_not_run_commands(keys, shop):
    client = client_for(keys.read_only)
    assert client.get("/api/v1/products/").status_code == 200
    response = client.post("/api/v1/commands/products/", {"sku": "A", "name": "A", "price": "1.00"},
                           format="json")
    assert (response.status_code, response.json()["detail"]) == (
        403, "This API key does not have the write scope.")


def test_a_write_only_key_may_not_read(keys, shop):
    client = client_for(keys.write_only)
    assert client.get("/api/v1/products/").status_code == 403
    assert client.get(f"/api/v1/products/{shop.products['D-1'].pk}/").status_code == 403
    response = client.post("/api/v1/commands/products/", {"sku": "A", "name": "A", "price": "1.00"},
                           format="json")
    assert response.status_code == 201


def test_the_key_is_stored_only_as_a_hash(tenant):
    # when
    key, token = api_key_create(tenant=tenant, name="pos")
    # then
    stored = ApiKey.objects.get(pk=key.pk)
    assert token.startswith(stored.prefix + "_")
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [getattr(stored, f.attname) for f in ApiKey._meta.concrete_fields]
    assert len(token) > 50


def test_a_revoked_key_stops_working_at_once(keys, tenant):
    # given
    client = client_for(keys.read_only)
    assert client.get("/api/v1/brands/").status_code == 200  # the lookup is cached now
    key = ApiKey.objects.get(name="shop")
    # when
    api_key_revoke(tenant=tenant, key_ids=[key.pk])
    # then
    assert client.get("/api/v1/brands/").status_code == 401
    assert ApiKey.objects.get(pk=key.pk).is_revoked


def test_another_tenant_cannot_revoke_a_key(keys, tenant, other_tenant):
    key = ApiKey.objects.get(tenant=tenant, name="shop")
    assert api_key_revoke(tenant=other_tenant, key_ids=[key.pk]) == 0
    assert client_for(keys.read_only).get("/api/v1/brands/").status_code == 200


def test_a_key_of_a_deactivated_tenant_is_refused(keys, tenant):
    tenant.is_active = False
    tenant.save()
    assert client_for(keys.full).get("/api/v1/brands/").status_code == 401


def test_last_used_is_recorded_at_most_once_per_cache_period(keys):
    # given
    client = client_for(keys.full)
    key = ApiKey.objects.get(name="erp", tenant__slug="acme")
    assert key.last_used_at is None
    # when
    client.get("/api/v1/brands/")
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(hours=1))
    client.get("/api/v1/brands/")
    # then: served from the cached lookup, no write
    assert first is not None
    assert first <= timezone.now()
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first - timedelta(hours=1)
    assert PRINCIPAL_TTL <= 60


def test_a_tenant_id_sent_by_the_client_is_not_a_way_in(keys, shop, other_shop):
    response = client_for(keys.full).get(
        "/api/v1/brands/", HTTP_X_TENANT_ID=str(other_shop.tenant.pk))
    assert {b["id"] for b in response.json()["results"]} == {b.pk for b in shop.brands.values()}


def test_each_key_is_throttled_with_retry_after(keys, settings, monkeypatch):
    # given: a clock 10 s into a minute, so no window ends between the requests
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: 1_800_000_010.0))
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"read": "3/min", "write": "1/min"}}
    client, other = client_for(keys.full), client_for(keys.read_only)
    # when
    codes = [client.get("/api/v1/brands/").status_code for _ in range(4)]
    throttled = client.get("/api/v1/brands/")
    # then
    assert codes == [200, 200, 200, 429]
    assert int(throttled["Retry-After"]) == 50  # the rest of the window
    assert other.get("/api/v1/brands/").status_code == 200  # a key of its own
    cache.clear()


def test_staff_browse_the_api_within_their_membership(shop, other_shop):
    # given
    client = Client()
    client.force_login(make_staff("browser", shop.tenant, role=StaffRole.VIEWER))
    # when
    page = client.get("/api/v1/brands/", HTTP_ACCEPT="text/html")
    data = client.get("/api/v1/brands/", HTTP_ACCEPT="application/json")
    # then
    assert page.status_code == 200
    assert b"Bosch" in page.content
    assert {b["id"] for b in data.json()["results"]} == {b.pk for b in shop.brands.values()}


def test_a_viewer_may_not_run_commands_and_a_merchandiser_may(shop):
    viewer, merchandiser = Client(), Client()
    viewer.force_login(make_staff("viewer", shop.tenant, role=StaffRole.VIEWER))
    merchandiser.force_login(make_staff("merch", shop.tenant))
    body = {"sku": "A", "name": "A", "price": "1.00"}
    assert viewer.post("/api/v1/commands/products/", body,
                       content_type="application/json").status_code == 403
    response = merchandiser.post("/api/v1/commands/products/", body, content_type="application/json")
    assert response.status_code == 201


def test_staff_without_a_membership_get_a_403(db, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    assert client.get("/api/v1/brands/").status_code == 403


def test_key_scopes_must_be_known(tenant):
    with pytest.raises(Exception, match="scopes"):
        api_key_create(tenant=tenant, name="bad", scopes=["admin"])
    assert not ApiKey.objects.filter(name="bad").exists()
    assert ApiKeyScope.values == ["read", "write"]
