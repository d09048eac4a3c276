from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without blocking projection on a read table that already holds millions of rows.
    atomic = False

    dependencies = [("catalog_read", "0004_list_keys_and_counts")]

    operations = [
        AddIndexConcurrently(
            model_name="productview",
            index=models.Index(fields=["tenant_id", "id"], name="productview_tenant_id"),
        ),
    ]
