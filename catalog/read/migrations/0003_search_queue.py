"""A revision on every read row and the queue of rows the search index has yet to take."""

from django.db import migrations, models

import catalog.read.models


class Migration(migrations.Migration):
    dependencies = [("catalog_read", "0002_taxonomy_views")]

    operations = [
        migrations.RunSQL(
            f"CREATE SEQUENCE {catalog.read.models.REVISION_SEQUENCE}",
            f"DROP SEQUENCE {catalog.read.models.REVISION_SEQUENCE}",
        ),
        migrations.AddField(
            model_name="productview",
            name="revision",
            field=models.BigIntegerField(db_default=catalog.read.models.next_revision()),
        ),
        migrations.CreateModel(
            name="SearchQueueEntry",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("tenant_id", models.BigIntegerField()),
                ("product_id", models.UUIDField()),
                ("revision", models.BigIntegerField(null=True)),
            ],
        ),
    ]
