"""Shared fixtures: two tenants in every test that touches data, and their staff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from catalog.models import StaffMembership, StaffRole, Tenant

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# How long a browser test waits for the page (Playwright's default is 5 s): the live server
# and Chromium share CI's 2 cores with the rest of the session.
UI_WAIT_MS = 30_000


@pytest.fixture
def chromium_path() -> str:
    """Return Debian's Chromium for browser tests; fail in CI without it, skip elsewhere."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return str(CHROMIUM)


@pytest.fixture
def tenant(db) -> Tenant:  # type: ignore[no-untyped-def]
    return Tenant.objects.create(slug="acme", name="ACME Industrial", default_currency="EUR")


@pytest.fixture
def other_tenant(db) -> Tenant:  # type: ignore[no-untyped-def]
    return Tenant.objects.create(slug="globex", name="Globex Supply", default_currency="USD")


def make_staff(username: str, tenant: Tenant, role: str = StaffRole.MERCHANDISER) -> User:
    """Create a staff user who works in ``tenant``."""
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    StaffMembership.objects.create(user=user, tenant=tenant, role=role)
    return user


@pytest.fixture
def merchandiser(tenant: Tenant) -> User:
    return make_staff("merch-acme", tenant)


@pytest.fixture
def other_merchandiser(other_tenant: Tenant) -> User:
    return make_staff("merch-globex", other_tenant)
