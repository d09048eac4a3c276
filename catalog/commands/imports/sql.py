"""The SQL of an import batch: staging tables, the row checks, and the set-based merge.

Every statement works on the whole batch. Values arrive as text in
``import_stage`` (NULL: the file does not give the column, keep the stored
value; empty: clear it). ``import_checked`` holds each row's first problem,
``import_ready`` the typed new state beside the stored one, and the merge
writes only rows whose state differs, with their events, in the same
transaction.
"""

from __future__ import annotations

from catalog import errors
from catalog.fileformat import COLUMNS

STAGE_COLUMNS = ("row_no", *COLUMNS)

# A batch's keys, for KNOWN_SQL (on a writer's connection, and on the reader's checkers: KnownCheck).
CREATE_BATCH_KEYS = (
    "CREATE TEMP TABLE IF NOT EXISTS import_batch_keys (row_no bigint, sku text, row_digest uuid)")
CREATE_TABLES = [
    # duplicate_of: the earlier row of the file with the same SKU (see SEEN_TABLES).
    # row_digest: the hash of the record's bytes in the file, taken by the reader (reader.py).
    "CREATE TEMP TABLE IF NOT EXISTS import_stage (row_no bigint, "
    + ", ".join(f"{c} text" for c in COLUMNS) + ", row_digest uuid, duplicate_of bigint)",
    CREATE_BATCH_KEYS,
    "CREATE TEMP TABLE IF NOT EXISTS import_checked (row_no bigint PRIMARY KEY, sku text, problem text)",
    """CREATE TEMP TABLE IF NOT EXISTS import_ready (
        row_no bigint, id uuid, is_new boolean, sku text, name text, description text,
        price numeric(10,2), sale_price numeric(10,2), currency text, stock_quantity integer,
        is_active boolean, brand_id bigint, category_ids bigint[], tags text[], attributes jsonb,
        translations jsonb, old_name text, old_description text, old_price numeric(10,2),
        old_sale_price numeric(10,2), old_currency text, old_stock_quantity integer,
        old_is_active boolean, old_brand_id bigint, old_category_ids bigint[], old_tags text[],
        old_attributes jsonb, old_translations jsonb, old_version integer, row_digest uuid,
        fields_changed boolean, categories_changed boolean
    )""",
]
CLEAR_BATCH = "TRUNCATE import_stage, import_batch_keys, import_checked, import_ready"

# Every SKU of the file so far and its first row, on the importer's connection: batches
# register in file order before they are merged (on this or other connections), so the
# first row of a SKU wins wherever its duplicates are.
SEEN_TABLES = [
    "CREATE TEMP TABLE IF NOT EXISTS import_seen (sku text PRIMARY KEY, row_no bigint)",
    "CREATE TEMP TABLE IF NOT EXISTS import_keys (row_no bigint, sku text)",
]
CLEAR_SEEN = "TRUNCATE import_seen, import_keys"


def fingerprint(version: str, digest: str) -> str:
    """Return the SQL assignments of the fingerprint of ``digest`` (a row's) left at ``version``."""
    return f"import_fingerprint = {digest}, import_stamp = %(stamp)s::uuid, import_version = {version}"


# A product holds a current fingerprint: taken at its version, with this import's stamp.
CURRENT = "p.import_stamp = %(stamp)s::uuid AND p.import_version = p.version"


