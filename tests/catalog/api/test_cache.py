"""The read cache: per-tenant and per-product generations, invalidated by the projection."""

from __future__ import annotations

import pytest

from catalog import commands
from catalog.models import Event, EventStatus
from catalog.projections.outbox import process_batch
from catalog.read import cache, selectors
from catalog.read.models import ProductView
from tests.catalog.api.conftest import drain

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def test_reads_are_served_from_the_cache_until_a_projection_lands(api, shop):
    # given: cached responses
    product = shop.products["D-1"]
    urls = ["/api/v1/products/", f"/api/v1/products/{product.pk}/", "/api/v1/products/by-sku/D-1/"]
    for url in urls:
        api.get(url)
    # when: the read row changes behind the cache's back (no projection, no invalidation)
    ProductView.objects.filter(pk=product.pk).update(name="changed behind the cache")
    # then
    assert api.get(f"/api/v1/products/{product.pk}/").json()["name"] == "Cordless drill"


def test_an_edit_is_visible_on_every_read_endpoint_once_projected(api, shop):
    # given: every read endpoint cached
    product = shop.products["D-1"]
    urls = ["/api/v1/products/", f"/api/v1/products/{product.pk}/", "/api/v1/products/by-sku/D-1/",
            "/api/v1/stats/", f"/api/v1/products/?category={shop.categories['drills'].pk}"]
    for url in urls:
        api.get(url)
    # when
    updated = commands.product_update(tenant=shop.tenant, product_id=product.pk, name="Drill X",
                                      sale_price=None, stock_quantity=0)
    drain()
    # then
    detail = api.get(f"/api/v1/products/{product.pk}/").json()
    assert (detail["name"], detail["version"]) == ("Drill X", updated.version)
    assert api.get("/api/v1/products/by-sku/D-1/").json()["version"] == updated.version
    listed = {r["sku"]: r for r in api.get("/api/v1/products/").json()["results"]}
    assert (listed["D-1"]["name"], listed["D-1"]["version"]) == ("Drill X", updated.version)
    assert api.get("/api/v1/stats/").json()["available_count"] == 1


def test_an_edit_of_one_tenant_keeps_the_other_tenants_cache(api, other_api, shop, other_shop):
    # given
    other_api.get("/api/v1/products/")
    ProductView.objects.filter(pk=other_shop.products["D-1"].pk).update(name="behind the cache")
    # when
    commands.product_update(tenant=shop.tenant, product_id=shop.products["D-1"].pk, name="x")
    drain()
    # then: B's cached list is still served (not invalidated by A's change)
    names = {r["name"] for r in other_api.get("/api/v1/products/").json()["results"]}
    assert "behind the cache" not in names


def test_a_response_computed_before_a_projection_is_never_served_after_it(api, shop, monkeypatch):
    # given: a request reads the row, then the projection of an edit lands before it stores
    product = shop.products["D-1"]
    read_detail = selectors.product_detail

    def slow_read(**kwargs):  # type: ignore[no-untyped-def]
        row = read_detail(**kwargs)
        commands.product_update(tenant=shop.tenant, product_id=product.pk, name="Newer")
        drain()
        return row

    monkeypatch.setattr(selectors, "product_detail", slow_read)
    stale = api.get(f"/api/v1/products/{product.pk}/").json()
    monkeypatch.setattr(selectors, "product_detail", read_detail)
    # when
    fresh = api.get(f"/api/v1/products/{product.pk}/").json()
    # then
    assert stale["name"] == "Cordless drill"
    assert (fresh["name"], fresh["version"]) == ("Newer", product.version + 1)


def test_a_store_after_an_invalidation_is_ignored():
    # given
    key, generations = "product:1:x", [cache.product_generation_key(1, "x")]
    found = cache.lookup(key, generations)
    # when
    cache.invalidate_products(tenant_id=1, product_ids=["x"])
    cache.store(key, found, etag='"e"', body=b"old", ttl=60)
    # then
    assert cache.lookup(key, generations).entry is None


def test_the_api_serves_from_the_database_when_the_cache_is_down(api, shop, monkeypatch):
    # given: the key lookup is cached, then the read cache fails
    api.get("/api/v1/brands/")

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache.cache, "get_many", down)
    # when
    response = api.get(f"/api/v1/products/{shop.products['D-1'].pk}/")
    # then
    assert (response.status_code, response.json()["sku"]) == (200, "D-1")


def test_a_failed_invalidation_leaves_the_events_pending_for_a_retry(shop, monkeypatch):
    # given: the cache cannot be reached by the projection
    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("cache down")

    commands.product_update(tenant=shop.tenant, product_id=shop.products["D-1"].pk, name="x")
    monkeypatch.setattr(cache.cache, "delete_many", down)
    # when
    with pytest.raises(cache.InvalidationFailed):
        process_batch()
    # then: nothing parked, nothing counted; the next run projects it
    pending = Event.objects.filter(status=EventStatus.PENDING)
    assert pending.count() == 1
    assert pending.get().attempts == 0
    monkeypatch.undo()
    drain()
    assert not Event.objects.filter(status=EventStatus.PENDING).exists()
