"""Search on Elasticsearch: multi-field matching that forgives typos, facets as filtered aggregations.

Every query filters by tenant (routing only picks the shards) and leaves out
deleted markers. Facet filters (brand, price, availability) go into the post
filter, and each facet's aggregation applies all of them but its own, so facet
counts follow the usual faceted-navigation rules.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError

from catalog.read.selectors import ProductFilters
from catalog.search import index
from catalog.search.base import (
    BRAND_FACET_LIMIT,
    FacetCounts,
    Hits,
    SearchRequest,
    SearchUnavailable,
    Suggestion,
    price_ranges,
)
from catalog.search.documents import MAPPING_VERSION, attribute_pair

TEXT_FIELDS = ["name^3", "i18n_name^3", "text"]
# Typos are forgiven in names only, from the second letter on: fuzzy expansion over every
# field (long descriptions included) was most of the cost of a query at a million products.
FUZZY_FIELDS = ["name^3", "i18n_name^3"]
SORTS: dict[str, list[Any]] = {
    "price": [{"price_cents": "asc"}, {"sku": "asc"}],
    "-price": [{"price_cents": "desc"}, {"sku": "asc"}],
    "newest": [{"created_at": "desc"}, {"sku": "asc"}],
}
# A tenant lies on several shards, and each shard scores by its own term statistics:
# of a few thousand documents, the other tenants' mostly. Asked first (one more round
# trip to the tenant's shards), statistics of the whole give equal products equal scores.
RANKED = "dfs_query_then_fetch"
BRAND_SHARD_SIZE = 500
# How long a process trusts that the searched index has this code's mapping before it
# asks again (an alias swap only ever moves to a newer build).
MAPPING_CHECK_SECONDS = 30.0
_mapping_checked: dict[tuple[str, str], float] = {}  # (url, alias) -> when found current


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def text_query(text: str, *, fuzzy: bool = False) -> dict[str, Any]:
    """Return the scoring query of ``text``: an exact SKU first, then words, then the phrase.

    ``fuzzy`` matches names like the words instead (fuzziness AUTO): the search asks
    for it only when the words themselves find nothing, as the PostgreSQL backend
    turns to trigrams only then. Expanding every word of every query cost about a
    third of the time of a common query at a million products.
    """
    if fuzzy:
        return {"multi_match": {"query": text, "fields": FUZZY_FIELDS, "fuzziness": "AUTO",
                                "prefix_length": 1, "operator": "and"}}
    return {"bool": {"should": [
        {"term": {"sku": {"value": text, "boost": 100.0}}},
        # Every word in one of the fields, not all in one field: "bosch drill" finds a
        # drill of the brand Bosch (BM25F over the fields, name weighing most).
        {"combined_fields": {"query": text, "fields": TEXT_FIELDS, "operator": "and"}},
        {"match_phrase": {"name": {"query": text, "boost": 2.0}}},
    ], "minimum_should_match": 1}}


def _base_filters(tenant_id: int, filters: ProductFilters) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = [{"term": {"tenant_id": tenant_id}}]
    if filters.category_id is not None:
        clauses.append({"term": {"category_tree_ids": filters.category_id}})
    clauses += [{"term": {"tags": tag}} for tag in filters.tags]
    clauses += [{"term": {"attribute_pairs": attribute_pair(name, value)}}
                for name, value in filters.attributes]
    if filters.updated_since is not None:
        clauses.append({"range": {"updated_at": {"gte": filters.updated_since.isoformat()}}})
    return clauses


def _facet_filters(filters: ProductFilters, *, keep: str = "") -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    if keep != "brand" and filters.brand_id is not None:
        clauses.append({"term": {"brand_id": filters.brand_id}})
    if keep != "price" and (filters.price_min is not None or filters.price_max is not None):
        bounds = {}
        if filters.price_min is not None:
            bounds["gte"] = _cents(filters.price_min)
        if filters.price_max is not None:
            bounds["lte"] = _cents(filters.price_max)
        clauses.append({"range": {"price_cents": bounds}})
    if keep != "availability" and filters.available is not None:
        clauses.append({"term": {"is_available": filters.available}})
    return clauses


def _filtered(clauses: list[dict[str, Any]], agg: dict[str, Any]) -> dict[str, Any]:
    """Return ``agg`` over the matches that pass ``clauses`` (no filter to pass: ``agg`` itself)."""
    if not clauses:  # a match-all filter around the aggregation cost ~10% of a query
        return agg
    return {"filter": {"bool": {"filter": clauses}}, "aggs": {"values": agg}}


def _aggregations(request: SearchRequest) -> dict[str, Any]:
    filters = request.filters
    ranges = []
    for bucket in price_ranges():
        bounds: dict[str, Any] = {"key": bucket.key}
        if bucket.low is not None:
            bounds["from"] = _cents(bucket.low)
        if bucket.high is not None:
            bounds["to"] = _cents(bucket.high)
        ranges.append(bounds)
    aggs = {
        # A tenant spans several shards: each returns its BRAND_SHARD_SIZE best brands, so
        # the counts are exact while the matches of one shard have no more brands than that.
        "brands": _filtered(_facet_filters(filters, keep="brand"), {"terms": {
            "field": "brand_id", "size": BRAND_FACET_LIMIT, "shard_size": BRAND_SHARD_SIZE,
            "order": [{"_count": "desc"}, {"_key": "asc"}]}}),
        "prices": _filtered(_facet_filters(filters, keep="price"), {"range": {
            "field": "price_cents", "keyed": False, "ranges": ranges}}),
        "availability": _filtered(_facet_filters(filters, keep="availability"), {
            "terms": {"field": "is_available", "size": 2}}),
    }
    if request.category_facet_ids:  # only the listed categories: every shard returns them all
        aggs["categories"] = _filtered(_facet_filters(filters), {"terms": {
            "field": "category_tree_ids", "include": list(request.category_facet_ids),
            "size": len(request.category_facet_ids)}})
    return aggs


def _facets(request: SearchRequest, aggregations: dict[str, Any]) -> FacetCounts:
    def buckets(name: str) -> list[dict[str, Any]]:
        if name not in aggregations:
            return []
        agg = aggregations[name]
        return agg["values"]["buckets"] if "values" in agg else agg["buckets"]

    return FacetCounts(
        categories={b["key"]: b["doc_count"] for b in buckets("categories") if b["doc_count"]},
        brands={b["key"]: b["doc_count"] for b in buckets("brands")},
        prices=[b["doc_count"] for b in buckets("prices")],
        availability={True: 0, False: 0} | {bool(b["key"]): b["doc_count"]
                                            for b in buckets("availability")},
    )


def _require_current_mapping() -> None:
    """Raise SearchUnavailable when the searched index was built for another mapping version.

    Its fields are not the ones this code asks for, so its answers would be wrong
    (after an upgrade, until `search_reindex` has built the new index).
    """
    key = (settings.ELASTICSEARCH_URL, index.search_alias())
    if time.monotonic() - _mapping_checked.get(key, float("-inf")) < MAPPING_CHECK_SECONDS:
        return
    if stale := index.outdated(index.indices_of(index.search_alias())):
        raise SearchUnavailable(
            f"the search index {', '.join(stale)} was built for another mapping version than "
            f"this release's ({MAPPING_VERSION}): run `manage.py search_reindex`")
    _mapping_checked[key] = time.monotonic()


def _search(**kwargs: Any) -> Any:
    """Search the alias; raise SearchUnavailable when Elasticsearch cannot answer now."""
    try:
        _require_current_mapping()
        return index.client().search(index=index.search_alias(), **kwargs)
    except (TransportConnectionError, ConnectionTimeout) as exc:
        raise SearchUnavailable(f"Elasticsearch is unavailable: {type(exc).__name__}: {exc}") from exc
    except ApiError as exc:
        if exc.meta.status >= 500 or exc.meta.status == 404:  # 404: no index (yet)
            raise SearchUnavailable(f"Elasticsearch cannot answer: {exc}") from exc
        raise


class ElasticsearchSearch:
    """The search backend on the shared Elasticsearch index."""

    name = "elasticsearch"

    def search(self, request: SearchRequest) -> Hits:
        """Return the page of hits (and facets) of ``request``."""
        query: dict[str, Any] = {"bool": {
            "filter": _base_filters(request.tenant_id, request.filters),
            "must_not": [{"term": {"deleted": True}}],
        }}
        if request.text:
            query["bool"]["must"] = [text_query(request.text)]
        if request.sort in SORTS:
            sort = SORTS[request.sort]
        else:
            sort = ["_score", {"sku": "asc"}] if request.text else [{"name.raw": "asc"}, {"sku": "asc"}]
        body: dict[str, Any] = {
            "query": query, "sort": sort, "from": request.offset, "size": request.page_size,
            "track_total_hits": True, "_source": False,
        }
        if post_filter := _facet_filters(request.filters):
            body["post_filter"] = {"bool": {"filter": post_filter}}
        if request.facets:
            body["aggs"] = _aggregations(request)
        if sort[0] == "_score":
            body["search_type"] = RANKED
        response = _search(routing=str(request.tenant_id), **body)
        if request.text and not response["hits"]["total"]["value"]:  # nothing as typed: forgive typos
            query["bool"]["must"] = [text_query(request.text, fuzzy=True)]
            response = _search(routing=str(request.tenant_id), **body)
        hits = response["hits"]
        return Hits(ids=[hit["_id"] for hit in hits["hits"]], total=hits["total"]["value"],
                    facets=_facets(request, response.get("aggregations", {}))
                    if request.facets else None)

    def suggest(self, *, tenant_id: int, prefix: str, limit: int) -> list[Suggestion]:
        """Return products whose SKU starts with ``prefix`` or whose name has its words.

        The last word may be unfinished, and a whole word may carry a typo. Asked of
        the indexed words at query time: a completion field cost about a third of
        the time of building the index.
        """
        words = {"query": prefix, "operator": "and"}
        response = _search(routing=str(tenant_id), size=limit, source=["sku", "name"],
                           search_type=RANKED, track_total_hits=False, query={"bool": {
                               "filter": [{"term": {"tenant_id": tenant_id}}],
                               "must_not": [{"term": {"deleted": True}}],
                               "should": [
                                   {"prefix": {"sku": {"value": prefix, "case_insensitive": True,
                                                       "boost": 2.0}}},
                                   {"match_bool_prefix": {"name": words}},
                                   {"match": {"name": {**words, "fuzziness": "AUTO",
                                                       "prefix_length": 1}}},
                               ],
                               "minimum_should_match": 1,
                           }}, sort=["_score", {"name.raw": "asc"}, {"sku": "asc"}])
        return [Suggestion(id=hit["_id"], sku=hit["_source"]["sku"], name=hit["_source"]["name"])
                for hit in response["hits"]["hits"]]
