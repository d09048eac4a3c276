"""Search on PostgreSQL: full text (the read rows' search vectors) and trigram similarity.

Words come from the search vector, which holds SKU, name and every translated
name (weight A), tags (B) and descriptions (C), so ranking puts name matches
above tag and description matches. When no product has every word, typo
tolerance takes over: each word the tenant's names lack is replaced by the
names' words like it (SearchWord, a small trigram-indexed table per tenant),
and full text runs again; when that finds nothing either, ``word_similarity``
of the text against the names (pg_trgm, GIN index on the name). An exact SKU
matches and ranks first either way.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connections, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from catalog.read import selectors
from catalog.read.models import ProductView
from catalog.read.selectors import ProductFilters
from catalog.search.base import (
    BRAND_FACET_LIMIT,
    FacetCounts,
    Hits,
    SearchRequest,
    Suggestion,
    price_ranges,
)

READ_ALIAS = "read"
NO_FACET_FILTERS = {"brand_id": None, "price_min": None, "price_max": None, "available": None}


# pg_trgm's own default: "skrewdrivr" is 0.35 like "screwdriver", unrelated words far below.
CORRECTION_THRESHOLD = 0.3
CORRECTIONS_PER_WORD = 3

# Each word of the text: whether the tenant's names have it, and the names' words most
# like it: by trigrams, or for short words (few trigrams to share) one edit away. Words
# that never enter SearchWord (a letter long, or with digits) count as known.
CORRECTION_SQL = """
SELECT q.word,
       length(q.word) < 2 OR q.word ~ '[0-9_./@-]' OR EXISTS (
           SELECT 1 FROM catalog_read_searchword k WHERE k.tenant_id = %(tenant)s AND k.word = q.word),
       ARRAY(SELECT c.word FROM catalog_read_searchword c
             WHERE c.tenant_id = %(tenant)s AND (c.word %% q.word OR (
                 length(q.word) <= %(short)s AND abs(length(c.word) - length(q.word)) <= 1
                 AND levenshtein(c.word, q.word) <= 1))
             ORDER BY levenshtein(c.word, q.word), similarity(c.word, q.word) DESC, c.word
             LIMIT %(limit)s)
FROM unnest(tsvector_to_array(to_tsvector('simple', %(text)s))) AS q(word)
"""
SHORT_WORD = 5


def _set_threshold() -> None:
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
                       " set_config('pg_trgm.similarity_threshold', %s, true)",
                       [str(settings.SEARCH_TRIGRAM_THRESHOLD), str(CORRECTION_THRESHOLD)])


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def corrected_words(*, tenant_id: int, text: str) -> str | None:
    """Return a tsquery of ``text`` where each word the tenant's names lack may also be
    one of the names' words like it, or None when no word has such a correction."""
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(CORRECTION_SQL, {"tenant": tenant_id, "text": text, "short": SHORT_WORD,
                                        "limit": CORRECTIONS_PER_WORD})
        words = cursor.fetchall()
    fixed = {word for word, known, like in words if not known and like}
    if not fixed:
        return None  # no word to correct: the words just never meet in one product
    # A compound ("o-ing") comes with its parts ("o", "ing"); once a part is corrected, the
    # compound as typed cannot match, and the parts stand for it.
    words = [(word, known, like) for word, known, like in words
             if "-" not in word or not fixed.intersection(word.split("-"))]
    # A word the names lack may still be a description's word: it stays one of the choices.
    return " & ".join(_lexeme(word) if known or not like else
                      "(" + " | ".join(map(_lexeme, [word, *like])) + ")"
                      for word, known, like in words)


def _words(request: SearchRequest, corrected: str | None) -> SearchQuery:
    if corrected is not None:
        return SearchQuery(corrected, config="simple", search_type="raw")
    return SearchQuery(request.text, config="simple", search_type="websearch")


# The rank's query: any of the words (and their corrections). Every match has every word,
# so ranking on "any" orders them by the same things, which fields hold the words (name
# above tags above descriptions) and how often, without ts_rank's pairwise proximity of
# an AND query: that costs as much again as finding the matches for a query of 5 words.
RANK_WORDS_SQL = ("(SELECT coalesce(string_agg(quote_literal(w), ' | '), '')::tsquery"
                  " FROM unnest(tsvector_to_array(to_tsvector('simple', %s))) AS w)")


def _rank(request: SearchRequest, corrected: str | None) -> SearchRank:
    if corrected is None:
        return SearchRank(F("search_vector"), RawSQL(RANK_WORDS_SQL, (request.text,)))
    # The corrected query's terms, joined by "&", are lexemes or "(… | …)": lexemes hold no spaces.
    return SearchRank(F("search_vector"), SearchQuery(corrected.replace(" & ", " | "), config="simple",
                                                      search_type="raw"))