# One statement per batch, on the registry's connection, with the batch's (row, SKU) in
# import_keys: registers the SKUs new to the file, and returns the rows whose SKU came
# before (in this batch or an earlier one) with that first row. Only the SKUs an earlier
# batch registered are looked up in import_seen (the insert's RETURNING tells them
# apart); the statement's reads see import_seen as it was before the insert.
REGISTER_SQL = """
WITH keys AS MATERIALIZED (
    SELECT row_no, btrim(sku) AS sku FROM import_keys
), firsts AS MATERIALIZED (
    SELECT DISTINCT ON (sku) sku, row_no FROM keys
    WHERE sku <> '' AND length(sku) <= 50 ORDER BY sku, row_no
), registered AS MATERIALIZED (
    INSERT INTO import_seen (sku, row_no) SELECT sku, row_no FROM firsts
    ON CONFLICT DO NOTHING RETURNING sku
), earlier AS MATERIALIZED (
    SELECT f.sku, s.row_no FROM (SELECT sku FROM firsts EXCEPT ALL SELECT sku FROM registered) f
    CROSS JOIN LATERAL (SELECT row_no FROM import_seen WHERE sku = f.sku LIMIT 1) s
)
SELECT k.row_no, coalesce(e.row_no, f.row_no)
FROM keys k JOIN firsts f ON f.sku = k.sku LEFT JOIN earlier e ON e.sku = k.sku
WHERE k.row_no <> coalesce(e.row_no, f.row_no)
"""

# The rows of a batch (not duplicates) whose product already holds their fingerprint, with
# the batch's (row, SKU, digest) in import_batch_keys. A row's fingerprint: its digest, the
# version of the product it left behind, and the import's stamp (STAMP_SQL). Such a
# product is unchanged by the row: another write would have bumped the version, a renamed
# or moved brand or category changes the stamp. These rows are never staged: a daily
# re-import of a mostly unchanged file sends only its keys.
COPY_BATCH_KEYS = "COPY import_batch_keys (row_no, sku, row_digest) FROM STDIN"
KNOWN_SQL = f"""
SELECT coalesce(array_agg(k.row_no), '{{}}') FROM import_batch_keys k
-- One probe of (tenant, sku) per row: see CHECK_SQL.
CROSS JOIN LATERAL (SELECT version, import_fingerprint, import_stamp, import_version
                    FROM catalog_product
                    WHERE tenant_id = (SELECT %(tenant)s::bigint) AND sku = btrim(k.sku) LIMIT 1) p
WHERE p.import_fingerprint = k.row_digest AND {CURRENT}
"""
MARK_DUPLICATES_SQL = """
UPDATE import_stage s SET duplicate_of = d.first_row
FROM unnest(%s::bigint[], %s::bigint[]) AS d(row_no, first_row) WHERE s.row_no = d.row_no
"""

# What a file row's names resolve against: the name, slug and parent of each brand and
# category changed since its creation (version above 1; once in, reordering it changes
# nothing). A new one changes no row's resolution (the oldest of equal names wins, see
# TaxonomyResolver), and one that a product uses cannot go without changing that product.
# ``rules`` stands for the checks and the merge (their SQL), the row digest, and the
# settings they read.
STAMP_SQL = """
SELECT md5(concat_ws(chr(30), %(rules)s::text,
    (SELECT string_agg(concat_ws(chr(31), id, name, slug), chr(29) ORDER BY id) FROM catalog_brand
     WHERE tenant_id = %(tenant)s AND version > 1),
    (SELECT string_agg(concat_ws(chr(31), id, coalesce(parent_id, 0), name, slug), chr(29) ORDER BY id)
     FROM catalog_category WHERE tenant_id = %(tenant)s AND version > 1)))
"""

AMOUNT = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"
COUNT = r"^[0-9]{1,9}$"
BOOLEANS = ("true", "false", "t", "f", "1", "0", "yes", "no", "y", "n")
FALSE = ("false", "f", "0", "no", "n")


def _lit(text: str) -> str:
    """Quote a constant message as an SQL literal."""
    return "'" + text.replace("'", "''") + "'"


def _problem(column: str, message: str) -> str:
    return _lit(f"{column}\t{message}")


def _too_long(column: str, limit: int) -> str:
    return _problem(column, errors.IMPORT_TOO_LONG.format(limit=limit))


