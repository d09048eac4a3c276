"""The read API under load: server-side latency and requests per second, against a naive baseline.

Latency is measured in process (``django.test.Client`` through the whole
middleware stack, timed with ``perf_counter``): that is the server's time,
without the network or an HTTP server. "Uncached" requests bump the tenant's
list generation (lists) or detail epoch (details) first, as a projection does,
so they query the read database; "cached" requests repeat a URL just served.
Deep pages use fresh cursors: the cursor of page N is the one the API would
return on page N-1 (computed from the row ending page N-1, checked against a
walked chain), and the baseline reads the same page with ``?page=N``.

Throughput runs gunicorn (``bench.settings``) on loopback and ``wrk`` with 64
connections against the list's first page and details of rotating ids.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.stack import PROJECT_DIR
from bench.stats import percentiles
from devstack.ports import free_port

API = "/api/v1/products/"
BASELINE = "/baseline/products/"
STATS, BASELINE_STATS = "/api/v1/stats/", "/baseline/stats/"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def ensure_read_side(tenant_id: int) -> None:
    """Rebuild the tenant's read rows when they do not match the write side (or taxonomy is missing)."""
    from catalog.models import Brand, Category, Product
    from catalog.projections.rebuild import rebuild_tenant
    from catalog.read.models import BrandView, CategoryView, ProductView

    pairs = ((ProductView, Product), (CategoryView, Category), (BrandView, Brand))
    if any(read.objects.for_tenant(tenant_id).count() != write.objects.for_tenant(tenant_id).count()
           for read, write in pairs):
        started = time.perf_counter()
        rebuild_tenant(tenant_id=tenant_id)
        print(f"api: rebuilt the read side in {time.perf_counter() - started:.0f} s", flush=True)


class Sampler:
    """Time GET requests in process and keep the samples of each (side, scenario)."""

    def __init__(self, client: Any, *, budget_s: float) -> None:
        self.client = client
        self.budget_s = budget_s
        self.samples: dict[str, dict[str, list[float]]] = {"api": {}, "baseline": {}}

    def get(self, url: str) -> tuple[float, Any]:
        """Return the time of one request in ms and its response; fail on anything but 200."""
        started = time.perf_counter()
        response = self.client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:300]!r}")
        return elapsed, response

    def run(self, side: str, scenario: str, urls: list[str], *,
            before: Callable[[], None] | None = None, prime: bool = False) -> None:
        """Time ``urls`` in order until done or over budget (at least 5); ``prime`` requests each first."""
        samples = self.samples[side].setdefault(scenario, [])
        deadline = time.perf_counter() + self.budget_s
        for url in urls:
            if before is not None:
                before()
            if prime:
                self.get(url)
            samples.append(self.get(url)[0])
            if len(samples) >= 5 and time.perf_counter() > deadline:
                break
        stats = percentiles(samples)
        print(f"api: {side:8} {scenario:28} n={stats['n']:4} p50={stats['p50']:8.2f} "
              f"p95={stats['p95']:8.2f} p99={stats['p99']:8.2f} ms", flush=True)


def _url(path: str, **params: Any) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _deep_cursors(tenant_id: int, *, page_size: int, last_page: int, count: int) -> dict[int, str]:
    """Return the cursors of pages ``last_page - count + 1 .. last_page`` (sort=name, ascending)."""
    from catalog.api.pagination import encode_cursor
    from catalog.read.selectors import Ordering, products

    ordering = Ordering(sort="name", descending=False)
    first = last_page - count + 1
    start = (first - 1) * page_size - 1  # the last row of the page before ``first``
    rows = list(products(tenant_id=tenant_id).order_by(*ordering.order_by())
                .values("name", "id")[start:start + count * page_size])
    return {first + i: encode_cursor(tenant_id=tenant_id, ordering=ordering, row=rows[i * page_size])
            for i in range(count) if i * page_size < len(rows)}


def _filtered_cursor(tenant_id: int, category_id: int, *, page_size: int, page: int) -> str:
    """Return the cursor of page ``page`` of a category's list by name (the row ending the page before)."""
    from catalog.api.pagination import encode_cursor
    from catalog.read.selectors import Ordering, ProductFilters, filtered_products

    ordering = Ordering(sort="name", descending=False)
    row = (filtered_products(tenant_id=tenant_id, filters=ProductFilters(category_id=category_id))
           .order_by("listed__name", "listed__product_id").values("name", "id")
           [(page - 1) * page_size - 1])
    return encode_cursor(tenant_id=tenant_id, ordering=ordering, row=row)


