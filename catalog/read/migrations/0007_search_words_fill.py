"""Fill SearchWord from the read rows that exist already (new rows fill it as they are written)."""

from django.db import migrations

# The words catalog.projections.products.SEARCH_WORDS_SQL keeps, from every read row.
FILL_SQL = """
INSERT INTO catalog_read_searchword (tenant_id, word)
SELECT DISTINCT s.tenant_id, w.word
FROM catalog_read_productview s
CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('simple', concat_ws(' ', s.name,
    (SELECT string_agg(t.value ->> 'name', ' ') FROM jsonb_each(s.translations) t
     WHERE jsonb_typeof(t.value) = 'object'))))) AS w(word)
WHERE length(w.word) BETWEEN 3 AND 64 AND w.word !~ '[0-9_./@-]'
ORDER BY 1, 2
ON CONFLICT DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [("catalog_read", "0006_search_words")]

    operations = [migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop)]