def _amount_checks(column: str, positive: str) -> list[str]:
    value = f"btrim(s.{column})"
    return [
        f"WHEN {value} ~ '^-' THEN {_problem(column, positive)}",
        f"WHEN {value} !~ '{AMOUNT}' THEN {_problem(column, errors.IMPORT_NOT_AMOUNT)}",
        f"WHEN {value}::numeric = 0 THEN {_problem(column, positive)}",
    ]


def _given(column: str) -> str:
    return f"coalesce(btrim(s.{column}), '') <> ''"


# Catalog files repeat their category paths, tags and JSON documents from row to row:
# these columns are checked once per distinct value of the batch (``v``), and each
# row takes the problem of its value by a hash join.
_NO_EMPTY_PART = (
    "(replace(v, ' ', '') LIKE ANY (ARRAY['>%%', '|%%', '%%>', '%%|', '%%>>%%', '%%||%%', '%%>|%%',"
    " '%%|>%%']))"
)
_CATEGORY_BAD = (
    f"{_NO_EMPTY_PART} OR (length(v) > 255 AND EXISTS (SELECT 1 FROM regexp_split_to_table(v, '[|>]')"
    " AS part WHERE length(btrim(part)) > 255))"
)
_TAG_BAD = (
    "(replace(v, ' ', '') LIKE ANY (ARRAY['|%%', '%%|', '%%||%%'])) OR (length(v) > 50 AND EXISTS"
    " (SELECT 1 FROM unnest(string_to_array(v, '|')) AS tag WHERE length(btrim(tag)) > 50))"
)
_UNKNOWN_LOCALE = "(SELECT k FROM jsonb_object_keys(j) AS k WHERE k <> ALL(%(locales)s::text[]) LIMIT 1)"
_TRANSLATION_BAD = """EXISTS (SELECT 1 FROM jsonb_each(j) AS e WHERE CASE
    WHEN jsonb_typeof(e.value) <> 'object' THEN true
    ELSE jsonb_typeof(e.value -> 'name') IS DISTINCT FROM 'string'
      OR coalesce(jsonb_typeof(e.value -> 'description'), 'string') <> 'string'
      OR (e.value - 'name' - 'description') <> '{}'::jsonb END)"""
_TRANSLATION_NAME_LONG = (
    "(SELECT e.key FROM jsonb_each(j) AS e WHERE length(e.value ->> 'name') > 255 LIMIT 1)"
)


def _distinct(column: str, problem: str, *, json: bool = False) -> str:
    """Return a CTE of the column's distinct non-empty values of the batch and their problem."""
    parsed = ("CASE WHEN pg_input_is_valid(v, 'jsonb') THEN v::jsonb END" if json else "NULL::jsonb")
    return (f"{column}_values AS (SELECT v, {problem} AS problem FROM (SELECT v, {parsed} AS j FROM"
            f" (SELECT DISTINCT {column} AS v FROM import_stage WHERE btrim({column}) <> '') AS d) AS t)")


_VALUE_CHECKS = [
    _distinct("categories",
              f"CASE WHEN {_CATEGORY_BAD} THEN {_problem('categories', errors.IMPORT_CATEGORY_PATH)} END"),
    _distinct("tags", f"CASE WHEN {_TAG_BAD} THEN {_problem('tags', errors.TAGS_INVALID)} END"),
    _distinct("attributes", "CASE WHEN j IS NULL OR jsonb_typeof(j) <> 'object'"
              f" THEN {_problem('attributes', errors.ATTRIBUTES_NOT_OBJECT)} END", json=True),
    _distinct("translations", f"""CASE
        WHEN j IS NULL OR jsonb_typeof(j) <> 'object'
            THEN {_problem('translations', errors.TRANSLATION_SHAPE)}
        WHEN (j - %(locales)s::text[]) <> '{{}}'::jsonb THEN 'translations' || E'\\t' ||
            replace(replace({_lit(errors.TRANSLATION_LOCALE_UNKNOWN)}, '{{locale!r}}',
            quote_literal({_UNKNOWN_LOCALE})), '{{allowed}}', array_to_string(%(locales)s::text[], ', '))
        WHEN {_TRANSLATION_BAD} THEN {_problem('translations', errors.TRANSLATION_SHAPE)}
        WHEN {_TRANSLATION_NAME_LONG} IS NOT NULL THEN 'translations' || E'\\t' ||
            replace({_lit(errors.TRANSLATION_NAME_TOO_LONG)}, '{{locale!r}}',
                    quote_literal({_TRANSLATION_NAME_LONG}))
        END""", json=True),
]