def _matching(request: SearchRequest, filters: ProductFilters, *, similar: bool = False,
              corrected: str | None = None) -> QuerySet[ProductView]:
    """Return the matches: every word (full text), or with ``similar`` names like the text."""
    queryset = selectors.filtered_products(tenant_id=request.tenant_id, filters=filters)
    if not request.text:
        return queryset
    if similar:
        return queryset.filter(Q(name__trigram_word_similar=request.text) | Q(sku=request.text))
    return queryset.filter(Q(search_vector=_words(request, corrected)) | Q(sku=request.text))


class _Condition:
    """A SQL condition on the columns of the matches (``m``) with its parameters."""

    def __init__(self, sql: str = "TRUE", params: tuple[Any, ...] = ()) -> None:
        self.sql, self.params = sql, params

    def __and__(self, other: _Condition) -> _Condition:
        return _Condition(f"({self.sql} AND {other.sql})", self.params + other.params)


def _facet_filters(filters: ProductFilters, *, keep: str = "") -> _Condition:
    """Return the facet-field filters of ``filters``, leaving out the facet ``keep``."""
    condition = _Condition()
    if keep != "brand" and filters.brand_id is not None:
        condition &= _Condition("m.brand_id = %s", (filters.brand_id,))
    if keep != "price":
        if filters.price_min is not None:
            condition &= _Condition("m.effective_price >= %s", (filters.price_min,))
        if filters.price_max is not None:
            condition &= _Condition("m.effective_price <= %s", (filters.price_max,))
    if keep != "availability" and filters.available is not None:
        condition &= _Condition("m.is_available = %s", (filters.available,))
    return condition


def _price_bucket(low: Any, high: Any) -> _Condition:
    condition = _Condition()
    if low is not None:
        condition &= _Condition("m.effective_price >= %s", (low,))
    if high is not None:
        condition &= _Condition("m.effective_price < %s", (high,))
    return condition


def _counts(request: SearchRequest) -> list[tuple[str, _Condition]]:
    """Return the named counts of a facet pass: the total, categories, prices, availability."""
    filters = request.filters
    every, no_price = _facet_filters(filters), _facet_filters(filters, keep="price")
    no_availability = _facet_filters(filters, keep="availability")
    counts = [("total", every)]
    counts += [(f"c{category_id}", every & _Condition("%s = ANY(m.category_tree_ids)",
                                                      (category_id,)))
               for category_id in request.category_facet_ids]
    counts += [(f"p{i}", no_price & _price_bucket(r.low, r.high))
               for i, r in enumerate(price_ranges())]
    counts += [("in_stock", no_availability & _Condition("m.is_available")),
               ("out_of_stock", no_availability & _Condition("NOT m.is_available"))]
    return counts


ORDERS = {
    "price": "m.effective_price, m.sku",
    "-price": "m.effective_price DESC, m.sku",
    "newest": "m.created_at DESC, m.sku",
}


def _columns(request: SearchRequest) -> list[str]:
    """Return the read columns the matches need: those the counts, the filters and the order read.

    Every column costs for each match (tens of thousands for a common word): the row is
    taken apart up to it, and it is copied into the materialized set.
    """
    filters, facets = request.filters, request.facets
    wanted = {
        "brand_id": facets or filters.brand_id is not None,
        "effective_price": (facets or filters.price_min is not None or filters.price_max is not None
                            or request.sort in {"price", "-price"}),
        "is_available": facets or filters.available is not None,
        "category_tree_ids": facets,
        "created_at": request.sort == "newest",
        "name": not request.text and request.sort not in ORDERS,
    }
    return ["id", "sku", *(column for column, needed in wanted.items() if needed)]


