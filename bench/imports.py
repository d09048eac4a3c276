"""Benchmark of import_products: 1M new products, the same file again, then after a brand rename,
memory, naive baseline.

The file is generated deterministically from the demo generator's vocabulary
(variants, category paths, brands, price/sale/stock shares). Each import runs
``manage.py import_products`` as a subprocess so its peak RSS is its own
(``wait4``'s ru_maxrss). After the big file, its products are taken all the way
to search: the bulk projection into the read table, then the search sync into
an Elasticsearch node of its own, until a search of the tenant counts them all;
first one step after the other in this process, then as deployed (the file
imported again into a new tenant with a worker and beat running).
"""

from __future__ import annotations

import csv
import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.stack import PROJECT_DIR
from catalog.demo.rows import INACTIVE_SHARE, OUT_OF_STOCK_SHARE, SALE_SHARE
from catalog.demo.tree import plan_brands
from catalog.demo.variants import build_variants, families
from catalog.fileformat import COLUMNS
from devstack.ports import free_port


def write_csv(path: Path, rows: int, *, seed: int = 42, sku_prefix: str = "IMP") -> int:
    """Write ``rows`` products as an import CSV; return the file size in bytes."""
    refs = families()
    variants = build_variants(refs, locales=("en", "de", "fr"))
    brands = plan_brands(count=50, seed=seed)
    rng = random.Random(f"{seed}:import")
    rand = rng.random
    # The per-variant end of a row (categories, tags, attributes, translations), CSV-encoded once.
    tails = []
    for variant in variants:
        ref = refs[variant.family_index]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([
            f"{ref.department} > {ref.group} > {ref.family.plural}", "|".join(variant.tags),
            _json(variant.attributes), _json(variant.translations)])
        head = io.StringIO()
        csv.writer(head, lineterminator="").writerow([variant.name, variant.description])
        tails.append((head.getvalue(), out.getvalue()))
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        for number in range(1, rows + 1):
            index = int(rand() * len(variants))
            variant = variants[index]
            price = int(variant.base_cents * (0.85 + 0.3 * rand())) or 1
            sale = max(1, int(price * (0.7 + 0.25 * rand()))) if rand() < SALE_SHARE else 0
            stock = 0 if rand() < OUT_OF_STOCK_SHARE else int(2000 * rand() ** 3) + 1
            active = "false" if rand() < INACTIVE_SHARE else "true"
            brand = brands[int(rand() * len(brands))]
            head, tail = tails[index]
            sale_text = f"{sale // 100}.{sale % 100:02d}" if sale else ""
            out.write(f"{sku_prefix}-{number:07d},{head},{price // 100}.{price % 100:02d},{sale_text},"
                      f"EUR,{stock},{active},{brand},{tail}")
    return path.stat().st_size


def write_jsonl(source: Path, path: Path) -> int:
    """Write the rows of the CSV ``source`` as JSON Lines (SKU first); return the file size in bytes."""
    import orjson

    with source.open(encoding="utf-8", newline="") as rows, path.open("wb") as out:
        for row in csv.DictReader(rows):
            out.write(orjson.dumps({
                **row, "sale_price": row["sale_price"] or None, "stock_quantity": int(row["stock_quantity"]),
                "is_active": row["is_active"] == "true", "categories": row["categories"].split("|"),
                "tags": row["tags"].split("|") if row["tags"] else [],
                "attributes": orjson.loads(row["attributes"]),
                "translations": orjson.loads(row["translations"])}) + b"\n")
    return path.stat().st_size


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _start_import(env: dict[str, str], tenant: str, path: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "import_products", "--tenant", tenant, str(path),
             "--no-progress", "--errors", str(path.with_suffix(".errors.csv"))],
            cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=out)


