"""API keys in the admin: created within the merchandiser's tenant, shown once, revocable."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from catalog.api.keys import api_key_create
from catalog.models import ApiKey, StaffRole
from tests.catalog.api.conftest import client_for
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db(databases=["default", "read"])

ADD_URL = "/admin/catalog/apikey/add/"
LIST_URL = "/admin/catalog/apikey/"


def _login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_merchandiser_creates_a_key_that_is_shown_once_and_works(tenant, other_tenant):
    # given
    client = _login(make_staff("merch", tenant))
    # when
    response = client.post(ADD_URL, {"name": "Storefront", "scopes": ["read"]}, follow=True)
    # then
    shown = " ".join(m.message for m in response.context["messages"])
    token = re.search(r"ck_[0-9a-f]{10}_\S+", shown).group(0)
    key = ApiKey.objects.get(name="Storefront")
    assert (key.tenant_id, key.scopes, key.created_by.username) == (tenant.pk, ["read"], "merch")
    assert client_for(token).get("/api/v1/brands/").status_code == 200
    change_page = client.get(f"/admin/catalog/apikey/{key.pk}/change/")
    assert token not in change_page.content.decode()
    assert key.prefix in change_page.content.decode()


def test_the_key_list_shows_only_the_merchandisers_tenant(tenant, other_tenant):
    api_key_create(tenant=tenant, name="mine")
    api_key_create(tenant=other_tenant, name="theirs")
    response = _login(make_staff("merch", tenant)).get(LIST_URL)
    assert [k.name for k in response.context["cl"].result_list] == ["mine"]


def test_revoking_in_the_admin_stops_the_key(tenant):
    # given
    key, token = api_key_create(tenant=tenant, name="erp")
    assert client_for(token).get("/api/v1/brands/").status_code == 200
    # when
    _login(make_staff("merch", tenant)).post(
        LIST_URL, {"action": "revoke", "_selected_action": [key.pk]})
    # then
    assert ApiKey.objects.get(pk=key.pk).is_revoked
    assert client_for(token).get("/api/v1/brands/").status_code == 401


def test_a_viewer_cannot_create_or_revoke_keys(tenant):
    key, _ = api_key_create(tenant=tenant, name="erp")
    client = _login(make_staff("viewer", tenant, role=StaffRole.VIEWER))
    assert client.post(ADD_URL, {"name": "x", "scopes": ["read"]}).status_code == 403
    client.post(LIST_URL, {"action": "revoke", "_selected_action": [key.pk]})
    assert not ApiKey.objects.get(pk=key.pk).is_revoked


def test_another_tenants_key_is_a_404_in_the_admin(tenant, other_tenant):
    theirs, _ = api_key_create(tenant=other_tenant, name="theirs")
    response = _login(make_staff("merch", tenant)).get(f"/admin/catalog/apikey/{theirs.pk}/change/")
    assert response.status_code == 404
