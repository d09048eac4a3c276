"""One behavioural suite, run on both backends: matching, ranking, filters, facets, pages, tenants."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Q

from catalog import commands
from catalog.models import Product
from catalog.projections.rebuild import rebuild_tenant
from catalog.read.models import ProductView
from catalog.read.selectors import PRODUCT_FIELDS, ProductFilters
from catalog.search import service
from catalog.search.base import price_ranges
from tests.catalog.api.conftest import drain
from tests.catalog.search.conftest import Catalog, drain_search, index_catalogs, make_request

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def found(catalog: Catalog, backend: str, text: str = "", **fields: object) -> list[str]:
    """Return the SKUs a search of tenant A finds, in rank order."""
    outcome = service.search_products(make_request(catalog.tenant, text, **fields), backend=backend)
    assert outcome.backend == backend
    assert not outcome.degraded
    return [row["sku"] for row in outcome.body["results"]]


@pytest.mark.parametrize(("text", "sku"), [
    ("hammr", "HAM-100"),            # one edit
    ("skrewdrivr", "SCR-18"),        # two edits
    ("cirkular", "SAW-2"),           # one edit, another word
])
def test_a_misspelled_name_still_finds_the_product(catalog, backend, text, sku):
    assert sku in found(catalog, backend, text)


@pytest.mark.parametrize(("text", "sku"), [
    ("Akkuschrauber", "SCR-18"),     # German name
    ("Kreissäge", "SAW-2"),
    ("Klauenhammer", "HAM-100"),
    ("kit", "SCR-18"),               # English translation
    ("cordless", "SCR-18"),
])
def test_german_and_english_terms_find_the_product(catalog, backend, text, sku):
    assert found(catalog, backend, text)[:1] == [sku]


@pytest.mark.parametrize(("text", "sku"), [
    ("bosch drill", "DRL-5"),        # brand and name
    ("makita circular saw", "SAW-2"),
    ("steel hammer", "HAM-100"),     # tag and name
    ("Stahl Bosch", "DRL-5"),        # German name and brand
])
def test_words_from_different_fields_find_the_product(catalog, backend, text, sku):
    assert found(catalog, backend, text) == [sku]


def test_a_renamed_brand_finds_its_products_by_the_new_name(catalog, backend):
    # when
    commands.brand_update(tenant=catalog.tenant, brand_id=catalog.brands["Makita"].pk, name="Hikoki")
    drain()
    if backend == "elasticsearch":
        drain_search()
    # then: the new name with a word of the name finds it, the old one no longer does
    assert found(catalog, backend, "hikoki saw") == ["SAW-2"]
    assert "SAW-2" not in found(catalog, backend, "makita saw")


def test_an_exact_sku_ranks_first(catalog, backend):
    # given: ADP-7 names HAM-100 in its name and description; HAM-100 is the SKU asked for
    # when
    skus = found(catalog, backend, "HAM-100")
    # then
    assert skus[0] == "HAM-100"
    assert "ADP-7" in skus


def test_a_name_match_ranks_above_a_description_match(catalog, backend):
    skus = found(catalog, backend, "steel")
    # DRL-5 has "steel" in its name; SAW-2 and SCR-18 only in the description
    assert skus[0] == "DRL-5"
    assert {"SAW-2", "SCR-18"} <= set(skus)
    assert skus.index("DRL-5") < skus.index("SAW-2")



def test_every_word_in_the_name_ranks_above_the_same_words_in_a_description(catalog, backend):
    # HAM-100 is named "Claw hammer"; ADP-7 has "claw hammer" only in its description
    assert found(catalog, backend, "claw hammer") == ["HAM-100", "ADP-7"]
    assert found(catalog, backend, "hammer claw") == ["HAM-100", "ADP-7"]


def test_products_that_read_the_same_rank_the_same_and_come_in_sku_order(catalog, backend):
    # given: eight products alike but for the SKU. Elasticsearch spreads a tenant over
    # several shards, each with statistics of its own: scored per shard, equal products
    # scored apart by the shard they lay on, and a name could rank below a description.
    skus = [f"MALLET-{n}" for n in range(8)]
    for sku in skus:
        commands.product_create(tenant=catalog.tenant, sku=sku, name="Rubber mallet", price="9.00",
                                description="Rubber head, ash handle.")
    drain()
    if backend == "elasticsearch":
        drain_search()
    # then: equal scores, so the SKU decides
    assert found(catalog, backend, "rubber mallet") == skus
    assert found(catalog, backend, "mallet rubber") == skus


def test_filters_combine_with_the_text(catalog, backend):
    power = catalog.categories["power"].pk
    tools = catalog.categories["tools"].pk
    bosch = catalog.brands["Bosch"].pk
    assert sorted(found(catalog, backend, "steel", filters=ProductFilters(brand_id=bosch))) == [
        "DRL-5", "SCR-18"]
    assert found(catalog, backend, "steel", filters=ProductFilters(
        brand_id=bosch, available=True)) == ["SCR-18"]
    assert found(catalog, backend, "steel", filters=ProductFilters(
        category_id=tools, price_max=Decimal("20"))) == ["DRL-5"]
    assert sorted(found(catalog, backend, "steel", filters=ProductFilters(category_id=power))) == [
        "DRL-5", "SAW-2", "SCR-18"]
    assert sorted(found(catalog, backend, "", filters=ProductFilters(
        attributes=(("material", "steel"),)))) == ["DRL-5", "HAM-100"]
    assert found(catalog, backend, "", filters=ProductFilters(attributes=(("voltage", "18"),))) == [
        "SCR-18"]
    assert sorted(found(catalog, backend, "steel", filters=ProductFilters(tags=("pro",)))) == [
        "SAW-2", "SCR-18"]


def test_sorts_by_price_and_newest(catalog, backend):
    tools = ProductFilters(category_id=catalog.categories["tools"].pk)
    by_price = found(catalog, backend, "", filters=tools, sort="price")
    assert by_price == ["ADP-7", "DRL-5", "HAM-100", "SCR-18", "SAW-2"]
    assert found(catalog, backend, "", filters=tools, sort="-price") == by_price[::-1]
    assert found(catalog, backend, "", filters=tools, sort="newest") == [
        "SAW-2", "DRL-5", "SCR-18", "ADP-7", "HAM-100"]


def test_newest_tells_apart_products_created_within_one_millisecond(catalog, request):
    # given: ADP-7 created 0.1 ms into a millisecond, HAM-100 0.3 ms after it (the newest)
    moment = datetime(2030, 1, 2, 3, 4, 5, 1000, tzinfo=UTC)
    for sku, microseconds in (("ADP-7", 100), ("HAM-100", 400)):
        Product.objects.filter(tenant=catalog.tenant, sku=sku).update(
            created_at=moment + timedelta(microseconds=microseconds))
    # no event: the rebuild projects what changed (same version, another creation time)
    rebuild_tenant(tenant_id=catalog.tenant.pk)
    index_catalogs(request)
    # when
    newest = {backend: found(catalog, backend, "", sort="newest")[:2]
              for backend in ("postgres", "elasticsearch")}
    # then: not the SKU order that a tie within the millisecond would give
    assert newest == {"postgres": ["HAM-100", "ADP-7"], "elasticsearch": ["HAM-100", "ADP-7"]}


def _truth(catalog: Catalog, filters: ProductFilters, text_skus: set[str]) -> dict[str, object]:
    """Count the facets with plain SQL on the read table, the way the facets are specified."""
    rows = ProductView.objects.for_tenant(catalog.tenant.pk).filter(sku__in=text_skus)
    if filters.category_id is not None:
        rows = rows.filter(category_tree_ids__contains=[filters.category_id])

    def facet(keep: str) -> set[str]:
        narrowed = rows
        if keep != "brand" and filters.brand_id is not None:
            narrowed = narrowed.filter(brand_id=filters.brand_id)
        if keep != "price" and filters.price_max is not None:
            narrowed = narrowed.filter(effective_price__lte=filters.price_max)
        if keep != "availability" and filters.available is not None:
            narrowed = narrowed.filter(is_available=filters.available)
        return set(narrowed.values_list("sku", flat=True))

    brands: dict[int, int] = {}
    for brand_id in ProductView.objects.filter(sku__in=facet("brand"), tenant_id=catalog.tenant.pk,
                                               brand_id__isnull=False).values_list("brand_id", flat=True):
        brands[brand_id] = brands.get(brand_id, 0) + 1
    everything = ProductView.objects.for_tenant(catalog.tenant.pk).filter(sku__in=facet(""))
    categories = {}
    for category in catalog.categories.values():
        if category.parent_id == filters.category_id:
            count = everything.filter(category_tree_ids__contains=[category.pk]).count()
            if count:
                categories[category.pk] = count
    prices = []
    for bucket in price_ranges():
        in_bucket = Q()
        if bucket.low is not None:
            in_bucket &= Q(effective_price__gte=bucket.low)
        if bucket.high is not None:
            in_bucket &= Q(effective_price__lt=bucket.high)
        prices.append(ProductView.objects.filter(sku__in=facet("price"), tenant_id=catalog.tenant.pk)
                      .filter(in_bucket).count())
    available = ProductView.objects.filter(sku__in=facet("availability"), tenant_id=catalog.tenant.pk)
    return {
        "brands": brands, "categories": categories, "prices": prices,
        "availability": {"in_stock": available.filter(is_available=True).count(),
                         "out_of_stock": available.filter(is_available=False).count()},
    }


@pytest.mark.parametrize("case", ["none", "brand", "brand+availability", "category+price"])
def test_facet_counts_equal_a_sql_ground_truth(catalog, backend, case):
    # given: filters that exercise the "every filter but the facet's own" rule
    filters = {
        "none": ProductFilters(),
        "brand": ProductFilters(brand_id=catalog.brands["Bosch"].pk),
        "brand+availability": ProductFilters(brand_id=catalog.brands["Makita"].pk, available=True),
        "category+price": ProductFilters(category_id=catalog.categories["tools"].pk,
                                         price_max=Decimal("50")),
    }[case]
    everything = set(ProductView.objects.for_tenant(catalog.tenant.pk).values_list("sku", flat=True))

    # when: searching without text (every product matches) under the filters
    outcome = service.search_products(make_request(catalog.tenant, "", filters=filters), backend=backend)

    # then: each facet's counts are the SQL ground truth
    facets = outcome.body["facets"]
    truth = _truth(catalog, filters, everything)
    assert {b["id"]: b["count"] for b in facets["brands"]} == truth["brands"]
    assert {c["id"]: c["count"] for c in facets["categories"]} == truth["categories"]
    assert [p["count"] for p in facets["price"]] == truth["prices"]
    assert {a["key"]: a["count"] for a in facets["availability"]} == truth["availability"]
    assert [p["key"] for p in facets["price"]] == ["*-50", "50-100", "100-*"]


def test_facets_follow_the_text_too(catalog, backend):
    outcome = service.search_products(make_request(catalog.tenant, "steel"), backend=backend)
    matched = {row["sku"] for row in outcome.body["results"]}
    truth = _truth(catalog, ProductFilters(), matched)
    facets = outcome.body["facets"]
    assert {b["id"]: b["count"] for b in facets["brands"]} == truth["brands"]
    assert {c["id"]: c["count"] for c in facets["categories"]} == truth["categories"]
    assert outcome.body["count"] == len(matched)


def test_pages_split_the_results_without_gaps_or_overlaps(catalog, backend):
    everything = found(catalog, backend, "", page_size=100)
    pages = [found(catalog, backend, "", page=n, page_size=3) for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [3, 3, 1, 0]
    assert [sku for page in pages for sku in page] == everything
    assert len(everything) == len(set(everything)) == 7


def test_results_are_read_rows_with_their_versions(catalog, backend):
    outcome = service.search_products(make_request(catalog.tenant, "hammer"), backend=backend)
    row = outcome.body["results"][0]
    assert set(row) == set(PRODUCT_FIELDS)
    assert row["version"] == ProductView.objects.get(sku="HAM-100", tenant_id=catalog.tenant.pk).version


def test_a_tenant_never_sees_another_tenants_products_facets_or_suggestions(
        catalog, backend, other_tenant):
    # given: tenant B holds the same names (SKUs B-...) and its own brands and categories
    # when: tenant A searches, facets and suggests
    outcome = service.search_products(make_request(catalog.tenant, "hammer"), backend=backend)
    everything = service.search_products(make_request(catalog.tenant, "", page_size=100),
                                         backend=backend)
    suggestions, _ = service.suggest(tenant_id=catalog.tenant.pk, prefix="Cla", backend=backend)
    # then: only A's rows, A's brands and categories, A's suggestions
    skus = [r["sku"] for r in outcome.body["results"] + everything.body["results"]]
    assert skus
    assert not [s for s in skus if s.startswith("B-")]
    own_brands = {b.pk for b in catalog.brands.values()}
    own_categories = {c.pk for c in catalog.categories.values()}
    facets = everything.body["facets"]
    assert {b["id"] for b in facets["brands"]} <= own_brands
    assert {c["id"] for c in facets["categories"]} <= own_categories
    assert sum(a["count"] for a in facets["availability"]) == 7
    assert [s.sku for s in suggestions] == ["HAM-100"]
    # and B, searching the same words, gets B's rows only
    theirs = service.search_products(make_request(other_tenant, "hammer"), backend=backend)
    assert [r["sku"] for r in theirs.body["results"]][:1] == ["B-HAM-100"]


@pytest.mark.parametrize(("prefix", "sku"), [
    ("Claw", "HAM-100"), ("SCR-1", "SCR-18"), ("Cprdless", "SCR-18"), ("garden h", "HOSE-25"),
])
def test_suggest_completes_names_and_skus_forgiving_a_typo(catalog, backend, prefix, sku):
    suggestions, used = service.suggest(tenant_id=catalog.tenant.pk, prefix=prefix, backend=backend)
    assert used == backend
    assert sku in [s.sku for s in suggestions]
    assert len({s.id for s in suggestions}) == len(suggestions)


def test_both_backends_answer_in_the_same_shape(catalog, backend):
    request = make_request(catalog.tenant, "steel", filters=ProductFilters(available=True))
    body = service.search_products(request, backend=backend).body
    assert set(body) == {"results", "count", "page", "page_size", "facets"}
    assert set(body["facets"]) == {"categories", "brands", "price", "availability"}
    assert dataclasses.replace(request, facets=False) != request
    assert "facets" not in service.search_products(dataclasses.replace(request, facets=False),
                                                   backend=backend).body