def _finish_import(process: subprocess.Popen[bytes], started: float, load_before: str, log: Path,
                   ended: tuple[int, Any] | None = None) -> dict[str, Any]:
    """Wait for the import (``ended``: its status and rusage, already reaped); return wall time,
    peak RSS, its summary and the load."""
    stdout = process.stdout.read().decode() if process.stdout else ""
    if ended is None:
        _, status, usage = os.wait4(process.pid, 0)
    else:
        status, usage = ended
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, f"import failed: {stdout} (log {log})"
    counts = {line.split()[0]: line.split()[1] for line in stdout.splitlines() if line.strip()
              and not line.startswith(" ")}
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "summary": stdout,
            "load_before": load_before, "load_after": _load(),
            "inserted": counts.get("inserted"), "updated": counts.get("updated"),
            "unchanged": counts.get("unchanged"), "rejected": counts.get("rejected")}


def run_import(env: dict[str, str], tenant: str, path: Path, log: Path) -> dict[str, Any]:
    """Run the command in a subprocess; return wall time, peak RSS, its summary and the load."""
    load_before = _load()
    started = time.perf_counter()
    return _finish_import(_start_import(env, tenant, path, log), started, load_before, log)


def naive_import(tenant: Any, path: Path, sample: int) -> float:
    """Import the first ``sample`` rows with update_or_create per row; return rows/s."""
    from django.utils.text import slugify

    from catalog.models import Brand, Category, Product

    brands: dict[str, Brand] = {}
    categories: dict[str, Category] = {}
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as source:
        for number, row in enumerate(csv.DictReader(source)):
            if number >= sample:
                break
            brand = brands.get(row["brand"]) or Brand.objects.get_or_create(
                tenant=tenant, slug=slugify(row["brand"]), defaults={"name": row["brand"]})[0]
            brands[row["brand"]] = brand
            parent = None
            for name in row["categories"].split(" > "):
                key = f"{parent.pk if parent else ''}/{name}"
                if key not in categories:
                    categories[key] = Category.objects.get_or_create(
                        tenant=tenant, parent=parent, slug=slugify(name), defaults={"name": name})[0]
                parent = categories[key]
            product, _ = Product.objects.update_or_create(
                tenant=tenant, sku=row["sku"], defaults={
                    "name": row["name"], "description": row["description"],
                    "price": Decimal(row["price"]),
                    "sale_price": Decimal(row["sale_price"]) if row["sale_price"] else None,
                    "currency": row["currency"], "stock_quantity": int(row["stock_quantity"]),
                    "is_active": row["is_active"] == "true", "brand": brand,
                    "tags": row["tags"].split("|") if row["tags"] else [],
                    "attributes": __import__("json").loads(row["attributes"]),
                    "translations": __import__("json").loads(row["translations"])})
            product.categories.set([parent])
    return sample / (time.perf_counter() - started)


def _load() -> str:
    """Return the load averages (1, 5, 15 min) as ``uptime`` prints them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


ALIAS = "bench-import-products"
DEPLOYED_ALIAS = "bench-import-deployed"
DEPLOYED_TIMEOUT_S = 3600.0


@contextmanager
def _elasticsearch(es_dir: Path) -> Iterator[Any]:
    from devstack.elasticsearch import ElasticsearchNode

    node = ElasticsearchNode(base_dir=es_dir, port=free_port(),
                             cache_dir=PROJECT_DIR / ".devstack" / "cache", heap="2g")
    node.start()
    try:
        yield node
    finally:
        node.stop()


def _fresh_index(alias: str) -> None:
    """Delete the alias's old indices and create the live index the sync writes to."""
    from catalog.search import index

    index.admin_client().indices.delete(index=f"{alias}-*", ignore_unavailable=True,
                                        allow_no_indices=True)
    index.ensure_index()  # as a deployment's `search_reindex --if-missing` does


def _searchable(tenant_id: int) -> int:
    """Return how many of the tenant's products a search through the Elasticsearch backend counts."""
    from catalog.search.base import SearchRequest
    from catalog.search.service import search_products

    found = search_products(SearchRequest(tenant_id=tenant_id, text="", facets=False),
                            backend="elasticsearch")
    return int(found.body["count"])


