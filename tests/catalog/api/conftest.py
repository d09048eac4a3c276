"""Fixtures for the API: a projected catalog in each of two tenants, API keys and clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog import commands
from catalog.api.keys import api_key_create
from catalog.models import ApiKeyScope, Brand, Category, Product, Tenant
from catalog.projections.outbox import process_batch


def drain() -> None:
    """Project every pending event, as the worker would."""
    while process_batch():
        pass


@dataclass
class Shop:
    """One tenant's catalog, created through the commands and projected."""

    tenant: Tenant
    brands: dict[str, Brand] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)


def build_shop(tenant: Tenant) -> Shop:
    """Create brands, a category tree with an empty branch, and four products."""
    shop = Shop(tenant=tenant)
    for name in ("Bosch", "Makita"):
        shop.brands[name] = commands.brand_create(tenant=tenant, name=name)
    tools = commands.category_create(tenant=tenant, name="Tools", position=1)
    shop.categories = {
        "tools": tools,
        "drills": commands.category_create(tenant=tenant, name="Drills", parent=tools, position=1),
        "saws": commands.category_create(tenant=tenant, name="Saws", parent=tools, position=2),
        "garden": commands.category_create(tenant=tenant, name="Garden", position=2),
    }
    specs: list[dict[str, Any]] = [
        {"sku": "D-1", "name": "Cordless drill", "price": "99.00", "sale_price": "79.00",
         "brand": "Bosch", "category": "drills", "tags": ["cordless", "pro"],
         "attributes": {"voltage": 18, "material": "steel"}, "stock_quantity": 5},
        {"sku": "D-2", "name": "Hammer drill", "price": "149.00", "brand": "Makita",
         "category": "drills", "tags": ["pro"], "attributes": {"voltage": 230}, "stock_quantity": 0},
        {"sku": "S-1", "name": "Circular saw", "price": "120.00", "brand": "Bosch",
         "category": "saws", "attributes": {"material": "aluminium"}, "stock_quantity": 3},
        {"sku": "X-1", "name": "Apron", "price": "15.00", "stock_quantity": 10, "is_active": False},
    ]
    for spec in specs:
        brand, category = spec.pop("brand", None), spec.pop("category", None)
        shop.products[spec["sku"]] = commands.product_create(
            tenant=tenant, brand_id=shop.brands[brand].pk if brand else None,
            category_ids=[shop.categories[category].pk] if category else [], **spec)
    return shop


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(tenant: Tenant, other_shop: Shop) -> Shop:
    """The catalog of tenant A, projected together with tenant B's (the other_shop)."""
    built = build_shop(tenant)
    drain()
    return built


@pytest.fixture
def other_shop(other_tenant: Tenant) -> Shop:
    return build_shop(other_tenant)


@dataclass
class Keys:
    """Tokens: A's read+write, read-only and write-only keys, and B's read+write key."""

    full: str
    read_only: str
    write_only: str
    other: str


@pytest.fixture
def keys(tenant: Tenant, other_tenant: Tenant) -> Keys:
    both = (ApiKeyScope.READ, ApiKeyScope.WRITE)
    return Keys(
        full=api_key_create(tenant=tenant, name="erp", scopes=both)[1],
        read_only=api_key_create(tenant=tenant, name="shop", scopes=[ApiKeyScope.READ])[1],
        write_only=api_key_create(tenant=tenant, name="feed", scopes=[ApiKeyScope.WRITE])[1],
        other=api_key_create(tenant=other_tenant, name="erp", scopes=both)[1],
    )


def client_for(token: str | None) -> APIClient:
    """Return an API client sending ``token`` as X-API-Key (none without a token)."""
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_X_API_KEY=token)
    return client


@pytest.fixture
def api(keys: Keys) -> APIClient:
    """A client with tenant A's read+write key."""
    return client_for(keys.full)


@pytest.fixture
def other_api(keys: Keys) -> APIClient:
    """A client with tenant B's read+write key."""
    return client_for(keys.other)


def skus(response: Any) -> list[str]:
    """Return the SKUs of a product list response, in order."""
    assert response.status_code == 200, (response.status_code, response.content)
    return [row["sku"] for row in response.json()["results"]]
