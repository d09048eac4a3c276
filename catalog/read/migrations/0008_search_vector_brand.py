"""Put the brand's name into the search vector of the read rows that exist already.

New and re-projected rows get it from catalog.projections.products.SEARCH_VECTOR_SQL.
In chunks of 10,000 rows, each its own transaction, so a catalog of millions is not
locked whole while the migration runs.
"""

from django.db import migrations

CHUNK = 10_000
# catalog.projections.products.SEARCH_VECTOR_TEMPLATE as of this migration, over ``v``.
BACKFILL_SQL = """
WITH chunk AS (
    SELECT id FROM catalog_read_productview
    WHERE brand_name <> '' AND (%(after)s::uuid IS NULL OR id > %(after)s::uuid)
    ORDER BY id LIMIT %(chunk)s
)
UPDATE catalog_read_productview v SET search_vector =
    setweight(to_tsvector('simple', v.sku), 'A')
    || setweight(to_tsvector('simple', v.name), 'A')
    || setweight(to_tsvector('simple', jsonb_path_query_array(v.translations, '$.*.name')), 'A')
    || setweight(to_tsvector('simple', array_to_string(v.tags, ' ')), 'B')
    || setweight(to_tsvector('simple', coalesce(v.brand_name, '')), 'B')
    || setweight(to_tsvector('simple', v.description), 'C')
    || setweight(to_tsvector('simple', jsonb_path_query_array(v.translations, '$.*.description')),
                 'C')
FROM chunk WHERE v.id = chunk.id
RETURNING v.id
"""


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    after = None
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(BACKFILL_SQL, {"after": after, "chunk": CHUNK})
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return
            after = max(ids)


class Migration(migrations.Migration):
    atomic = False  # each chunk commits on its own
    dependencies = [("catalog_read", "0007_search_words_fill")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