def _check_cursor_chain(sampler: Sampler, tenant_id: int, page_size: int) -> None:
    """Walk pages 1-3 through next_cursor and check the computed cursor of page 3 is the same."""
    url = _url(API, page_size=page_size)
    cursor = ""
    for _ in range(2):
        cursor = sampler.get(url)[1].json()["next_cursor"]
        url = _url(API, page_size=page_size, cursor=cursor)
    if _deep_cursors(tenant_id, page_size=page_size, last_page=3, count=1)[3] != cursor:
        raise RuntimeError("computed cursors differ from the API's own next_cursor")


def latency(tenant: Any, token: str, *, page_size: int, deep_page: int, samples: int,
            baseline_samples: int, budget_s: float) -> dict[str, Any]:
    """Measure every scenario on both sides; return their percentiles."""
    from django.test import Client

    from catalog.models import Brand, Category
    from catalog.read import cache
    from catalog.read.selectors import products

    tenant_id = tenant.pk
    client = Client(headers={"X-API-Key": token})
    sampler = Sampler(client, budget_s=budget_s)
    rng = random.Random(4)

    def bump_lists() -> None:
        cache.invalidate_tenant(tenant_id=tenant_id)

    def bump_all() -> None:
        cache.invalidate_tenant(tenant_id=tenant_id, details=True)

    total = products(tenant_id=tenant_id).count()
    deep_page = min(deep_page, total // page_size)
    _check_cursor_chain(sampler, tenant_id, page_size)
    for _ in range(5):  # warm code paths, connections and caches of both sides
        sampler.get(_url(API, page_size=page_size))
        sampler.get(_url(BASELINE, page_size=page_size))

    n, nb = samples, baseline_samples
    first = [_url(API, page_size=page_size)] * n
    sampler.run("api", "list first page", first, before=bump_lists)
    sampler.run("api", "list first page (cached)", first, prime=True)
    sampler.run("baseline", "list first page", [_url(BASELINE, page_size=page_size)] * nb)

    cursors = _deep_cursors(tenant_id, page_size=page_size, last_page=deep_page, count=max(n, nb))
    pages = sorted(cursors)
    rng.shuffle(pages)
    sampler.run("api", f"list page {deep_page:,} (cursor)",
                [_url(API, page_size=page_size, cursor=cursors[p]) for p in pages[:n]], before=bump_lists)
    sampler.run("baseline", f"list page {deep_page:,} (cursor)",
                [_url(BASELINE, page_size=page_size, page=p) for p in pages[:nb]])

    brands = list(Brand.objects.for_tenant(tenant_id).values_list("pk", flat=True))
    tops = list(Category.objects.for_tenant(tenant_id).filter(parent__isnull=True)
                .values_list("pk", flat=True))
    filters: dict[str, list[dict[str, Any]]] = {
        "filter brand": [{"brand": rng.choice(brands)} for _ in range(n)],
        "filter category (subtree)": [{"category": rng.choice(tops)} for _ in range(n)],
        "filter price range": [{"price_min": lo, "price_max": lo + 50}
                               for lo in (rng.randrange(10, 400) for _ in range(n))],
    }
    for scenario, params in filters.items():
        sampler.run("api", scenario, [_url(API, page_size=page_size, **p) for p in params],
                    before=bump_lists)
        sampler.run("baseline", scenario, [_url(BASELINE, page_size=page_size, **p) for p in params[:nb]])
    # The other sorts of a filtered list (the baseline sorts by name only).
    everything = list(Category.objects.for_tenant(tenant_id).values_list("pk", flat=True))
    other_sorts: dict[str, list[dict[str, Any]]] = {
        "filter brand, newest first": [{"brand": rng.choice(brands), "sort": "newest"}
                                       for _ in range(n)],
        "filter category (any), price desc": [{"category": rng.choice(everything), "sort": "price",
                                               "order": "desc"} for _ in range(n)],
        "filter category (subtree), page 50 (cursor)": [{"category": c, "cursor": _filtered_cursor(
            tenant_id, c, page_size=page_size, page=50)} for c in (rng.choice(tops) for _ in range(n))],
    }
    for scenario, params in other_sorts.items():
        sampler.run("api", scenario, [_url(API, page_size=page_size, **p) for p in params],
                    before=bump_lists)

    sampler.run("api", "stats", [STATS] * n, before=bump_lists)
    sampler.run("api", "stats (cached)", [STATS] * n, prime=True)
    sampler.run("baseline", "stats", [f"{BASELINE_STATS}"] * nb)

    ids = [str(i) for i in products(tenant_id=tenant_id).order_by("?").values_list("id", flat=True)[:n]]
    details = [f"{API}{i}/" for i in ids]
    sampler.run("api", "detail uncached", details, before=bump_all)
    sampler.run("api", "detail cached", details, prime=True)
    sampler.run("baseline", "detail uncached", [f"{BASELINE}{i}/" for i in ids[:nb]])

    return {side: {name: percentiles(values) for name, values in scenarios.items()}
            for side, scenarios in sampler.samples.items()} | {"deep_page": deep_page}


def _wait_ready(url: str, token: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            request = urllib.request.Request(url, headers={"X-API-Key": token})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def parse_wrk(output: str) -> dict[str, Any]:
    """Return requests/s, latency percentiles (ms), request count and errors of a ``wrk --latency`` run."""
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match[1]) if match else 0.0

    result: dict[str, Any] = {"rps": number(r"Requests/sec:\s+([\d.]+)"),
                              "requests": int(number(r"(\d+) requests in")),
                              "non_2xx": int(number(r"Non-2xx or 3xx responses:\s+(\d+)"))}
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(x) for x in errors.groups()) if errors else 0
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M):
        result[f"p{pct}"] = float(value) * UNITS_MS[unit]
    return result


