"""A searchable catalog in two tenants, and the search backends to run the shared suite on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings
from elasticsearch import Elasticsearch

from catalog import commands
from catalog.models import Brand, Category, Product, Tenant
from catalog.projections import search
from catalog.search import index
from catalog.search.base import SearchRequest
from catalog.search.service import category_facets
from tests.catalog.api.conftest import drain

pytestmark = pytest.mark.django_db(databases=["default", "read"])


@dataclass
class Catalog:
    """One tenant's searchable catalog, created through the commands."""

    tenant: Tenant
    brands: dict[str, Brand] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)


PRODUCTS: list[dict[str, Any]] = [
    {"sku": "HAM-100", "name": "Claw hammer", "price": "24.90", "brand": "Stanley", "category": "hand",
     "tags": ["steel"], "attributes": {"material": "steel", "weight": 0.6}, "stock_quantity": 12,
     "description": "Forged head, fibreglass handle.",
     "translations": {"de": {"name": "Klauenhammer", "description": "Geschmiedeter Kopf"}}},
    {"sku": "ADP-7", "name": "Adapter for HAM-100 handles", "price": "4.50", "brand": "Stanley",
     "category": "hand", "stock_quantity": 100, "description": "Fits the claw hammer HAM-100."},
    {"sku": "SCR-18", "name": "Cordless screwdriver set", "price": "89.00", "sale_price": "69.00",
     "brand": "Bosch", "category": "power", "tags": ["cordless", "pro"],
     "attributes": {"voltage": 18}, "stock_quantity": 4,
     "description": "Two batteries and a charger in a steel case.",
     "translations": {"de": {"name": "Akkuschrauber Set", "description": "Zwei Akkus und Ladegerät"},
                      "en": {"name": "Cordless screwdriver kit"}}},
    {"sku": "DRL-5", "name": "Steel drill bits", "price": "19.00", "brand": "Bosch",
     "category": "power", "tags": ["steel"], "attributes": {"material": "steel"}, "stock_quantity": 0,
     "description": "Ten bits for metal.",
     "translations": {"de": {"name": "Metallbohrer aus Stahl"}}},
    {"sku": "SAW-2", "name": "Circular saw", "price": "149.00", "brand": "Makita", "category": "power",
     "tags": ["pro"], "stock_quantity": 2, "description": "Blade of hardened steel.",
     "translations": {"de": {"name": "Kreissäge"}}},
    {"sku": "HOSE-25", "name": "Garden hose 25 m", "price": "39.00", "category": "garden",
     "stock_quantity": 7, "description": "UV resistant."},
    {"sku": "RAKE-1", "name": "Leaf rake", "price": "15.00", "brand": "Makita", "category": "garden",
     "stock_quantity": 3, "is_active": False},
]


def build_catalog(tenant: Tenant, *, extra_sku_prefix: str = "") -> Catalog:
    """Create brands, a two-level category tree and the PRODUCTS in ``tenant``."""
    built = Catalog(tenant=tenant)
    for name in ("Bosch", "Makita", "Stanley"):
        built.brands[name] = commands.brand_create(tenant=tenant, name=name)
    tools = commands.category_create(tenant=tenant, name="Tools", position=1)
    built.categories = {
        "tools": tools,
        "hand": commands.category_create(tenant=tenant, name="Hand tools", parent=tools, position=1),
        "power": commands.category_create(tenant=tenant, name="Power tools", parent=tools, position=2),
        "garden": commands.category_create(tenant=tenant, name="Garden", position=2),
    }
    for spec in PRODUCTS:
        spec = dict(spec)
        brand, category = spec.pop("brand", None), spec.pop("category")
        spec["sku"] = extra_sku_prefix + spec["sku"]
        built.products[spec["sku"]] = commands.product_create(
            tenant=tenant, brand_id=built.brands[brand].pk if brand else None,
            category_ids=[built.categories[category].pk], **spec)
    return built


@pytest.fixture
def elasticsearch_index(elasticsearch_url: str) -> Iterator[str]:
    """Point the search settings at the session's Elasticsearch with an alias of this test's own."""
    alias = f"test-products-{uuid.uuid4().hex[:12]}"
    # A generous query timeout: a busy test machine must not turn a slow answer into a fallback.
    with override_settings(ELASTICSEARCH_URL=elasticsearch_url, SEARCH_INDEX_ALIAS=alias,
                           SEARCH_TIMEOUT_SECONDS=60):
        yield alias
        with Elasticsearch(elasticsearch_url, request_timeout=120) as es:
            es.indices.delete(index=f"{alias}-*", ignore_unavailable=True, allow_no_indices=True)


@pytest.fixture
def catalog(tenant: Tenant, other_tenant: Tenant) -> Catalog:
    """Tenant A's catalog, projected, beside tenant B's with the same names (SKUs prefixed B-)."""
    built = build_catalog(tenant)
    build_catalog(other_tenant, extra_sku_prefix="B-")
    drain()
    return built


@pytest.fixture(params=["postgres", "elasticsearch"])
def backend(request: pytest.FixtureRequest, catalog: Catalog) -> str:
    """Run a test on both backends over the projected catalogs (Elasticsearch: a fresh index)."""
    if request.param == "elasticsearch":
        index_catalogs(request)
    return request.param


def index_catalogs(request: pytest.FixtureRequest) -> None:
    """Build a fresh index (of this test's own alias) from the read rows, and make it searchable."""
    request.getfixturevalue("elasticsearch_index")
    search.reindex_all()
    drain_search()


def drain_search() -> None:
    """Send every queued read-row change to the index and make it searchable."""
    while search.sync_batch():
        pass
    for name in index.indices_of(index.sync_alias()):
        index.client().indices.refresh(index=name)


def make_request(tenant: Tenant, text: str = "", **fields: Any) -> SearchRequest:
    """Return a search request of the tenant, with the category facet as the API builds it."""
    filters = fields.get("filters")
    category_id = filters.category_id if filters is not None else None
    return SearchRequest(tenant_id=tenant.pk, text=text,
                         category_facet_ids=tuple(category_facets(tenant_id=tenant.pk,
                                                                  category_id=category_id)),
                         **fields)
