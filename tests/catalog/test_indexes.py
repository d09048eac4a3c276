"""The write tables carry no index that another one already covers (every import pays for each)."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from catalog.models import Brand, Event, Tenant

pytestmark = pytest.mark.django_db

migration = importlib.import_module("catalog.migrations.0006_drop_redundant_fk_indexes")


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


@pytest.mark.parametrize(("table", "column", "index"), migration.COVERED)
def test_a_covered_foreign_key_has_no_index_of_its_own(table, column, index):
    indexes = _indexes(table)
    assert index not in indexes
    alone = [name for name, definition in indexes.items()
             if definition.endswith(f"({column})") and " WHERE " not in definition]
    assert alone == []


def test_the_user_columns_are_indexed_where_they_are_set():
    for table, name, column in [("catalog_product", "product_updated_by", "updated_by_id"),
                                ("catalog_category", "category_updated_by", "updated_by_id"),
                                ("catalog_brand", "brand_updated_by", "updated_by_id"),
                                ("catalog_event", "event_actor", "actor_id")]:
        assert f"({column}) WHERE ({column} IS NOT NULL)" in _indexes(table)[name]


def test_deleting_a_user_still_clears_what_they_changed():
    # given: a brand a user changed, which recorded an event by that user
    user = get_user_model().objects.create_user("merch", password="x")
    tenant = Tenant.objects.create(slug="idx", name="Idx")
    brand = Brand(tenant=tenant, name="Acme", slug="acme")
    brand.updated_by = user
    brand.save()
    event = Event.objects.get(actor=user)
    user_id = user.pk

    # when
    user.delete()

    # then: the brand and its event stay, without the user
    brand.refresh_from_db()
    event.refresh_from_db()
    assert brand.updated_by_id is None
    assert event.actor_id is None
    assert not Event.objects.filter(actor_id=user_id).exists()
