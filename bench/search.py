"""Search at scale: index build rate, then latency on Elasticsearch, PostgreSQL and a naive baseline.

Starts its own Elasticsearch 9 node (the devstack's integ-test zip, 2 GB heap)
under the benchmark home, builds the index from the read table with
``reindex_all`` (the zero-downtime path: new index, bulk settings, alias swap),
then times ``GET /api/v1/search/`` in process for a mix of typical queries
(a product family, material + family, a misspelled family, a German family
name, an exact SKU) with and without facets, once per backend, and the same
queries against DRF's ``SearchFilter`` (icontains) over the write models.
"""

from __future__ import annotations

import random
import time
from typing import Any
from urllib.parse import urlencode

from bench.api import Sampler, ensure_read_side
from bench.stack import PROJECT_DIR
from bench.stats import percentiles
from devstack.ports import free_port

SEARCH = "/api/v1/search/"
WARMUP_SEED = 11
# Passes over the warm-up queries (with and without facets) before timing. Elasticsearch's
# latency settles only after a couple of thousand queries of a fresh JVM.
WARMUP_ROUNDS = {"elasticsearch": 5, "postgres": 1}
BASELINE = "/baseline/search/"


def typical_queries(tenant_id: int, *, count: int, seed: int = 7) -> list[tuple[str, str]]:
    """Return ``count`` (kind, text) queries drawn from the demo vocabulary and the tenant's SKUs."""
    from catalog.demo.vocabulary import DEPARTMENTS, MATERIALS
    from catalog.read.models import ProductView

    rng = random.Random(seed)
    families = [family for groups in DEPARTMENTS.values() for group in groups.values() for family in group]
    skus = list(ProductView.objects.for_tenant(tenant_id).order_by("id")
                .values_list("sku", flat=True)[:: max(1, ProductView.objects.for_tenant(tenant_id)
                                                      .count() // 500)][:500])
    queries = []
    for n in range(count):
        family = rng.choice(families)
        kind = ("family", "material+family", "typo", "german", "sku")[n % 5]
        if kind == "family":
            text = family.en
        elif kind == "material+family":
            text = f"{MATERIALS[rng.choice(family.materials)].en} {family.en}"
        elif kind == "typo":
            word = max(family.en.split(), key=len)
            cut = rng.randrange(1, len(word) - 1)
            text = family.en.replace(word, word[:cut] + word[cut + 1:])  # one letter dropped
        elif kind == "german":
            text = family.de
        else:
            text = rng.choice(skus)
        queries.append((kind, text))
    return queries


def _wait_for_merges(*, timeout_s: float) -> float:
    """Wait until the node merges no segments (a fresh bulk build merges for a while); return the wait."""
    from catalog.search import index

    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        stats = index.admin_client().nodes.stats(metric="indices", index_metric="merge")
        if all(node["indices"]["merges"]["current"] == 0 for node in stats["nodes"].values()):
            break
        time.sleep(1.0)  # poll interval of a bounded wait
    return time.monotonic() - started


def _urls(path: str, queries: list[tuple[str, str]], *, facets: bool) -> list[str]:
    return [f"{path}?{urlencode({'q': text, 'facets': 'true' if facets else 'false'})}"
            for _, text in queries]


def bench_search(tenant: Any, *, home: Any, samples: int, baseline_samples: int,
                 budget_s: float) -> dict[str, Any]:
    """Build the index and time searches; return the numbers for the report."""
    from django.test import Client, override_settings

    from bench import settings as bench_settings
    from catalog.api.keys import api_key_create, api_key_revoke
    from catalog.projections import search
    from catalog.read.models import ProductView
    from devstack.elasticsearch import ElasticsearchNode

    ensure_read_side(tenant.pk)
    node = ElasticsearchNode(base_dir=home / "es", port=free_port(),
                             cache_dir=PROJECT_DIR / ".devstack" / "cache", heap="2g")
    node.start()
    key, token = api_key_create(tenant=tenant, name=f"bench-search-{int(time.time())}")
    try:
        with override_settings(ELASTICSEARCH_URL=node.url, SEARCH_INDEX_ALIAS="bench-products",
                               ROOT_URLCONF="bench.urls", DEBUG=False,
                               ALLOWED_HOSTS=bench_settings.ALLOWED_HOSTS,
                               REST_FRAMEWORK=bench_settings.REST_FRAMEWORK):
            rows = ProductView.objects.count()
            builds = []
            for _ in range(2):  # on the fresh node, then again on the node that has built once
                started = time.perf_counter()
                built = search.reindex_all()
                builds.append(time.perf_counter() - started)
                print(f"search: indexed {built.documents:,} documents in {builds[-1]:.1f} s "
                      f"({built.documents / builds[-1]:,.0f} docs/s)", flush=True)
            merges_s = _wait_for_merges(timeout_s=600)
            queries = typical_queries(tenant.pk, count=samples)
            # Other queries of the same kinds warm the JVM's compiled code and both sides'
            # caches; the first pass of them on Elasticsearch is reported as the fresh node's.
            warmup = typical_queries(tenant.pk, count=samples, seed=WARMUP_SEED)
            sampler = Sampler(Client(HTTP_X_API_KEY=token), budget_s=budget_s)
            sampler.samples = {"elasticsearch": {}, "postgres": {}, "baseline": {}}
            hits: dict[str, float] = {}
            for backend in ("elasticsearch", "postgres"):
                with override_settings(SEARCH_BACKEND=backend):
                    if backend == "elasticsearch":
                        sampler.run(backend, "fresh node, with facets",
                                    _urls(SEARCH, warmup, facets=True))
                    for _ in range(WARMUP_ROUNDS[backend]):
                        for facets in (True, False):
                            for url in _urls(SEARCH, warmup, facets=facets):
                                sampler.get(url)
                    sampler.run(backend, "with facets", _urls(SEARCH, queries, facets=True))
                    sampler.run(backend, "without facets", _urls(SEARCH, queries, facets=False))
                    counts = [sampler.get(url)[1].json()["count"]
                              for url in _urls(SEARCH, queries[:50], facets=False)]
                    hits[backend] = sum(counts) / len(counts)
            few = queries[:baseline_samples]
            sampler.run("baseline", "with facets", _urls(BASELINE, few, facets=True))
            sampler.run("baseline", "without facets", _urls(BASELINE, few, facets=False))
    finally:
        api_key_revoke(tenant=tenant, key_ids=[key.pk])
        node.stop()
    return {
        "rows": rows, "documents": built.documents, "build_s": builds[-1], "merges_s": merges_s,
        "docs_per_s": built.documents / builds[-1], "fresh_build_s": builds[0],
        "fresh_docs_per_s": built.documents / builds[0],
        "warmup": {side: len(warmup) * 2 * rounds for side, rounds in WARMUP_ROUNDS.items()},
        "queries": sorted({kind for kind, _ in queries}), "mean_hits": hits,
        "latency": {side: {name: percentiles(values) for name, values in scenarios.items()}
                    for side, scenarios in sampler.samples.items()},
    }


def render(results: dict[str, Any]) -> list[str]:
    """Return the report section of the search benchmark."""
    latency = results["latency"]
    lines = ["## Search (`GET /api/v1/search/`, server-side, in process, ms)", "",
             f"Index build from the read table (`search_reindex`: new index, bulk settings, alias "
             f"swap), {results['documents']:,} documents: on a fresh node "
             f"{results['fresh_build_s']:.1f} s = {results['fresh_docs_per_s']:,.0f} docs/s; "
             f"built again on that node (its JVM has compiled the indexing code) "
             f"{results['build_s']:.1f} s = **{results['docs_per_s']:,.0f} docs/s**.", "",
             f"Latency is timed after the build's segment merges ended "
             f"({results['merges_s']:.0f} s) and after warm-up queries of the same kinds (other "
             f"words): {results['warmup']['elasticsearch']:,} on Elasticsearch, "
             f"{results['warmup']['postgres']:,} on PostgreSQL. The row \"fresh node\" is the "
             "first pass of those on a node that had only built the index.", "",
             "Queries: a mix of " + ", ".join(results["queries"]) + " (20 per page, sorted by "
             "relevance). Mean matches per query: " + ", ".join(
                 f"{k} {v:,.0f}" for k, v in results["mean_hits"].items()) + ". Baseline: DRF "
             "`SearchFilter` (icontains on name, description, SKU) over the write models with "
             "PageNumberPagination and ORM facet counts (bench/baseline_search.py).", "",
             "| backend | facets | p50 | p95 | p99 | n |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for side in ("elasticsearch", "postgres", "baseline"):
        for name in ("fresh node, with facets", "with facets", "without facets"):
            s = latency.get(side, {}).get(name)
            if s:
                lines.append(f"| {side} | {name.removesuffix(' facets')} | {s['p50']:.1f} | {s['p95']:.1f} | "
                             f"{s['p99']:.1f} | {s['n']} |")
    es, pg = latency["elasticsearch"]["with facets"], latency["postgres"]["with facets"]
    lines += ["", "| target | measured | met |", "| --- | ---: | --- |",
              f"| index build ≥ 10,000 docs/s (second build) | {results['docs_per_s']:,.0f} | "
              f"{'yes' if results['docs_per_s'] >= 10_000 else 'no'} |",
              f"| Elasticsearch p95 ≤ 50 ms (with facets) | {es['p95']:.1f} ms | "
              f"{'yes' if es['p95'] <= 50 else 'no'} |",
              f"| PostgreSQL p95 ≤ 150 ms (with facets) | {pg['p95']:.1f} ms | "
              f"{'yes' if pg['p95'] <= 150 else 'no'} |", ""]
    return lines
