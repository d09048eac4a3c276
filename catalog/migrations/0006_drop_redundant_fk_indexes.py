"""Drop foreign-key indexes that other indexes already cover, and index who-changed-it
columns only where they are set.

Every import writes a product, its category links and an event per row, and each index
is maintained on each of those writes. The tenant's own index is covered by the indexes
that begin with the tenant; a link's product and category by the unique (product,
category) and by (category, product); the user columns are empty on imported and API
rows, so a partial index holds only the rows a user's deletion must find.

The indexes are dropped and built CONCURRENTLY, so writes go on while this runs. Only
the state changes with the AlterFields: Django would drop and re-add each foreign key
(a full validation scan under lock) to change its index.
"""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
import django.db.models.deletion

# (table, column, the index Django made for the foreign key)
COVERED = [
    ("catalog_product", "tenant_id", "catalog_product_tenant_id_0603cd65"),
    ("catalog_product", "updated_by_id", "catalog_product_updated_by_id_e77aaa30"),
    ("catalog_category", "tenant_id", "catalog_category_tenant_id_e66be11b"),
    ("catalog_category", "updated_by_id", "catalog_category_updated_by_id_115844ed"),
    ("catalog_brand", "tenant_id", "catalog_brand_tenant_id_218f9d1b"),
    ("catalog_brand", "updated_by_id", "catalog_brand_updated_by_id_d7cc6dba"),
    ("catalog_event", "tenant_id", "catalog_event_tenant_id_bcc81798"),
    ("catalog_event", "actor_id", "catalog_event_actor_id_89039436"),
    ("catalog_product_category", "product_id", "catalog_product_category_product_id_92ec8111"),
    ("catalog_product_category", "category_id", "catalog_product_category_category_id_36658222"),
]


def _tenant() -> models.ForeignKey:
    return models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                             to="catalog.tenant")


def _updated_by() -> models.ForeignKey:
    return models.ForeignKey(blank=True, db_index=False, editable=False, null=True,
                             on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                             to=settings.AUTH_USER_MODEL)


def _set_only(field: str, name: str) -> models.Index:
    return models.Index(condition=models.Q((f"{field}__isnull", False)), fields=[field], name=name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0005_merge_0004_event_actor_label_0004_import_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The partial indexes first: a user's deletion always has an index to use.
        AddIndexConcurrently("product", _set_only("updated_by", "product_updated_by")),
        AddIndexConcurrently("category", _set_only("updated_by", "category_updated_by")),
        AddIndexConcurrently("brand", _set_only("updated_by", "brand_updated_by")),
        AddIndexConcurrently("event", _set_only("actor", "event_actor")),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField("product", "tenant", _tenant()),
                migrations.AlterField("product", "updated_by", _updated_by()),
                migrations.AlterField("category", "tenant", _tenant()),
                migrations.AlterField("category", "updated_by", _updated_by()),
                migrations.AlterField("brand", "tenant", _tenant()),
                migrations.AlterField("brand", "updated_by", _updated_by()),
                migrations.AlterField("event", "tenant", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.PROTECT,
                    related_name="+", to="catalog.tenant")),
                migrations.AlterField("event", "actor", models.ForeignKey(
                    blank=True, db_index=False, null=True,
                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
                migrations.AlterField("productcategory", "product", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    to="catalog.product")),
                migrations.AlterField("productcategory", "category", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    to="catalog.category")),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX CONCURRENTLY IF EXISTS "{index}"',
                                  reverse_sql=f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{index}" '
                                              f'ON "{table}" ("{column}")')
                for table, column, index in COVERED
            ],
        ),
    ]
