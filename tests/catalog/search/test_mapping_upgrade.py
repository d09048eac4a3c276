"""An upgrade that changes the index's fields: the old index is not searched, `search_reindex` replaces it."""

from __future__ import annotations

import logging

import pytest
from django.core.management import CommandError, call_command

from catalog import commands
from catalog.projections import search
from catalog.search import index
from catalog.search.documents import MAPPING_VERSION
from catalog.search.service import search_products
from tests.catalog.search.conftest import Catalog, drain, drain_search, make_request

pytestmark = [pytest.mark.django_db(databases=["default", "read"]), pytest.mark.elasticsearch]


@pytest.fixture
def old_index(catalog: Catalog, elasticsearch_index: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both catalogs in an index that an earlier release built (another mapping version)."""
    with monkeypatch.context() as patched:
        patched.setattr(index, "MAPPING_VERSION", MAPPING_VERSION - 1)
        built = search.reindex_all().index
    assert index.outdated([built]) == [built]
    return built


def test_a_new_index_records_the_mapping_version_it_was_built_for(catalog, elasticsearch_index):
    built = search.reindex_all().index

    assert index.mapping_version(built) == MAPPING_VERSION
    assert index.outdated([built]) == []


def test_an_index_of_an_older_mapping_is_not_searched_until_search_reindex_replaces_it(
        catalog, old_index, caplog, capsys):
    # when: searching with the old index live
    outcome = search_products(make_request(catalog.tenant, "hammer"))

    # then: PostgreSQL answers, marked degraded, with the right products
    assert (outcome.backend, outcome.degraded) == ("postgres", True)
    assert outcome.body["results"][0]["sku"] == "HAM-100"

    # when: a product changes; the sync runs
    commands.product_update(tenant=catalog.tenant, product_id=catalog.products["HAM-100"].pk,
                            name="Claw hammer upgraded")
    drain()
    with caplog.at_level(logging.WARNING):
        drain_search()

    # then: nothing is sent to the old index (its mapping would refuse the documents)
    assert search.queue_length() == 0
    assert "another mapping version" in caplog.text
    assert "refused" not in caplog.text
    assert index.client().count(index=old_index, q="name:upgraded")["count"] == 0

    # and: a tenant's in-place reindex cannot repair it, and says what can
    with pytest.raises(CommandError, match="search_reindex"):
        call_command("search_reindex", "--tenant", catalog.tenant.slug, "--no-progress")

    # when: the deploy step runs
    call_command("search_reindex", "--if-missing", "--no-progress")

    # then: a new index for this mapping is live, with the change made meanwhile
    live = index.indices_of(index.search_alias())
    assert live != [old_index]
    assert index.outdated(live) == []
    outcome = search_products(make_request(catalog.tenant, "upgraded"))
    assert (outcome.backend, outcome.degraded) == ("elasticsearch", False)
    assert [row["sku"] for row in outcome.body["results"]] == ["HAM-100"]

    # and: running the deploy step again does nothing
    capsys.readouterr()
    call_command("search_reindex", "--if-missing", "--no-progress")
    assert "nothing to do" in capsys.readouterr().out
    assert index.indices_of(index.search_alias()) == live