def _wrk(url: str, token: str, *, paths: list[str] | None, connections: int, seconds: int,
         threads: int, workdir: Path) -> dict[str, Any]:
    script = workdir / "wrk.lua"
    lua = [f'wrk.headers["X-API-Key"] = "{token}"']
    if paths:
        lua += ["local paths = {" + ",".join(f'"{p}"' for p in paths) + "}", "local i = 0",
                "request = function()", "  i = i + 1",
                '  return wrk.format("GET", paths[(i % #paths) + 1])', "end"]
    script.write_text("\n".join(lua) + "\n")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "--latency", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            timeout=seconds + 60).stdout
    result = parse_wrk(output)
    print(f"api: wrk {url} {'(rotating)' if paths else ''}: {result}", flush=True)
    return result


def throughput(tenant: Any, token: str, env: dict[str, str], *, connections: int, seconds: int,
               workers: int, threads: int, log: Path) -> dict[str, Any]:
    """Serve with gunicorn and load the list and the detail of both sides with wrk."""
    from catalog.read.selectors import products

    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install -y wrk)"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--worker-class", "gthread", "--threads", str(threads), "--backlog", "2048",
                "--log-level", "warning"]
    ids = [str(i) for i in products(tenant_id=tenant.pk).order_by("?").values_list("id", flat=True)[:1000]]
    results: dict[str, Any] = {"connections": connections, "seconds": seconds, "workers": workers,
                               "threads": threads}
    with log.open("a") as out, tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(gunicorn, cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT,
                                  env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
                                  start_new_session=True)
        try:
            _wait_ready(f"{base}{API}", token)
            for side, prefix in (("api", API), ("baseline", BASELINE)):
                results[side] = {
                    "list": _wrk(f"{base}{prefix}", token, paths=None, connections=connections,
                                 seconds=seconds, threads=2, workdir=Path(tmp)),
                    "detail": _wrk(f"{base}{prefix}", token, paths=[f"{prefix}{i}/" for i in ids],
                                   connections=connections, seconds=seconds, threads=2,
                                   workdir=Path(tmp)),
                }
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    return results


def bench_api(tenant: Any, env: dict[str, str], *, page_size: int = 100, deep_page: int = 10_000,
              samples: int = 200, baseline_samples: int = 30, budget_s: float = 60.0,
              connections: int = 64, seconds: int = 15, workers: int = 4, threads: int = 4,
              log: Path | None = None) -> dict[str, Any]:
    """Run the in-process latency scenarios and the wrk load of the API and the baseline."""
    from django.test import override_settings

    from bench import settings as bench_settings
    from catalog.api.keys import api_key_create, api_key_revoke

    ensure_read_side(tenant.pk)
    key, token = api_key_create(tenant=tenant, name=f"bench-api-{int(time.time())}")
    try:
        with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False,
                               ALLOWED_HOSTS=bench_settings.ALLOWED_HOSTS,
                               REST_FRAMEWORK=bench_settings.REST_FRAMEWORK):
            results = latency(tenant, token, page_size=page_size, deep_page=deep_page,
                              samples=samples, baseline_samples=baseline_samples, budget_s=budget_s)
        results["page_size"] = page_size
        results["load"] = throughput(tenant, token, env, connections=connections, seconds=seconds,
                                     workers=workers, threads=threads,
                                     log=log or Path(tempfile.gettempdir()) / "bench-gunicorn.log")
    finally:
        api_key_revoke(tenant=tenant, key_ids=[key.pk])
    return results