_CHECKS = [
    f"WHEN {_given('sku')} IS NOT TRUE THEN {_problem('sku', errors.IMPORT_REQUIRED)}",
    f"WHEN length(btrim(s.sku)) > 50 THEN {_too_long('sku', 50)}",
    f"WHEN s.duplicate_of IS NOT NULL THEN 'sku' || E'\\t' || replace({_lit(errors.IMPORT_DUPLICATE_SKU)},"
    " '{row}', s.duplicate_of::text)",
    f"WHEN NOT {_given('name')} THEN {_problem('name', errors.IMPORT_REQUIRED)}",
    f"WHEN length(btrim(s.name)) > 255 THEN {_too_long('name', 255)}",
    f"WHEN NOT {_given('price')} THEN {_problem('price', errors.IMPORT_REQUIRED)}",
    *_amount_checks("price", errors.PRICE_NOT_POSITIVE),
    *[f"WHEN {_given('sale_price')} AND {check.removeprefix('WHEN ')}"
      for check in _amount_checks("sale_price", errors.SALE_PRICE_NOT_POSITIVE)],
    f"WHEN {_given('sale_price')} AND btrim(s.sale_price)::numeric > btrim(s.price)::numeric"
    f" THEN {_problem('sale_price', errors.SALE_PRICE_ABOVE_PRICE)}",
    # Without a sale_price column the stored sale price stays: it must fit the new price.
    f"WHEN s.sale_price IS NULL AND p.sale_price > btrim(s.price)::numeric"
    f" THEN {_problem('price', errors.SALE_PRICE_ABOVE_PRICE)}",
    f"WHEN {_given('currency')} AND btrim(s.currency) !~ '^[A-Z]{{3}}$'"
    f" THEN {_problem('currency', errors.CURRENCY_INVALID)}",
    f"WHEN btrim(s.stock_quantity) ~ '^-[0-9]+$' THEN {_problem('stock_quantity', errors.STOCK_NEGATIVE)}",
    f"WHEN {_given('stock_quantity')} AND btrim(s.stock_quantity) !~ '{COUNT}'"
    f" THEN {_problem('stock_quantity', errors.IMPORT_NOT_COUNT)}",
    f"WHEN {_given('is_active')} AND lower(btrim(s.is_active)) NOT IN"
    f" ({', '.join(_lit(b) for b in BOOLEANS)}) THEN {_problem('is_active', errors.IMPORT_NOT_BOOLEAN)}",
    f"WHEN length(btrim(s.brand)) > 255 THEN {_too_long('brand', 255)}",
    "WHEN categories_values.problem IS NOT NULL THEN categories_values.problem",
    "WHEN tags_values.problem IS NOT NULL THEN tags_values.problem",
    "WHEN attributes_values.problem IS NOT NULL THEN attributes_values.problem",
    "WHEN translations_values.problem IS NOT NULL THEN translations_values.problem",
]

