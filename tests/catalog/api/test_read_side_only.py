"""Reads never touch the write database: every read endpoint is served from the read side."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def _read_urls(shop) -> list[str]:  # type: ignore[no-untyped-def]
    product = shop.products["D-1"]
    return [
        "/api/v1/products/",
        f"/api/v1/products/?category={shop.categories['tools'].pk}&price_min=1&sort=price"
        "&include_total=true&tag=pro&attr.material=steel&availability=in_stock"
        "&updated_since=2020-01-01",
        "/api/v1/products/?page_size=1&sort=updated",
        f"/api/v1/products/{product.pk}/",
        "/api/v1/products/by-sku/D-1/",
        "/api/v1/products/by-sku/NOPE/",
        "/api/v1/categories/",
        "/api/v1/brands/",
        "/api/v1/stats/",
    ]


def test_no_read_endpoint_queries_the_write_database(api, shop):
    # given: the key's lookup is cached (it costs one write-side query per key and minute)
    api.get("/api/v1/brands/")
    urls = _read_urls(shop)
    urls.append(api.get("/api/v1/products/?page_size=1").json()["next"])
    for round_ in ("uncached", "cached"):
        for url in urls:
            # when
            with CaptureQueriesContext(connections["default"]) as write_side, \
                    CaptureQueriesContext(connections["read"]) as read_side:
                response = api.get(url)
            # then
            assert response.status_code in {200, 404}, (url, response.content)
            assert write_side.captured_queries == [], (round_, url)
            if round_ == "cached":
                assert read_side.captured_queries == [], url
