from django.db import migrations, models


class Migration(migrations.Migration):
    """The fingerprint's stamp and version stored as they are, not hashed into it.

    An import then checks a row with three equalities instead of an md5 per row. Every
    stored fingerprint is stale once: the next import compares its rows and writes them anew.
    Renaming and adding a nullable column change only the catalog, not the rows.
    """

    dependencies = [
        ("catalog", "0009_product_import_generation"),
    ]

    operations = [
        migrations.RenameField(model_name="product", old_name="import_generation", new_name="import_stamp"),
        migrations.AddField(
            model_name="product",
            name="import_version",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
    ]