# One problem per row: the first rule it breaks, in column order.
CHECK_SQL = f"""
WITH {', '.join(_VALUE_CHECKS)}
INSERT INTO import_checked (row_no, sku, problem)
SELECT s.row_no, s.key, CASE {' '.join(_CHECKS)} END
FROM (SELECT st.*, btrim(st.sku) AS key FROM import_stage st) s
-- One probe of (tenant, sku) per row. LIMIT keeps the planner from hashing every product
-- of the tenant (seconds per batch at millions of products, growing with the tenant). The
-- tenant is a sub-select: given the id itself, the planner reads the table's statistics,
-- and for a tenant they do not know yet (a first large import) it expects about one row
-- and scans the tenant's rows on another (tenant, ...) index per probe: quadratic.
LEFT JOIN LATERAL (SELECT sale_price FROM catalog_product
                   WHERE tenant_id = (SELECT %(tenant)s::bigint) AND sku = s.key LIMIT 1) p ON true
LEFT JOIN categories_values ON categories_values.v = s.categories
LEFT JOIN tags_values ON tags_values.v = s.tags
LEFT JOIN attributes_values ON attributes_values.v = s.attributes
LEFT JOIN translations_values ON translations_values.v = s.translations
"""

REJECTED_SQL = """
SELECT c.row_no, c.problem, to_jsonb(s) FROM import_checked c JOIN import_stage s USING (row_no)
WHERE c.problem IS NOT NULL ORDER BY c.row_no
"""


_VALID = "JOIN import_checked c ON c.row_no = s.row_no AND c.problem IS NULL"
CANONICAL_PATH = (
    "array_to_string(ARRAY(SELECT btrim(part) FROM unnest(string_to_array({path}, '>')) AS part), ' > ')"
)

BRAND_NAMES_SQL = f"""
SELECT DISTINCT btrim(s.brand) FROM import_stage s {_VALID} WHERE btrim(s.brand) <> ''
"""
CATEGORY_PATHS_SQL = f"""
SELECT DISTINCT {CANONICAL_PATH.format(path='path')}
FROM import_stage s {_VALID}, unnest(string_to_array(s.categories, '|')) AS path
WHERE s.categories <> ''
"""

_OLD = ("name", "description", "price", "sale_price", "currency", "stock_quantity", "is_active",
        "brand_id", "category_ids", "tags", "attributes", "translations")
_FIELDS = tuple(name for name in _OLD if name != "category_ids")

