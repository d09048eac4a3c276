"""Keyset pages stay stable while products are inserted, edited and deleted between requests."""

from __future__ import annotations

from typing import Any

import pytest

from catalog import commands
from tests.catalog.api.conftest import drain

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def _next(api: Any, body: dict[str, Any] | None, query: dict[str, Any]) -> dict[str, Any]:
    params = dict(query, **({"cursor": body["next_cursor"]} if body else {}))
    response = api.get("/api/v1/products/", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("sort", ["name", "price", "newest", "updated"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_inserts_between_pages_cause_no_duplicates_and_no_skips(api, shop, sort, order):
    # given: 24 products besides the shop's 4
    for i in range(24):
        commands.product_create(tenant=shop.tenant, sku=f"P-{i:02}", name=f"Part {i:02}",
                                price=f"{10 + i % 7}.00")
    drain()
    query = {"sort": sort, "order": order, "page_size": 5}
    before = {p["sku"] for p in _all(api, query)}
    # when: new products land between every two page fetches, all over the sort order
    seen: list[str] = []
    body = None
    for round_ in range(20):
        body = _next(api, body, query)
        seen += [row["sku"] for row in body["results"]]
        if not body["next_cursor"]:
            break
        for name in ("Aaa", "Mmm", "Zzz"):
            commands.product_create(tenant=shop.tenant, sku=f"N-{round_}-{name}",
                                    name=f"{name} {round_}", price=f"{1 + round_}.50")
        drain()
    # then
    assert len(seen) == len(set(seen)), "a product was listed twice"
    assert before <= set(seen), f"skipped: {sorted(before - set(seen))}"


def _all(api: Any, query: dict[str, Any]) -> list[dict[str, Any]]:
    rows, body = [], None
    while body is None or body["next_cursor"]:
        body = _next(api, body, query)
        rows += body["results"]
    return rows


def test_edits_and_deletions_between_pages_do_not_shift_the_next_page(api, shop):
    # given
    for i in range(12):
        commands.product_create(tenant=shop.tenant, sku=f"P-{i:02}", name=f"Part {i:02}", price="5.00")
    drain()
    query = {"sort": "name", "page_size": 4}
    expected = [row["sku"] for row in _all(api, query)]
    first = _next(api, None, query)
    last_on_page = first["results"][-1]
    # when: the last row of the page is deleted and rows further on are edited
    commands.product_delete(tenant=shop.tenant, product_id=last_on_page["id"])
    for row in _all(api, query)[6:9]:
        commands.product_update(tenant=shop.tenant, product_id=row["id"], stock_quantity=77)
    drain()
    rest, body = [], first
    while body["next_cursor"]:
        body = _next(api, body, query)
        rest += [row["sku"] for row in body["results"]]
    # then
    assert [row["sku"] for row in first["results"]] + rest == expected
