"""Benchmarks of the projection pipeline: rebuild, drain throughput, edit-to-visible latency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.db import connections

from bench.baseline import naive_project
from bench.stack import PROJECT_DIR
from bench.stats import percentiles
from catalog import commands
from catalog.models import Event, EventStatus, Product, Tenant
from catalog.projections.rebuild import cold_load, rebuild_tenant


def _read_count(tenant_id: int) -> int:
    with connections["read"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_read_productview WHERE tenant_id = %s", [tenant_id])
        return int(cursor.fetchone()[0])


REBUILD_WORKERS = 2  # what `rebuild_tenant` runs with by default


def bench_rebuild(tenant: Tenant, *, baseline_sample: int = 5000) -> dict[str, Any]:
    """Rebuild from an empty read table, then again over existing rows; naive ORM on a sample."""
    with connections["read"].cursor() as cursor:  # the read rows and the rows derived from them
        for table in ("productview", "productcategoryview", "productcountview"):
            cursor.execute(f"DELETE FROM catalog_read_{table} WHERE tenant_id = %s", [tenant.pk])
        # As autovacuum would after a mass delete: the rebuild then inserts into emptied
        # pages, not next to a million dead index entries of the same keys.
        for table in ("productview", "productcategoryview", "productcountview"):
            cursor.execute(f"VACUUM catalog_read_{table}")
    started = time.perf_counter()
    with cold_load([tenant.pk]) as indexes:  # as `rebuild_tenant` (the command) runs it
        rows = rebuild_tenant(tenant_id=tenant.pk, workers=REBUILD_WORKERS)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    rebuild_tenant(tenant_id=tenant.pk, workers=REBUILD_WORKERS)
    warm = time.perf_counter() - started
    assert _read_count(tenant.pk) == rows, "rebuild lost rows"
    # The rebuild has projected everything the seed recorded: its events are done.
    Event.objects.filter(status=EventStatus.PENDING).update(status=EventStatus.PROCESSED)
    sample = list(Product.objects.for_tenant(tenant).order_by("pk").values_list("pk", flat=True)
                  [:baseline_sample])
    started = time.perf_counter()
    for product_id in sample:
        naive_project(product_id)
    naive = time.perf_counter() - started
    return {"rows": rows, "cold_s": cold, "cold_rows_per_s": rows / cold,
            "cold_indexes_dropped": len(indexes.dropped), "cold_index_build_s": indexes.seconds,
            "warm_s": warm,
            "warm_rows_per_s": rows / warm, "naive_sample": len(sample),
            "naive_rows_per_s": len(sample) / naive, "naive_extrapolated_s": rows / (len(sample) / naive)}


class Worker:
    """A Celery worker process on the live and bulk queues: one child unless told, beat with a schedule."""

    def __init__(self, env: dict[str, str], log: str, *, concurrency: int = 1,
                 beat_schedule: Path | None = None, loglevel: str = "warning") -> None:
        beat = ["-B", "-s", str(beat_schedule)] if beat_schedule is not None else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "live,bulk",
             "-c", str(concurrency), "-l", loglevel, *beat],
            cwd=PROJECT_DIR, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True,
        )
        from config.celery_app import app

        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start, see {log}")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a task past its budget: the bench is done with it
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _pending() -> int:
    return Event.objects.filter(status=EventStatus.PENDING).count()


def _wait_drained(timeout: float) -> float:
    started = time.perf_counter()
    while _pending():
        if time.perf_counter() - started > timeout:
            raise RuntimeError("projection did not drain in time")
        time.sleep(0.01)
    return time.perf_counter() - started


def bench_throughput(tenant: Tenant, env: dict[str, str], *, edits: int, log: str) -> dict[str, Any]:
    """Queue single-product edit events with no worker, then time one worker draining them."""
    Event.objects.filter(status=EventStatus.PENDING).update(status=EventStatus.PROCESSED)
    ids = list(Product.objects.for_tenant(tenant).order_by("-pk").values_list("pk", flat=True)[:edits])
    stock = int(time.time()) % 100_000  # a value the products do not hold yet: every one changes
    for chunk_start in range(0, len(ids), 5000):
        commands.products_bulk_update(tenant=tenant, product_ids=ids[chunk_start:chunk_start + 5000],
                                      stock_quantity=stock)
    queued = _pending()
    worker = Worker(env, log)
    try:
        elapsed = _wait_drained(timeout=600)
    finally:
        worker.stop()
    naive_ids = ids[:2000]
    started = time.perf_counter()
    for product_id in naive_ids:
        naive_project(product_id)
    naive = time.perf_counter() - started
    return {"events": queued, "seconds": elapsed, "events_per_s": queued / elapsed,
            "naive_events_per_s": len(naive_ids) / naive}


def bench_latency(tenant: Tenant, env: dict[str, str], *, edits: int, rate: float, log: str
                  ) -> dict[str, Any]:
    """Commit single-product edits at ``rate``/s with one worker running; time until each is read."""
    ids = list(Product.objects.for_tenant(tenant).order_by("pk").values_list("pk", flat=True)[:edits])
    # Stock values the products do not hold yet: an edit that changes nothing records no
    # event and keeps the version, and would look visible at once.
    base = (int(time.time()) % 100_000) * 1000
    committed: dict[str, tuple[int, float]] = {}
    seen: dict[str, float] = {}
    lock, done = threading.Lock(), threading.Event()

    def watch() -> None:
        connection = connections.create_connection("read")
        while not done.is_set() or len(seen) < len(committed):
            with lock:
                waiting = {k: v for k, v in committed.items() if k not in seen}
            if waiting:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT id::text, version FROM catalog_read_productview"
                                   " WHERE id = ANY(%s::uuid[])", [list(waiting)])
                    now = time.perf_counter()
                    for product_id, version in cursor.fetchall():
                        if version >= waiting[product_id][0]:
                            seen[product_id] = now
            time.sleep(0.002)
        connection.close()

    worker = Worker(env, log)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for index, product_id in enumerate(ids):
            product = commands.product_update(tenant=tenant, product_id=product_id,
                                              stock_quantity=base + index)
            with lock:
                committed[str(product_id)] = (product.version, time.perf_counter())
            time.sleep(1 / rate)
        done.set()
        watcher.join(timeout=120)
    finally:
        worker.stop()
    latencies = [(seen[k] - t) * 1000 for k, (_, t) in committed.items() if k in seen]
    return {"edits": len(ids), "visible": len(latencies), "rate": rate, **percentiles(latencies)}