READY_SQL = rf"""
WITH brands AS (SELECT * FROM unnest(%(brand_names)s::text[], %(brand_ids)s::bigint[]) AS b(name, id)),
     cats AS (SELECT * FROM unnest(%(category_paths)s::text[], %(category_ids)s::bigint[]) AS c(key, id)),
     -- A batch has few distinct category texts: resolve each once, not once per row.
     category_sets AS (
        SELECT t.raw, ARRAY(SELECT DISTINCT cat.id FROM unnest(string_to_array(t.raw, '|')) AS path
                            JOIN cats cat ON cat.key = {CANONICAL_PATH.format(path='path')} ORDER BY 1) AS ids
        FROM (SELECT DISTINCT categories AS raw FROM import_stage WHERE categories <> '') t
     ),
     -- JSON documents repeat too: parse each distinct one once (only those of valid rows).
     attribute_documents AS (
        SELECT v, v::jsonb AS j FROM (SELECT DISTINCT s.attributes AS v FROM import_stage s {_VALID}
                                      WHERE btrim(s.attributes) <> '') d
     ),
     translation_documents AS (
        SELECT v, v::jsonb AS j FROM (SELECT DISTINCT s.translations AS v FROM import_stage s {_VALID}
                                      WHERE btrim(s.translations) <> '') d
     )
INSERT INTO import_ready
SELECT r.*, ({', '.join('r.' + f for f in _FIELDS)}) IS DISTINCT FROM
            ({', '.join('r.old_' + f for f in _FIELDS)}),
       r.category_ids IS DISTINCT FROM r.old_category_ids
FROM (
    SELECT s.row_no, coalesce(p.id, uuidv7()), p.id IS NULL, btrim(s.sku), btrim(s.name),
        CASE WHEN s.description IS NULL THEN coalesce(p.description, '') ELSE s.description END,
        btrim(s.price)::numeric(10,2),
        CASE WHEN s.sale_price IS NULL THEN p.sale_price
             ELSE nullif(btrim(s.sale_price), '')::numeric(10,2) END,
        coalesce(nullif(btrim(s.currency), ''), p.currency, %(currency)s),
        CASE WHEN s.stock_quantity IS NULL THEN coalesce(p.stock_quantity, 0)
             ELSE coalesce(nullif(btrim(s.stock_quantity), '')::integer, 0) END,
        CASE WHEN s.is_active IS NULL THEN coalesce(p.is_active, true)
             ELSE lower(btrim(s.is_active)) NOT IN ({', '.join(_lit(b) for b in FALSE)}) END,
        CASE WHEN s.brand IS NULL THEN p.brand_id ELSE b.id END,
        CASE WHEN s.categories IS NULL THEN coalesce(old.category_ids, '{{}}')
             ELSE coalesce(cs.ids, '{{}}') END,
        CASE WHEN s.tags IS NULL THEN coalesce(p.tags::text[], '{{}}')
             ELSE coalesce(regexp_split_to_array(nullif(btrim(s.tags), ''), '\s*\|\s*'), '{{}}') END,
        CASE WHEN s.attributes IS NULL THEN coalesce(p.attributes, '{{}}')
             ELSE coalesce(aj.j, '{{}}') END,
        CASE WHEN s.translations IS NULL THEN coalesce(p.translations, '{{}}')
             ELSE coalesce(tj.j, '{{}}') END,
        p.name, p.description, p.price, p.sale_price, p.currency, p.stock_quantity, p.is_active,
        p.brand_id, old.category_ids, p.tags::text[], p.attributes, p.translations, p.version,
        s.row_digest
    FROM import_stage s {_VALID}
    LEFT JOIN LATERAL (SELECT * FROM catalog_product  -- one (tenant, sku) probe, as in CHECK_SQL
                       WHERE tenant_id = (SELECT %(tenant)s::bigint) AND sku = c.sku LIMIT 1) p ON true
    LEFT JOIN brands b ON b.name = btrim(s.brand)
    LEFT JOIN category_sets cs ON cs.raw = s.categories
    LEFT JOIN attribute_documents aj ON aj.v = s.attributes
    LEFT JOIN translation_documents tj ON tj.v = s.translations
    LEFT JOIN LATERAL (
        SELECT ARRAY(SELECT l.category_id FROM catalog_product_category l
                     WHERE l.product_id = p.id ORDER BY 1) AS category_ids
    ) old ON p.id IS NOT NULL
) r (row_no, id, is_new, sku, name, description, price, sale_price, currency, stock_quantity,
     is_active, brand_id, category_ids, tags, attributes, translations, old_name, old_description,
     old_price, old_sale_price, old_currency, old_stock_quantity, old_is_active, old_brand_id,
     old_category_ids, old_tags, old_attributes, old_translations, old_version, row_digest)
"""

COUNTS_SQL = """
SELECT count(*) FILTER (WHERE is_new),
       count(*) FILTER (WHERE NOT is_new AND (fields_changed OR categories_changed)),
       count(*) FILTER (WHERE NOT is_new AND NOT fields_changed AND NOT categories_changed)
FROM import_ready
"""

# Unchanged products the batch compared field by field get the row's fingerprint, so the
# next import of the row skips them: only if no other write came in since the comparison,
# and only if their fingerprint is stale (an older version or stamp). A current one belongs
# to another file of the same products (a price feed between full imports): rewriting it
# at each import would make both files compare every row and write every product.
REMEMBER_UNCHANGED_SQL = f"""
UPDATE catalog_product p SET {fingerprint("p.version", "r.row_digest")}
FROM import_ready r
WHERE p.id = r.id AND NOT r.is_new AND NOT r.fields_changed AND NOT r.categories_changed
  AND p.version = r.old_version AND ({CURRENT}) IS NOT TRUE
"""

_PRODUCT_COLUMNS = ("name", "description", "price", "sale_price", "currency", "stock_quantity",
                    "is_active", "brand_id", "tags", "attributes", "translations")

