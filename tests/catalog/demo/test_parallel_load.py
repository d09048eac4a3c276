"""Loads outside a transaction: several connections, committed batches, indexes put back."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection

from catalog.demo import loader
from catalog.demo.indexes import trigram_indexes
from catalog.events import EventType
from catalog.models import Event, Product, ProductCategory, Tenant
from tests.catalog.demo.seeded import catalog_rows, seed

pytestmark = pytest.mark.django_db(transaction=True)


def trigram_index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [Product._meta.db_table])
        names = {row[0] for row in cursor.fetchall()}
    return names & {index.name for index in trigram_indexes()}


def test_two_connections_load_committed_batches_and_rebuild_the_trigram_indexes():
    # when: three batches on two connections, into a table small enough to drop the indexes
    output = seed("acme", 30_000, "--workers", "2", "--batch-size", "10000", "--sku-prefix", "DEM")
    # then
    tenant = Tenant.objects.get(slug="acme")
    assert Product.objects.for_tenant(tenant).count() == 30_000
    assert Event.objects.filter(tenant=tenant, event_type=EventType.PRODUCT_CREATED).count() == 30_000
    assert ProductCategory.objects.filter(product__tenant=tenant).count() >= 30_000
    assert "2 connection(s)" in output
    assert "dropped product_sku_trgm, product_name_trgm" in output
    assert trigram_index_names() == {"product_sku_trgm", "product_name_trgm"}


def test_a_parallel_load_gives_the_catalog_of_a_sequential_one():
    # when
    seed("acme", 20_000, "--workers", "2", "--batch-size", "10000", "--sku-prefix", "DEM")
    seed("globex", 20_000, "--workers", "1", "--sku-prefix", "DEM", "--keep-indexes")
    # then
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    assert catalog_rows(acme, with_ids=False) == catalog_rows(globex, with_ids=False)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_failed_batch_leaves_whole_committed_batches_and_the_indexes(workers):
    # given: the third batch fails
    real_load_batch = loader.load_batch

    def failing(plan, *, first, **kwargs):
        if first > 20_000:
            raise RuntimeError("disk full")
        return real_load_batch(plan, first=first, **kwargs)

    # when
    with mock.patch.object(loader, "load_batch", failing), pytest.raises(RuntimeError):
        seed("acme", 30_000, "--workers", workers, "--batch-size", "10000")
    # then: a batch running beside the failed one may have been rolled back too
    tenant = Tenant.objects.get(slug="acme")
    products = Product.objects.for_tenant(tenant).count()
    assert products in ({20_000} if workers == "1" else {10_000, 20_000})
    assert Event.objects.filter(tenant=tenant, event_type=EventType.PRODUCT_CREATED).count() == products
    assert trigram_index_names() == {"product_sku_trgm", "product_name_trgm"}


def test_the_next_run_builds_the_indexes_a_killed_run_left_dropped():
    # given: a run was killed between dropping and building an index
    [index, *_] = trigram_indexes()
    with connection.schema_editor() as editor:
        editor.remove_index(Product, index)
    # when
    output = seed("acme", 1_000, "--keep-indexes")
    # then
    assert f"built {index.name}" in output
    assert trigram_index_names() == {"product_sku_trgm", "product_name_trgm"}


def test_loads_with_the_foreign_key_triggers_where_they_cannot_be_switched_off():
    # when
    with mock.patch.object(loader, "can_skip_row_triggers", return_value=False):
        output = seed("acme", 1_000)
    # then
    assert "foreign-key row triggers on" in output
    assert Product.objects.for_tenant(Tenant.objects.get(slug="acme")).count() == 1_000