def _to_search(tenant: Any, *, node: Any) -> dict[str, Any]:
    """Project the tenant's bulk events, sync them to a fresh index, count them in a search.

    The steps run one after the other here, in this process; ``_as_deployed``
    measures them running as they do in production.
    """
    from django.test import override_settings

    from catalog.projections import search
    from catalog.projections.bulk import project_bulk
    from catalog.search import index

    with override_settings(ELASTICSEARCH_URL=node.url, SEARCH_INDEX_ALIAS=ALIAS):
        _fresh_index(ALIAS)
        started = time.perf_counter()
        projected = project_bulk(tenant_id=tenant.pk)
        projection_s = time.perf_counter() - started
        print(f"import: projected {projected:,} events in {projection_s:.1f} s", flush=True)
        started = time.perf_counter()
        synced = search.sync_until_empty()  # as the search task drains it
        index.admin_client().indices.refresh(index=ALIAS)
        found = _searchable(tenant.pk)
        sync_s = time.perf_counter() - started
        print(f"import: synced {synced:,} read rows to search in {sync_s:.1f} s; "
              f"a search counts {found:,}", flush=True)
    return {"projected": projected, "projection_s": projection_s, "synced": synced,
            "sync_s": sync_s, "searchable": found, "load_after": _load()}


def _as_deployed(env: dict[str, str], path: Path, rows: int, *, node: Any, out_dir: Path,
                 log: Path) -> dict[str, Any]:
    """Import the file into a new tenant with a worker and beat running, as deployed; time until
    a search counts every product.

    The worker is docker-compose.yml's: the live and bulk queues, one process per core,
    with beat beside it. The import wakes the bulk projection per batch, which wakes
    the search sync; a search is polled every second. Times are from the import's start.
    """
    from django.test import override_settings

    from bench.projection import Worker
    from catalog.models import Tenant
    from catalog.projections.bulk import has_bulk, project_bulk, stale_bulk_tenants
    from config.celery_app import app

    for other in stale_bulk_tenants(older_than=timedelta(0)):  # the smaller files' imports: the
        project_bulk(tenant_id=other)  # worker is to have this import's work alone
    tenant, _ = Tenant.objects.get_or_create(slug=f"deployed-{rows}", defaults={"name": "Deployed"})
    worker_env = {**env, "ELASTICSEARCH_URL": node.url, "SEARCH_INDEX_ALIAS": DEPLOYED_ALIAS}
    with override_settings(ELASTICSEARCH_URL=node.url, SEARCH_INDEX_ALIAS=DEPLOYED_ALIAS):
        _fresh_index(DEPLOYED_ALIAS)
        app.control.purge()
        worker = Worker(worker_env, str(out_dir / "deployed-worker.log"), concurrency=os.cpu_count() or 1,
                        beat_schedule=out_dir / "deployed-celerybeat-schedule", loglevel="info")
        try:
            load_before = _load()
            started = time.perf_counter()
            process = _start_import(worker_env, tenant.slug, path, log)
            imported: dict[str, Any] | None = None
            projected_s = searchable_s = None
            found = 0
            while searchable_s is None:
                if time.perf_counter() - started > DEPLOYED_TIMEOUT_S:
                    raise RuntimeError(f"not searchable after {DEPLOYED_TIMEOUT_S:.0f} s "
                                       f"({found:,} of {rows:,}); see {out_dir / 'deployed-worker.log'}")
                if imported is None:
                    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                    if pid:
                        imported = _finish_import(process, started, load_before, log,
                                                  ended=(status, usage))
                        assert imported["inserted"] == f"{rows:,}", (
                            f"the import did not insert {rows:,} new products (a reused stack?): "
                            f"{imported['summary']}")
                if imported is not None and projected_s is None and not has_bulk(tenant_id=tenant.pk):
                    projected_s = time.perf_counter() - started
                found = _searchable(tenant.pk)
                if found >= rows:
                    searchable_s = time.perf_counter() - started
                else:
                    time.sleep(1.0)  # a poll interval, not a synchronization: the loop checks a condition
            print(f"import as deployed: searchable after {searchable_s:.1f} s "
                  f"(import {imported['seconds']:.1f} s, projected at {projected_s:.1f} s)", flush=True)
        finally:
            worker.stop()
    return {"import_s": imported["seconds"], "import_peak_rss_mb": imported["peak_rss_mb"],
            "projected_s": projected_s, "searchable_s": searchable_s, "searchable": found,
            "load_before": load_before, "load_after": _load()}


