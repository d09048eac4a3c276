"""The dev stack's logins: passwords from the environment, whatever character they begin with."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from catalog.models import StaffMembership

pytestmark = pytest.mark.django_db


def test_passwords_that_begin_with_a_dash_come_through_the_environment(tenant, monkeypatch):
    # given: generated passwords that a command line would read as options
    monkeypatch.setenv("DEV_ADMIN_PASSWORD", "-Adm1n-secret")
    monkeypatch.setenv("DEV_MERCHANDISER_PASSWORD", "--merch-secret")
    # when
    call_command("create_dev_logins", "--tenant", tenant.slug, stdout=None)
    # then
    admin = authenticate(username="admin", password="-Adm1n-secret")
    merchandiser = authenticate(username="merchandiser", password="--merch-secret")
    assert admin is not None
    assert admin.is_superuser
    assert merchandiser is not None
    assert not merchandiser.is_superuser
    assert StaffMembership.objects.get(user=merchandiser).tenant == tenant


def test_a_missing_password_names_its_option_and_creates_no_login(tenant, monkeypatch):
    monkeypatch.delenv("DEV_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("DEV_MERCHANDISER_PASSWORD", "merch-secret")
    with pytest.raises(CommandError, match=r"--admin-password: required \(or set \$DEV_ADMIN_PASSWORD\)"):
        call_command("create_dev_logins", "--tenant", tenant.slug)
    assert authenticate(username="merchandiser", password="merch-secret") is None
