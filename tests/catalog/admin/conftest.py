"""Fixtures for the admin: a small catalog in each of two tenants, and logged-in clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from catalog import commands
from catalog.models import Brand, Category, Event, Product, StaffRole, Tenant
from tests.conftest import make_staff


@dataclass
class Shop:
    """One tenant's catalog: a brand, a two-level category branch and a product in the leaf."""

    tenant: Tenant
    brand: Brand
    tools: Category
    wrenches: Category
    product: Product


def build_shop(tenant: Tenant, *, sku: str = "W-100", brand: str = "Bahco") -> Shop:
    """Create a small catalog in ``tenant`` through the commands, as any client would."""
    brand_row = commands.brand_create(tenant=tenant, name=brand)
    tools = commands.category_create(tenant=tenant, name="Tools")
    wrenches = commands.category_create(tenant=tenant, name="Wrenches", parent=tools)
    product = commands.product_create(
        tenant=tenant, sku=sku, name="Adjustable wrench", price="19.90", stock_quantity=5,
        brand_id=brand_row.pk, category_ids=[wrenches.pk],
    )
    return Shop(tenant=tenant, brand=brand_row, tools=tools, wrenches=wrenches, product=product)


@pytest.fixture
def shop(tenant: Tenant) -> Shop:
    return build_shop(tenant)


@pytest.fixture
def other_shop(other_tenant: Tenant) -> Shop:
    return build_shop(other_tenant, sku="G-100", brand="Stanley")


def logged_in(user: User) -> Client:
    """Return a test client with ``user`` logged in."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def merch_client(merchandiser: User) -> Client:
    return logged_in(merchandiser)


@pytest.fixture
def viewer(tenant: Tenant) -> User:
    return make_staff("viewer-acme", tenant, role=StaffRole.VIEWER)


@pytest.fixture
def viewer_client(viewer: User) -> Client:
    return logged_in(viewer)


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.com", "pw-for-tests-only")


@pytest.fixture
def superuser_client(superuser: User) -> Client:
    return logged_in(superuser)


def product_form_data(**overrides: Any) -> dict[str, Any]:
    """Return a valid POST body for the product add form; ``overrides`` replace fields."""
    data: dict[str, Any] = {
        "sku": "NEW-1", "name": "Torque wrench", "description": "", "price": "49.00",
        "sale_price": "", "currency": "EUR", "stock_quantity": "3", "is_active": "on",
        "brand": "", "category_ids": [], "tags": "", "attributes": "{}",
        "translation_name_de": "", "translation_description_de": "",
        "translation_name_fr": "", "translation_description_fr": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def form_errors(response: Any) -> dict[str, list[str]]:
    """Return the errors of the admin form in ``response`` (empty when it saved)."""
    assert response.context is not None, f"expected a rendered form, got {response.status_code}"
    return {field: list(messages) for field, messages in response.context["adminform"].form.errors.items()}


def changelist_rows(response: Any) -> list[Any]:
    """Return the objects listed on a changelist page."""
    assert response.status_code == 200, response.status_code
    return list(response.context["cl"].result_list)


def event_count() -> int:
    """Return how many events the store holds."""
    return Event.objects.count()