def _rename_a_brand(tenant_slug: str) -> None:
    """Rename one brand of the tenant (its slug, which rows resolve by, stays)."""
    from catalog import commands
    from catalog.models import Brand, Tenant

    tenant = Tenant.objects.get(slug=tenant_slug)
    brand = Brand.objects.for_tenant(tenant).order_by("pk").first()
    commands.brand_update(tenant=tenant, brand_id=brand.pk, name=f"{brand.name} Group")


def bench_import(env: dict[str, str], *, rows: int, sizes: list[int], out_dir: Path,
                 baseline_sample: int = 2000) -> dict[str, Any]:
    """Import ``rows`` new products, re-import them, import the other ``sizes``; naive baseline."""
    from catalog.models import Tenant

    files = out_dir / "import-files"
    files.mkdir(parents=True, exist_ok=True)
    log = out_dir / "import.log"
    results: dict[str, Any] = {"rows": rows, "runs": []}
    for size in sorted({rows, *sizes}):
        path = files / f"products-{size}.csv"
        started = time.perf_counter()
        file_bytes = write_csv(path, size)
        generated = time.perf_counter() - started
        slug = f"import-{size}"
        Tenant.objects.get_or_create(slug=slug, defaults={"name": f"Import {size}"})
        first = run_import(env, slug, path, log)
        second = run_import(env, slug, path, log)  # every row recognized by its fingerprint
        run: dict[str, Any] = {"rows": size, "file_mb": file_bytes / 1e6, "generate_s": generated,
                               "new": first, "again": second}
        if size == rows:
            with _elasticsearch(out_dir / "es") as node:
                run.update(_to_search(Tenant.objects.get(slug=slug), node=node))
                run["deployed"] = _as_deployed(env, path, size, node=node, out_dir=out_dir, log=log)
        # Last: the rename's event is left for no worker to project.
        _rename_a_brand(slug)
        run["renamed"] = run_import(env, slug, path, log)  # the stamp changed: every row compared
        # The same rows as JSON Lines, into a tenant of their own: new, then again.
        jsonl = path.with_suffix(".jsonl")
        run["jsonl_mb"] = write_jsonl(path, jsonl) / 1e6
        Tenant.objects.get_or_create(slug=f"{slug}-jsonl", defaults={"name": f"Import {size} JSON Lines"})
        run["jsonl_new"] = run_import(env, f"{slug}-jsonl", jsonl, log)
        run["jsonl_again"] = run_import(env, f"{slug}-jsonl", jsonl, log)
        results["runs"].append(run)
        path.unlink()
        jsonl.unlink()
    tenant, _ = Tenant.objects.get_or_create(slug="import-naive", defaults={"name": "Naive"})
    path = files / "products-naive.csv"
    write_csv(path, baseline_sample)
    results["naive_rows_per_s"] = naive_import(tenant, path, baseline_sample)
    results["naive_load"] = _load()
    results["naive_sample"] = baseline_sample
    results["naive_extrapolated_s"] = rows / results["naive_rows_per_s"]
    path.unlink()
    return results


