"""GET /api/v1/search/ and /api/v1/search/suggest: shape, bad input, tenants, fallback, a real worker."""

from __future__ import annotations

import pytest
from django.test import override_settings

from catalog import commands
from catalog.api.keys import api_key_create
from catalog.models import ApiKeyScope, Event, EventStatus, Tenant
from catalog.projections import search
from catalog.read.models import ProductView
from catalog.read.selectors import ProductFilters
from catalog.search.service import search_products
from catalog.tasks import project_pending_task
from devstack.ports import free_port
from tests.catalog.api.conftest import client_for
from tests.catalog.imports.conftest import csv_bytes, run_import
from tests.catalog.projections.conftest import Worker, wait_for
from tests.catalog.search.conftest import Catalog, build_catalog, make_request

pytestmark = pytest.mark.django_db(databases=["default", "read"])


@pytest.fixture
def api(catalog: Catalog):  # type: ignore[no-untyped-def]
    token = api_key_create(tenant=catalog.tenant, name="shop", scopes=[ApiKeyScope.READ])[1]
    return client_for(token)


def test_search_answers_read_rows_facets_and_the_next_page(api):
    response = api.get("/api/v1/search/", {"q": "steel", "page_size": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert response["X-Search-Backend"] == "postgres"
    assert body["backend"] == "postgres"
    assert body["count"] == 4
    assert body["page"] == 1
    assert body["next_page"] == 2
    assert [row["sku"] for row in body["results"]][:1] == ["DRL-5"]
    assert all(isinstance(row["version"], int) for row in body["results"])
    assert set(body["facets"]) == {"categories", "brands", "price", "availability"}
    last = api.get("/api/v1/search/", {"q": "steel", "page_size": 2, "page": 2}).json()
    assert last["next_page"] is None
    assert len(last["results"]) == 2


@pytest.mark.parametrize("category", [None, "tools"])
def test_the_facets_name_their_categories_and_brands(api, catalog, category):
    # given: the facet of the roots, or of a chosen category's children
    params = {"q": "steel"}
    if category:
        params["category"] = catalog.categories[category].pk

    # when
    facets = api.get("/api/v1/search/", params).json()["facets"]

    # then: each counted category and brand with its id, name and slug, as the read side has them
    filters = ProductFilters(category_id=params.get("category"))
    expected = search_products(make_request(catalog.tenant, "steel", filters=filters)).body["facets"]
    assert facets["categories"] == expected["categories"]
    assert facets["brands"] == expected["brands"]
    named = {c.pk: (c.name, c.slug) for c in catalog.categories.values()}
    assert facets["categories"]
    assert all((c["name"], c["slug"]) == named[c["id"]] for c in facets["categories"])
    assert {b["name"] for b in facets["brands"]} <= set(catalog.brands)


def test_search_filters_and_sorts_like_the_product_list(api, catalog):
    response = api.get("/api/v1/search/", {
        "category": catalog.categories["tools"].pk, "price_max": "50", "sort": "-price",
        "attr.material": "steel", "facets": "false"})
    body = response.json()
    assert [row["sku"] for row in body["results"]] == ["HAM-100", "DRL-5"]
    assert "facets" not in body


@pytest.mark.parametrize(("params", "name"), [
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "101"}, "page_size"),
    ({"page": "0"}, "page"),
    ({"page": "x"}, "page"),
    ({"page": "101", "page_size": "100"}, "page"),
    ({"sort": "name"}, "sort"),
    ({"q": "x" * 201}, "q"),
    ({"q": "bad\x00"}, "q"),
    ({"facets": "maybe"}, "facets"),
    ({"price_min": "-1"}, "price_min"),
    ({"price_min": "9", "price_max": "1"}, "price_min"),
    ({"category": "abc"}, "category"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_search_parameter_is_a_400_naming_it(api, params, name):
    response = api.get("/api/v1/search/", params)
    assert response.status_code == 400, response.content
    assert name in response.json()


@pytest.mark.parametrize(("params", "name"), [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "x" * 51}, "q"), ({"q": "ab", "limit": "0"}, "limit"),
    ({"q": "ab", "limit": "21"}, "limit"), ({"q": "ab", "page": "2"}, "page"),
])
def test_a_bad_suggest_parameter_is_a_400_naming_it(api, params, name):
    response = api.get("/api/v1/search/suggest", params)
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_suggest_answers_completions(api):
    response = api.get("/api/v1/search/suggest", {"q": "Cla", "limit": "5"})
    assert response.status_code == 200
    assert [s["sku"] for s in response.json()["results"]] == ["HAM-100"]


def test_search_needs_a_key_and_stays_in_its_tenant(api, catalog, other_tenant):
    assert client_for(None).get("/api/v1/search/", {"q": "hammer"}).status_code == 401
    theirs = client_for(api_key_create(tenant=other_tenant, name="b", scopes=[ApiKeyScope.READ])[1])
    ours = api.get("/api/v1/search/", {"q": "hammer"}).json()
    other = theirs.get("/api/v1/search/", {"q": "hammer"}).json()
    assert [r["sku"] for r in ours["results"]][:1] == ["HAM-100"]
    assert {r["sku"][:2] for r in other["results"]} == {"B-"}
    # A's category id filters nothing in B: B has no such category
    response = theirs.get("/api/v1/search/", {"category": catalog.categories["tools"].pk})
    assert response.json()["count"] == 0


def test_elasticsearch_unreachable_falls_back_to_postgres_or_answers_503(api):
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}"):
        response = api.get("/api/v1/search/", {"q": "hammr"})
        assert response.status_code == 200
        assert response["X-Search-Backend"] == "postgres; degraded"
        assert [r["sku"] for r in response.json()["results"]][:1] == ["HAM-100"]
        suggestion = api.get("/api/v1/search/suggest", {"q": "Cla"})
        assert suggestion.json()["backend"] == "postgres"
        with override_settings(SEARCH_FALLBACK="none"):
            response = api.get("/api/v1/search/", {"q": "hammer"})
            assert response.status_code == 503
            assert "unavailable" in response.json()["detail"]