INSERT_PRODUCTS_SQL = f"""
INSERT INTO catalog_product (id, tenant_id, sku, {', '.join(_PRODUCT_COLUMNS)}, version,
                             created_at, updated_at, updated_by_id, import_fingerprint,
                             import_stamp, import_version)
SELECT id, %(tenant)s, sku, {', '.join(_PRODUCT_COLUMNS)}, 1, now(), now(), %(actor)s,
       row_digest, %(stamp)s::uuid, 1
FROM import_ready WHERE is_new
"""
INSERT_NEW_LINKS_SQL = """
INSERT INTO catalog_product_category (product_id, category_id)
SELECT r.id, c FROM import_ready r, unnest(r.category_ids) AS c WHERE r.is_new
"""


def _json(column: str, prefix: str = "r.") -> str:
    if column.removeprefix("old_") in {"price", "sale_price"}:
        return f"to_jsonb({prefix}{column}::text)"
    return f"to_jsonb({prefix}{column})"


_STATE = ", ".join(f"'{c}', {_json(c)}" for c in ("sku", *_OLD))
_EVENT_COLUMNS = (
    "tenant_id, aggregate_type, aggregate_id, aggregate_version, event_type, payload, actor_id,"
    " occurred_at, status, attempts, last_error"
)

CREATED_EVENTS_SQL = f"""
INSERT INTO catalog_event ({_EVENT_COLUMNS})
SELECT %(tenant)s, 'product', r.id::text, 1, 'ProductCreated',
       jsonb_build_object('after', jsonb_build_object({_STATE})), %(actor)s, now(), %(status)s, 0, ''
FROM import_ready r WHERE r.is_new
"""

_CHANGES = ", ".join(f"('{c}', {_json('old_' + c)}, {_json(c)})" for c in _OLD)

# The UPDATE re-checks the row under its lock and returns the new version, so the
# event carries the version the product really got.
UPDATE_PRODUCTS_SQL = f"""
WITH updated AS (
    UPDATE catalog_product p SET {', '.join(f'{c} = r.{c}' for c in _PRODUCT_COLUMNS)},
        version = p.version + 1, updated_at = now(), updated_by_id = %(actor)s,
        {fingerprint("p.version + 1", "r.row_digest")}
    FROM import_ready r
    WHERE p.id = r.id AND NOT r.is_new AND (r.fields_changed OR r.categories_changed)
    RETURNING p.id, p.version
)
INSERT INTO catalog_event ({_EVENT_COLUMNS})
SELECT %(tenant)s, 'product', r.id::text, u.version, 'ProductUpdated',
       jsonb_build_object('changes', (SELECT jsonb_object_agg(v.k, jsonb_build_array(v.o, v.n))
                                      FROM (VALUES {_CHANGES}) AS v(k, o, n)
                                      WHERE v.o IS DISTINCT FROM v.n)),
       %(actor)s, now(), %(status)s, 0, ''
FROM updated u JOIN import_ready r ON r.id = u.id
"""
DELETE_OLD_LINKS_SQL = """
DELETE FROM catalog_product_category l USING import_ready r
WHERE l.product_id = r.id AND NOT r.is_new AND r.categories_changed
  AND l.category_id <> ALL(r.category_ids)
"""
INSERT_CHANGED_LINKS_SQL = """
INSERT INTO catalog_product_category (product_id, category_id)
SELECT r.id, c FROM import_ready r, unnest(r.category_ids) AS c
WHERE NOT r.is_new AND r.categories_changed AND c <> ALL(r.old_category_ids)
"""
LOCK_TENANT_SQL = "SELECT pg_advisory_xact_lock(%s, %s)"
# The temp tables of a batch stay in memory (settable only before the session's first temp table).
TEMP_BUFFERS_SQL = "SET temp_buffers = '256MB'"
# Sorts and hashes of a 50,000-row batch of wide rows stay in memory.
WORK_MEM_SQL = "SET LOCAL work_mem = '256MB'"
IMPORT_LOCK = 0x1A70