def render(results: dict[str, Any]) -> list[str]:
    """Return the report section for the import benchmark."""
    lines = ["## Bulk import (`import_products`, CSV and JSON Lines, one process)", "",
             "Each import is a `manage.py import_products` subprocess; peak RSS is its ru_maxrss. "
             "Load is the 1/5/15-minute load average (as `uptime` shows it) before and after each run; "
             "the machine's 2 cores are shared with other work. The second run finds every row's "
             "fingerprint on its product and skips it after one index probe, before the line is "
             "parsed (only its number, SKU and hash go to the database); the third runs after a "
             "brand rename (its slug kept), which changes the import's stamp: every row is checked "
             "and compared again, and each product's fingerprint written anew. Then the same rows as "
             "JSON Lines (one object a line, the SKU first) into a tenant of their own: new, and again.",
             "",
             "| rows | file | run | wall | rows/s | inserted | updated | unchanged | peak RSS "
             "| load before → after |",
             "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for run in results["runs"]:
        for label, key in (("new products", "new"), ("same file again", "again"),
                           ("same file after a brand rename", "renamed"),
                           ("JSON Lines: new products", "jsonl_new"),
                           ("JSON Lines: same file again", "jsonl_again")):
            if key not in run:  # an earlier run of the harness
                continue
            r = run[key]
            size = run["jsonl_mb"] if key.startswith("jsonl") else run["file_mb"]
            lines.append(
                f"| {run['rows']:,} | {size:.0f} MB | {label} | {r['seconds']:.1f} s | "
                f"{run['rows'] / r['seconds']:,.0f} | {r['inserted']} | {r['updated']} | "
                f"{r['unchanged']} | {r['peak_rss_mb']:.0f} MB | {r['load_before']} → {r['load_after']} |")
    lines.append(f"| {results['rows']:,} | | naive `update_or_create` per row "
                 f"({results['naive_sample']:,}-row sample, extrapolated) | "
                 f"{results['naive_extrapolated_s']:,.0f} s | {results['naive_rows_per_s']:,.0f} "
                 f"| | | | | {results['naive_load']} |")
    for run in results["runs"]:
        if "projection_s" in run:
            lines += ["", f"Projection of the {run['rows']:,} new products into the read table "
                      "(bulk events, `project_bulk` in process, chunks of 5,000, two side by side, "
                      f"`BULK_PROJECTION_WORKERS`): "
                      f"{run['projection_s']:.1f} s "
                      f"({run['projected'] / run['projection_s']:,.0f} events/s)"
                      + (f"; then the search sync of its {run['synced']:,} read rows into a fresh "
                         f"Elasticsearch index (`sync_until_empty`, as the search task drains it, "
                         f"`SEARCH_SYNC_WORKERS` batches side by side): "
                         f"{run['sync_s']:.1f} s ({run['synced'] / run['sync_s']:,.0f} docs/s), "
                         f"after which a search of the tenant counts {run['searchable']:,} products. "
                         f"Import start → searchable, the steps one after the other: "
                         f"{run['new']['seconds'] + run['projection_s'] + run['sync_s']:.0f} s"
                         if "sync_s" in run else "")
                      + f"; load after {run['load_after']}."]
        if "deployed" in run:
            d = run["deployed"]
            lines += ["", f"**Import start → searchable, as deployed:** the same file imported into a "
                      f"new tenant with a Celery worker (live and bulk queues, one process per core) and "
                      f"beat running, as docker-compose.yml runs them; the bulk projection starts on the "
                      f"first committed batch and wakes the search sync. A search of the tenant counted "
                      f"all {d['searchable']:,} products **{d['searchable_s']:.0f} s** after the import "
                      f"started; the import itself took {d['import_s']:.1f} s beside the worker (peak RSS "
                      f"{d['import_peak_rss_mb']:.0f} MB), the last bulk event was projected at "
                      f"{d['projected_s']:.0f} s. Load {d['load_before']} → {d['load_after']}."]
    lines.append("")
    return lines