def _one_pass(request: SearchRequest, *, similar: bool = False, corrected: str | None = None) -> Hits:
    """Find the matches once, then count, facet and page them from that one set.

    The matches (narrow columns and the rank) are materialized, so the heap rows
    and their search vectors are read and ranked once instead of once per count.
    """
    filters = request.filters
    matches = _matching(request, dataclasses.replace(filters, **NO_FACET_FILTERS), similar=similar,
                        corrected=corrected)
    if request.text:
        exact = Case(When(sku=request.text, then=Value(1)), default=Value(0),
                     output_field=IntegerField())
        rank: Any = (Value(0.0) if request.sort in ORDERS  # another order: no rank to compute
                     else TrigramWordSimilarity(request.text, "name") if similar
                     else _rank(request, corrected))
        order = ORDERS.get(request.sort, "m.exact DESC, m.rank DESC, m.sku")
    else:
        exact, rank = Value(0), Value(0.0)
        order = ORDERS.get(request.sort, "m.name, m.sku")
    matches_sql, matches_params = matches.annotate(exact=exact, rank=rank).values(
        *_columns(request), "exact", "rank").query.sql_with_params()
    every = _facet_filters(filters)
    parts, params = [], list(matches_params)
    if request.facets:
        counts = _counts(request)
        parts.append("(SELECT json_build_object(" + ", ".join(
            f"'{name}', count(*) FILTER (WHERE {condition.sql})" for name, condition in counts
        ) + ") FROM m)")
        for _, condition in counts:
            params += condition.params
        no_brand = _facet_filters(filters, keep="brand")
        parts.append("(SELECT coalesce(json_agg(json_build_array(b.brand_id, b.n)), '[]') FROM ("
                     "SELECT m.brand_id, count(*) AS n FROM m WHERE m.brand_id IS NOT NULL AND "
                     f"{no_brand.sql} GROUP BY m.brand_id ORDER BY n DESC, m.brand_id LIMIT %s) b)")
        params += [*no_brand.params, BRAND_FACET_LIMIT]
    else:
        parts.append(f"(SELECT json_build_object('total', count(*)) FROM m WHERE {every.sql})")
        params += every.params
    parts.append(f"(SELECT coalesce(json_agg(p.id), '[]') FROM (SELECT m.id FROM m WHERE {every.sql}"
                 f" ORDER BY {order} LIMIT %s OFFSET %s) p)")
    params += [*every.params, request.page_size, request.offset]
    with connections[READ_ALIAS].cursor() as cursor:
        cursor.execute(f"WITH m AS MATERIALIZED ({matches_sql}) SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    totals, ids = row[0], [str(i) for i in row[-1]]
    if not request.facets:
        return Hits(ids=ids, total=totals["total"])
    ranges = price_ranges()
    return Hits(ids=ids, total=totals["total"], facets=FacetCounts(
        categories={c: totals[f"c{c}"] for c in request.category_facet_ids if totals[f"c{c}"]},
        brands=dict(row[1]),
        prices=[totals[f"p{i}"] for i in range(len(ranges))],
        availability={True: totals["in_stock"], False: totals["out_of_stock"]},
    ))


def _ordered(queryset: QuerySet[ProductView], request: SearchRequest) -> QuerySet[ProductView]:
    if request.sort in {"price", "-price"}:
        return queryset.order_by(request.sort.replace("price", "effective_price"), "sku")
    if request.sort == "newest":
        return queryset.order_by("-created_at", "sku")
    return queryset.order_by("name", "sku")


class PostgresSearch:
    """The search backend on the read table."""

    name = "postgres"

    def search(self, request: SearchRequest) -> Hits:
        """Return the page of hits (and facets) of ``request``."""
        if not request.text and not request.facets:  # a plain list: its index gives the page
            queryset = _matching(request, request.filters)
            total = queryset.count()
            page = _ordered(queryset, request)[request.offset:request.offset + request.page_size]
            return Hits(ids=[str(i) for i in page.values_list("id", flat=True)], total=total)
        with transaction.atomic(using=READ_ALIAS):
            _set_threshold()
            hits = _one_pass(request)
            if request.text and not hits.total:
                # No product has every word: correct the words the names lack, then look
                # for names like the text. Only then: trigram matching of common words over
                # every name is the costly part.
                corrected = corrected_words(tenant_id=request.tenant_id, text=request.text)
                if corrected is not None:
                    hits = _one_pass(request, corrected=corrected)
                if not hits.total:
                    hits = _one_pass(request, similar=True)
        return hits

    def suggest(self, *, tenant_id: int, prefix: str, limit: int) -> list[Suggestion]:
        """Return products whose SKU or name starts with ``prefix``, then names similar to it."""
        queryset = selectors.products(tenant_id=tenant_id)
        with transaction.atomic(using=READ_ALIAS):
            _set_threshold()
            by_sku = list(queryset.filter(sku__startswith=prefix).order_by("sku")
                          .values_list("id", "sku", "name")[:limit])
            by_name = list(
                queryset.filter(Q(name__istartswith=prefix) | Q(name__trigram_word_similar=prefix))
                .annotate(similarity=TrigramWordSimilarity(prefix, "name"))
                .order_by("-similarity", "name").values_list("id", "sku", "name")[:limit]
            )
        seen: set[str] = set()
        suggestions = []
        for product_id, sku, name in by_sku + by_name:
            if str(product_id) not in seen:
                seen.add(str(product_id))
                suggestions.append(Suggestion(id=str(product_id), sku=sku, name=name))
        return suggestions[:limit]