@pytest.mark.elasticsearch
def test_search_uses_elasticsearch_when_configured(api, elasticsearch_index):
    search.reindex_all()
    response = api.get("/api/v1/search/", {"q": "Akkuschrauber"})
    assert response["X-Search-Backend"] == "elasticsearch"
    assert [r["sku"] for r in response.json()["results"]] == ["SCR-18"]


def _started_worker(tmp_path, settings, alias: str, *, beat: bool = True) -> Worker:  # type: ignore[no-untyped-def]
    """Start a worker that projects to the read table and syncs this test's index."""
    from config.celery_app import app

    worker = Worker(tmp_path / "worker.log", env={"ELASTICSEARCH_URL": settings.ELASTICSEARCH_URL,
                                                  "SEARCH_INDEX_ALIAS": alias}, beat=beat)
    app.control.purge()
    worker.start()
    return worker


@pytest.mark.elasticsearch
@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_an_edit_becomes_searchable_through_a_real_worker(elasticsearch_index, tmp_path, settings):
    # given: a worker that projects to the read table and syncs the index, and a built index
    tenant = Tenant.objects.create(slug="live", name="Live", default_currency="EUR")
    build_catalog(tenant)
    worker = _started_worker(tmp_path, settings, elasticsearch_index)
    try:
        wait_for(lambda: ProductView.objects.filter(tenant_id=tenant.pk).count() == 7, timeout=60,
                 message="read rows")
        search.reindex_all()
        api = client_for(api_key_create(tenant=tenant, name="s", scopes=[ApiKeyScope.READ])[1])
        product = ProductView.objects.get(tenant_id=tenant.pk, sku="HOSE-25")

        # when: a merchandiser renames the product
        commands.product_update(tenant=tenant, product_id=product.pk, name="Spiral hose deluxe")

        # then: search finds it by the new name within a bounded wait
        def searchable() -> bool:
            body = api.get("/api/v1/search/", {"q": "deluxe"}).json()
            return [r["sku"] for r in body["results"]] == ["HOSE-25"]

        wait_for(searchable, timeout=60, message=f"searchable (log: {worker.log})")
        # The sync's claim commits only after Elasticsearch took the batch, so the
        # document can be found a moment before its queue entry is gone.
        wait_for(lambda: search.queue_length() == 0, timeout=10, message="search queue drained")
    finally:
        worker.stop()


@pytest.mark.elasticsearch
@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_an_import_becomes_searchable_through_a_worker_without_the_beat_relay(elasticsearch_index, tmp_path,
                                                                             settings):
    # given: a built index, and a worker with no beat, so only the tasks' own wake-ups move the work on
    tenant = Tenant.objects.create(slug="bulk", name="Bulk", default_currency="EUR")
    other = Tenant.objects.create(slug="other", name="Other", default_currency="EUR")
    for each in (tenant, other):  # their live events done first: the import records bulk events only
        commands.brand_create(tenant=each, name="Acme")
        commands.category_create(tenant=each, name="Lamps", parent=commands.category_create(
            tenant=each, name="Lights"))
    search.reindex_all()
    worker = _started_worker(tmp_path, settings, elasticsearch_index, beat=False)
    try:
        project_pending_task.delay()
        wait_for(lambda: not Event.objects.filter(status=EventStatus.PENDING).exists(), timeout=60,
                 message=f"the live events projected (log: {worker.log})")
        # when: 12 products are imported in 3 batches (bulk events, one wake-up per batch)
        rows = [[f"BLK-{n}", f"Bulkhead lamp {n}", "9.50", "", "3", "Acme", "Lights > Lamps", "", ""]
                for n in range(12)]
        run_import(tenant, csv_bytes(rows), batch_size=5)
        run_import(other, csv_bytes(rows[:2]))

        # then: the bulk projection wakes the search sync itself
        def found(of: Tenant) -> list[str]:
            with override_settings(SEARCH_FALLBACK="none"):  # the index answers, or this fails
                answer = search_products(make_request(of, "bulkhead", page_size=50),
                                         backend="elasticsearch")
            assert (answer.backend, answer.degraded) == ("elasticsearch", False)
            return sorted(row["sku"] for row in answer.body["results"])

        wait_for(lambda: len(found(tenant)) == 12, timeout=60,
                 message=f"12 imported products searchable (log: {worker.log})")
        assert found(tenant) == sorted(row[0] for row in rows)
        wait_for(lambda: found(other) == ["BLK-0", "BLK-1"], timeout=30,
                 message=f"the other tenant's 2 products searchable (log: {worker.log})")
    finally:
        worker.stop()
