"""The Elasticsearch projection: versions, deleted markers, outages, renames, reindexing."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from django.conf import settings
from django.test import override_settings

from catalog import commands
from catalog.projections import search
from catalog.read.models import ProductView, SearchQueueEntry
from catalog.search import index
from catalog.search.service import search_products
from devstack.ports import free_port
from tests.catalog.search.conftest import Catalog, drain, drain_search, make_request

pytestmark = [pytest.mark.django_db(databases=["default", "read"]), pytest.mark.elasticsearch]


@pytest.fixture
def indexed(catalog: Catalog, elasticsearch_index: str) -> Catalog:
    """Both catalogs in a fresh index, with the read projection queueing changes for it."""
    search.reindex_all()
    return catalog


def es_skus(catalog: Catalog, text: str) -> list[str]:
    outcome = search_products(make_request(catalog.tenant, text), backend="elasticsearch")
    return [row["sku"] for row in outcome.body["results"]]


def indexed_source(catalog: Catalog, sku: str) -> dict:
    product = catalog.products[sku]
    return index.client().get(index=index.search_alias(), id=str(product.pk),
                              routing=str(catalog.tenant.pk))


def test_an_edit_reaches_the_index_through_the_queue(indexed):
    # when: a product is renamed and projected
    commands.product_update(tenant=indexed.tenant, product_id=indexed.products["HOSE-25"].pk,
                            name="Garden hose 50 m reinforced")
    drain()
    assert SearchQueueEntry.objects.count() == 1

    # then: the sync sends it, with the read row's revision as the document version
    drain_search()
    assert SearchQueueEntry.objects.count() == 0
    assert "HOSE-25" in es_skus(indexed, "reinforced")
    row = ProductView.objects.get(pk=indexed.products["HOSE-25"].pk)
    assert indexed_source(indexed, "HOSE-25")["_version"] == row.revision


def test_an_older_document_never_replaces_a_newer_one(indexed):
    # given: the indexed document of HAM-100 and an older copy of it
    product_id = str(indexed.products["HAM-100"].pk)
    old = search.documents(tenant_id=indexed.tenant.pk, product_ids=[product_id])[product_id]
    commands.product_update(tenant=indexed.tenant, product_id=product_id, name="Claw hammer 500 g")
    drain()
    drain_search()

    # when: the older copy arrives late
    result = index.write([old], indices=[index.search_alias()])

    # then: Elasticsearch itself rejects it
    assert (result.written, result.stale) == (0, 1)
    assert indexed_source(indexed, "HAM-100")["_source"]["name"] == "Claw hammer 500 g"


def test_a_deleted_product_is_not_brought_back_by_a_late_older_write(indexed):
    # given: HAM-100's document as it was, then the product deleted and synced
    product_id = str(indexed.products["HAM-100"].pk)
    old = search.documents(tenant_id=indexed.tenant.pk, product_ids=[product_id])[product_id]
    commands.product_delete(tenant=indexed.tenant, product_id=product_id)
    drain()
    drain_search()
    assert "HAM-100" not in es_skus(indexed, "hammer")

    # when: the old document arrives late (after Elasticsearch forgot any delete tombstone)
    result = index.write([old], indices=[index.search_alias()])

    # then: the versioned deleted marker wins, and the product stays gone from search
    assert (result.written, result.stale) == (0, 1)
    drain_search()
    assert "HAM-100" not in es_skus(indexed, "hammer")
    assert indexed_source(indexed, "HAM-100")["_source"] == {"tenant_id": indexed.tenant.pk,
                                                            "deleted": True}


def test_elasticsearch_down_leaves_the_read_table_going_and_the_index_catches_up(indexed):
    # given: Elasticsearch unreachable
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}"):
        # when: products change
        commands.product_update(tenant=indexed.tenant, product_id=indexed.products["SAW-2"].pk,
                                name="Circular saw with laser guide")
        commands.product_delete(tenant=indexed.tenant, product_id=indexed.products["RAKE-1"].pk)
        drain()

        # then: the read table has the change, and the sync fails without losing its queue
        assert ProductView.objects.get(pk=indexed.products["SAW-2"].pk).name.endswith("laser guide")
        with pytest.raises(Exception):  # noqa: B017,PT011 - whatever the transport raises
            search.sync_batch()
        assert search.queue_length() == 2

    # when: Elasticsearch is back
    drain_search()

    # then: the index caught up
    assert search.queue_length() == 0
    assert es_skus(indexed, "laser") == ["SAW-2"]
    assert indexed_source(indexed, "RAKE-1")["_source"]["deleted"] is True


def test_a_brand_rename_reaches_every_document_in_bulk(indexed):
    # given: more products of the brand than one sync batch
    bosch = indexed.brands["Bosch"]
    for n in range(30):
        commands.product_create(tenant=indexed.tenant, sku=f"BULK-{n}", name=f"Bulk item {n}",
                                price="1.00", brand_id=bosch.pk)
    drain()
    drain_search()

    # when: the brand is renamed
    commands.brand_update(tenant=indexed.tenant, brand_id=bosch.pk, name="Bosch Professional")
    drain()
    queued = search.queue_length()
    while search.sync_batch(limit=10):
        pass
    index.client().indices.refresh(index=index.search_alias())

    # then: one queue entry per product of the brand, all documents carry the new name
    assert queued == 32
    found = search_products(make_request(indexed.tenant, "professional", page_size=100),
                            backend="elasticsearch")
    assert found.body["count"] == 32


def test_reindex_swaps_the_alias_while_searches_go_on_and_keeps_writes_made_during_the_build(
        indexed):
    # given: searches running in a loop, and a write that lands while the new index is built
    old_indices = index.indices_of(index.search_alias())
    failures: list[object] = []
    counts: list[int] = []
    stop = threading.Event()

    def searcher() -> None:
        from django.db import connections
        try:
            while not stop.is_set():
                hits = index.client().search(index=index.search_alias(), routing=str(indexed.tenant.pk),
                                             query={"term": {"tenant_id": indexed.tenant.pk}}, size=0)
                counts.append(hits["hits"]["total"]["value"])
        except Exception as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    wrote = []

    def write_during_build(done: int) -> None:
        if not wrote:
            wrote.append(done)
            commands.product_update(tenant=indexed.tenant, product_id=indexed.products["HOSE-25"].pk,
                                    name="Garden hose during rebuild")
            drain()
            drain_search()  # the live sync writes to both indices now

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        # when: the full reindex runs
        result = search.reindex_all(progress=write_during_build)
    finally:
        stop.set()
        thread.join(timeout=30)

    # then: searches never failed, the alias moved, the old index is gone, the write is there
    assert not failures
    assert counts
    assert min(counts) > 0
    assert wrote
    assert index.indices_of(index.search_alias()) == [result.index]
    assert index.indices_of(index.sync_alias()) == [result.index]
    assert result.index not in old_indices
    assert result.removed == old_indices
    assert not index.client().indices.exists(index=old_indices[0])
    assert es_skus(indexed, "rebuild") == ["HOSE-25"]


def test_a_first_sync_that_creates_an_index_during_the_first_reindex_leaves_one_live_index(
        catalog, elasticsearch_index):
    # given: no index yet; while the first reindex builds, the first sync finds none and
    # creates one (the race of a fresh deployment: `search_reindex` beside a worker)
    created: list[str] = []

    def first_sync_meanwhile(done: int) -> None:
        if not created:
            created.append(index.ensure_index())
            drain_search()  # into the index the sync created and the one being built

    # when
    result = search.reindex_all(progress=first_sync_meanwhile)

    # then: searches see the new index alone, once, and the sync writes only there
    assert created
    assert created[0] != result.index
    assert index.indices_of(index.search_alias()) == [result.index]
    assert index.indices_of(index.sync_alias()) == [result.index]
    assert created[0] in result.removed
    assert not index.client().indices.exists(index=created[0])
    assert es_skus(catalog, "hose") == ["HOSE-25"]


def test_a_tenant_reindex_in_place_repairs_that_tenant_only(indexed, other_tenant):
    # given: a stray document in tenant A's part of the index, and B's documents
    stray = "00000000-0000-0000-0000-000000000001"
    stray_body = json.dumps({"tenant_id": indexed.tenant.pk, "deleted": False,
                             "name": "Stray hammer", "sku": "STRAY"})
    index.write([(stray, indexed.tenant.pk, 1, stray_body)], indices=[index.search_alias()])
    index.client().indices.refresh(index=index.search_alias())
    before_b = search_products(make_request(other_tenant, "", page_size=100), backend="elasticsearch")

    # when
    documents, removed = search.reindex_tenant(tenant_id=indexed.tenant.pk)
    index.client().indices.refresh(index=index.search_alias())

    # then: A's documents are rewritten and the stray one is marked deleted; B is as it was
    assert documents == ProductView.objects.for_tenant(indexed.tenant.pk).count()
    assert removed == 1
    marker = index.client().get(index=index.search_alias(), id=stray, routing=str(indexed.tenant.pk))
    assert marker["_source"] == {"tenant_id": indexed.tenant.pk, "deleted": True}
    assert "STRAY" not in es_skus(indexed, "hammer")
    after_b = search_products(make_request(other_tenant, "", page_size=100), backend="elasticsearch")
    assert after_b.body == before_b.body


def test_a_document_elasticsearch_refuses_does_not_hold_up_the_others(indexed, caplog):
    # given: an attribute that makes a keyword longer than Lucene takes, and an ordinary edit
    bad, good = indexed.products["SAW-2"], indexed.products["HOSE-25"]
    commands.product_update(tenant=indexed.tenant, product_id=bad.pk,
                            attributes={"notes": "x" * 40_000})
    commands.product_update(tenant=indexed.tenant, product_id=good.pk, name="Garden hose refusal")
    drain()

    # when: the sync sends both
    with caplog.at_level(logging.ERROR, logger="catalog.search.index"):
        drain_search()

    # then: the queue is empty, the ordinary edit is searchable, the refusal is logged by id
    assert search.queue_length() == 0
    assert es_skus(indexed, "refusal") == ["HOSE-25"]
    assert str(bad.pk) in caplog.text


def test_a_tenant_spreads_over_its_routing_partition_and_its_searches_see_all_of_it(indexed):
    # given: the index puts a tenant on SEARCH_INDEX_ROUTING_PARTITION of its shards
    partition = settings.SEARCH_INDEX_ROUTING_PARTITION
    assert 1 < partition < settings.SEARCH_INDEX_SHARDS
    routing = str(indexed.tenant.pk)
    es = index.client()
    # and 40 more documents of the tenant, so that all on one shard is a 1 in 2^46 chance
    extra = [(f"00000000-0000-0000-0000-{n:012d}", indexed.tenant.pk, 1,
              json.dumps({"tenant_id": indexed.tenant.pk, "deleted": False, "name": f"Extra {n}",
                          "sku": f"EXTRA-{n}"})) for n in range(40)]
    index.write(extra, indices=[index.search_alias()])
    es.indices.refresh(index=index.search_alias())

    # when: each shard of the index is asked for the tenant's documents
    per_shard = [es.search(index=index.search_alias(), preference=f"_shards:{shard}", size=0,
                           query={"term": {"tenant_id": indexed.tenant.pk}})["hits"]["total"]["value"]
                 for shard in range(settings.SEARCH_INDEX_SHARDS)]

    # then: the tenant's routing reaches exactly its partition, its documents lie on
    # more than one shard of it, and one routed search finds every one of them
    shards = es.search_shards(index=index.search_alias(), routing=routing)["shards"]
    assert len(shards) == partition
    assert sum(1 for count in per_shard if count) > 1
    documents = ProductView.objects.for_tenant(indexed.tenant.pk).count() + len(extra)
    assert sum(per_shard) == documents
    outcome = search_products(make_request(indexed.tenant, "", page_size=100), backend="elasticsearch")
    assert outcome.body["count"] == documents


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_syncs_side_by_side_take_every_queued_change_once_and_keep_the_newest(catalog,
                                                                             elasticsearch_index):
    # given: an index, then changes for several small batches: new products, some edited again
    search.reindex_all()
    created = [commands.product_create(tenant=catalog.tenant, sku=f"SIDE-{n}", name=f"Side item {n}",
                                       price="2.00") for n in range(40)]
    for product in created[:10]:
        commands.product_update(tenant=catalog.tenant, product_id=product.pk,
                                name=f"Side item {product.sku} edited")
    drain()
    queued = search.queue_length()

    # when: two syncs drain the queue side by side, on connections of their own
    handled = search.sync_until_empty(workers=2, batch_size=7)
    index.client().indices.refresh(index=index.search_alias())

    # then: every entry was taken once, and each document is its read row's latest revision
    assert queued >= 40
    assert handled == queued
    assert search.queue_length() == 0
    rows = {str(row.pk): row.revision for row in ProductView.objects.filter(
        tenant_id=catalog.tenant.pk, sku__startswith="SIDE-")}
    hits = index.client().search(
        index=index.search_alias(), routing=str(catalog.tenant.pk), size=100, version=True,
        query={"bool": {"filter": [{"term": {"tenant_id": catalog.tenant.pk}},
                                   {"prefix": {"sku": "SIDE-"}}]}})["hits"]["hits"]
    assert {hit["_id"]: hit["_version"] for hit in hits} == rows
    assert len(es_skus(catalog, "edited")) == 10


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_a_sync_task_that_finds_every_change_claimed_by_another_does_not_requeue_itself(
        catalog, elasticsearch_index, monkeypatch):
    # given: queued changes, all claimed by a sync running on another connection
    from django.db import connections

    from catalog.tasks import sync_search_task

    search.reindex_all()
    commands.product_update(tenant=catalog.tenant, product_id=catalog.products["HOSE-25"].pk,
                            name="Garden hose claimed")
    drain()
    assert search.queue_length() > 0
    requeued: list[object] = []
    monkeypatch.setattr(sync_search_task, "delay", lambda *args, **kwargs: requeued.append(args))
    other = connections.create_connection("read")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"SELECT id FROM {SearchQueueEntry._meta.db_table} FOR UPDATE")

            # when: a second sync task runs meanwhile
            handled = sync_search_task.run()

            # then: it took nothing and left the work to the claiming sync
            assert handled == 0
            assert requeued == []
            cursor.execute("ROLLBACK")
    finally:
        other.close()

    # when: the claim is gone, a task takes the changes and the queue is empty after it
    assert sync_search_task.run() > 0
    assert search.queue_length() == 0
    assert requeued == []