TARGETS = (("list first page", "p95", 20.0), ("detail cached", "p95", 3.0),
           ("filter brand", "p95", 100.0), ("filter category (subtree)", "p95", 100.0),
           ("filter price range", "p95", 100.0), ("stats", "p95", 20.0))


def render(api: dict[str, Any]) -> list[str]:
    """Render the API section of the report."""
    ours, base = api["api"], api["baseline"]
    lines = ["## Read API: server-side latency (in process, ms)", "",
             f"`django.test.Client` through the middleware, {api['page_size']} rows a page, sort by name. "
             "Uncached: the tenant's list generation (or detail epoch) is bumped before each request; "
             f"cached: the same URL again. Deep page: page {api['deep_page']:,} reached by a fresh cursor "
             "(baseline: `?page=` with OFFSET and COUNT). Baseline: DRF ModelViewSet + nested "
             "ModelSerializer over the write models (bench/baseline_api.py), same auth and renderer; "
             "for stats, the earlier one-pass aggregate over the tenant's read rows, uncached. "
             "Scenarios without a baseline sort or page in ways it does not offer.", "",
             "| scenario | p50 | p95 | p99 | n | baseline p50 | p95 | p99 | n | speed-up p50 | p95 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in ours.items():
        b = base.get(name) or base.get(name.replace(" (cached)", "")) or base.get(
            name.replace("cached", "uncached"))
        row = f"| {name} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} | {s['n']} |"
        if b:
            row += (f" {b['p50']:.1f} | {b['p95']:.1f} | {b['p99']:.1f} | {b['n']} | "
                    f"{b['p50'] / s['p50']:.0f}x | {b['p95'] / s['p95']:.0f}x |")
        else:
            row += " — | — | — | — | — | — |"
        lines.append(row)
    deep = next(name for name in ours if name.startswith("list page"))
    checks = [(f"{name} {stat} ≤ {limit:g} ms", ours[name][stat], ours[name][stat] <= limit, "ms")
              for name, stat, limit in TARGETS if name in ours]
    factor = base[deep]["p50"] / ours[deep]["p50"]
    checks.append((f"{deep}: ≥ 10x faster than the baseline (p50)", factor, factor >= 10, "x"))
    lines += ["", "| target | measured | met |", "| --- | ---: | --- |"]
    lines += [f"| {text} | {value:.2f}{unit if unit == 'x' else ' ms'} | {'yes' if ok else 'NO'} |"
              for text, value, ok, unit in checks]
    load = api.get("load", {})
    if "skipped" in load:
        return [*lines, "", f"Throughput: skipped ({load['skipped']}).", ""]
    lines += ["", f"## Read API: throughput (gunicorn {load['workers']} gthread workers x "
              f"{load['threads']} threads, wrk {load['connections']} connections, {load['seconds']} s, "
              "loopback; client, server and databases share the machine)", "",
              "List: the first page at the default page_size 20 (cached after the first request); "
              "detail: 1,000 rotating ids "
              "(cached once each has been served).", "",
              "| endpoint | req/s | p50 | p99 | errors | baseline req/s | p50 | p99 | errors | factor |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for endpoint in ("list", "detail"):
        s, b = load["api"][endpoint], load["baseline"][endpoint]
        lines.append(
            f"| {endpoint} | {s['rps']:,.0f} | {s.get('p50', 0):.1f} ms | {s.get('p99', 0):.1f} ms | "
            f"{s['non_2xx'] + s['socket_errors']} | {b['rps']:,.0f} | {b.get('p50', 0):.1f} ms | "
            f"{b.get('p99', 0):.1f} ms | {b['non_2xx'] + b['socket_errors']} | "
            f"{s['rps'] / b['rps'] if b['rps'] else float('inf'):.0f}x |")
    return [*lines, ""]
