"""The write/read split is real: each side's tables exist only behind their own alias."""

from __future__ import annotations

import pytest
from django.db import router
from django.db.utils import ProgrammingError

from catalog.models import Product
from catalog.read.models import ProductView

pytestmark = pytest.mark.django_db(databases=["default", "read"])


def test_the_router_sends_each_model_to_its_own_alias():
    assert router.db_for_read(ProductView) == router.db_for_write(ProductView) == "read"
    assert router.db_for_read(Product) == router.db_for_write(Product) == "default"


def test_reading_the_read_table_through_default_fails_loudly():
    with pytest.raises(ProgrammingError, match="catalog_read_productview"):
        list(ProductView.objects.using("default").all())


def test_reading_a_write_table_through_read_fails_loudly():
    with pytest.raises(ProgrammingError, match="catalog_product"):
        list(Product.objects.using("read").all())


def test_migrations_keep_each_app_on_its_alias():
    assert router.allow_migrate("read", "catalog_read")
    assert not router.allow_migrate("default", "catalog_read")
    assert not router.allow_migrate("read", "catalog")
    assert router.allow_migrate("default", "catalog")
