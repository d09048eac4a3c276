"""PostgreSQL search corrects a misspelled word to a word of the tenant's own product names."""

from __future__ import annotations

import pytest

from catalog import commands
from catalog.read.models import SearchWord
from catalog.search import service
from catalog.search.postgres import _one_pass, corrected_words
from tests.catalog.api.conftest import drain
from tests.catalog.search.conftest import make_request

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def test_the_words_of_every_name_and_translated_name_are_kept_per_tenant(catalog, other_tenant):
    words = set(SearchWord.objects.for_tenant(catalog.tenant.pk).values_list("word", flat=True))
    assert {"screwdriver", "cordless", "akkuschrauber", "klauenhammer", "kreissäge"} <= words
    assert not {"25", "ham-100", "batteries"} & words  # digits, SKUs, descriptions stay out
    # when: B alone gets a product with a new word
    commands.product_create(tenant=other_tenant, sku="B-WR-1", name="Pipe wrench", price="9.00")
    drain()
    # then
    assert SearchWord.objects.for_tenant(other_tenant.pk).filter(word="wrench").exists()
    assert not SearchWord.objects.for_tenant(catalog.tenant.pk).filter(word="wrench").exists()
    assert corrected_words(tenant_id=catalog.tenant.pk, text="wrenhc") is None
    assert "'wrench'" in corrected_words(tenant_id=other_tenant.pk, text="wrenhc")


def test_a_misspelled_name_word_is_corrected_and_a_description_word_kept(catalog):
    # given: neither full text (no product has "skrewdrivr") nor names like the whole text
    # find anything, because "batteries" is only in SCR-18's description
    request = make_request(catalog.tenant, "skrewdrivr batteries")
    assert _one_pass(request).total == 0
    assert _one_pass(request, similar=True).total == 0
    # when
    query = corrected_words(tenant_id=catalog.tenant.pk, text="skrewdrivr batteries")
    outcome = service.search_products(request, backend="postgres")
    # then: the misspelled word may be "screwdriver"; "batteries" stays as typed
    assert "'screwdriver'" in query
    assert "'batteries'" in query
    assert [row["sku"] for row in outcome.body["results"]] == ["SCR-18"]
    assert outcome.body["facets"]["availability"] == [{"key": "in_stock", "count": 1},
                                                      {"key": "out_of_stock", "count": 0}]


def test_nothing_to_correct_when_every_word_is_known(catalog):
    assert corrected_words(tenant_id=catalog.tenant.pk, text="hammer 25") is None


def test_a_renamed_product_brings_its_new_words(catalog):
    # given
    rake = catalog.products["RAKE-1"]
    # when
    commands.product_update(tenant=catalog.tenant, product_id=rake.pk, expected_version=rake.version,
                            name="Leaf rake with telescopic handle")
    drain()
    # then
    assert SearchWord.objects.for_tenant(catalog.tenant.pk).filter(word="telescopic").exists()
    assert "'telescopic'" in corrected_words(tenant_id=catalog.tenant.pk, text="telescopc")


def test_a_compound_with_a_misspelled_part_is_found_by_full_text_through_its_parts(catalog):
    # given: a name with a hyphenated compound; "o-ing" misspells "o-ring"
    rake = catalog.products["RAKE-1"]
    commands.product_update(tenant=catalog.tenant, product_id=rake.pk, expected_version=rake.version,
                            name="Nitrile O-ring set")
    drain()
    request = make_request(catalog.tenant, "O-ing")
    # when
    query = corrected_words(tenant_id=catalog.tenant.pk, text="O-ing")
    # then: the part is corrected and the compound as typed left out, so full text finds it
    # (before the costly names-like-the-text pass)
    assert "'ring'" in query
    assert "'o-ing'" not in query
    assert _one_pass(request, corrected=query).total == 1
    outcome = service.search_products(request, backend="postgres")
    assert [row["sku"] for row in outcome.body["results"]] == ["RAKE-1"]
