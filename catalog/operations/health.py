"""Probe each service the platform depends on, and how far the projections lag behind."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.db import connections

from catalog.bulk_indexes import missing_indexes
from catalog.projections import outbox
from catalog.projections.rebuild import read_indexes
from catalog.search import index

PROBE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    """The outcome of one probe: ``required`` services failing make the platform unready."""

    ok: bool
    required: bool
    ms: float
    error: str = ""


@dataclass(frozen=True)
class Projection:
    """How far the read side lags behind the writes."""

    lag_seconds: float
    parked_events: int
    lag_limit_seconds: float


@dataclass
class Health:
    """Every probe's outcome and the platform's status: ``ok``, ``degraded`` or ``down``."""

    checks: dict[str, Check] = field(default_factory=dict)
    projection: Projection | None = None

    @property
    def status(self) -> str:
        """Return ``down`` when a required service fails, ``degraded`` when anything else does."""
        if any(c.required and not c.ok for c in self.checks.values()):
            return "down"
        lagging = self.projection is not None and (
            self.projection.lag_seconds > self.projection.lag_limit_seconds
            or self.projection.parked_events > 0)
        return "degraded" if lagging or not all(c.ok for c in self.checks.values()) else "ok"

    def as_dict(self) -> dict[str, Any]:
        """Return the body of /health/."""
        return {"status": self.status, "checks": {n: asdict(c) for n, c in self.checks.items()},
                "projection": asdict(self.projection) if self.projection else None}


def _probe(run: Callable[[], object], *, required: bool) -> Check:
    started = time.perf_counter()
    try:
        run()
    except Exception as exc:  # whatever a probe raises, that service is not usable
        return Check(ok=False, required=required, ms=_since(started),
                     error=f"{type(exc).__name__}: {exc}"[:300])
    return Check(ok=True, required=required, ms=_since(started))


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _database(alias: str) -> Callable[[], object]:
    def run() -> None:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            connections[alias].close()  # the next request connects anew
            raise
    return run


def _redis(url: str) -> Callable[[], object]:
    def run() -> None:
        client = redis.Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                                      socket_timeout=PROBE_TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    return run


def _elasticsearch() -> None:
    state = index.client().options(request_timeout=PROBE_TIMEOUT_SECONDS).cluster.health()
    if state["status"] == "red":
        raise RuntimeError("the cluster is red: a primary shard is unassigned")


def platform_health() -> Health:
    """Probe the databases, the cache, the broker and Elasticsearch, then the projection lag.

    The databases are required (every request reads one). The cache, the broker
    and Elasticsearch are not: reads go to the database when the cache fails, writes
    keep their events for the relay when the broker fails, and search answers from
    PostgreSQL when Elasticsearch fails, unless SEARCH_FALLBACK is "none".
    """
    health = Health()
    health.checks["database"] = _probe(_database("default"), required=True)
    health.checks["read_database"] = _probe(_database("read"), required=True)
    health.checks["cache"] = _probe(_redis(settings.CACHES["default"]["LOCATION"]), required=False)
    health.checks["broker"] = _probe(_redis(settings.CELERY_BROKER_URL), required=False)
    if settings.ELASTICSEARCH_URL:
        health.checks["search"] = _probe(_elasticsearch, required=settings.SEARCH_FALLBACK == "none")
    if health.checks["read_database"].ok:
        # Reported when missing only: a cold load runs (catalog.projections.rebuild) or was cut short.
        check = _probe(_read_indexes, required=False)
        if not check.ok:
            health.checks["read_indexes"] = check
    if health.checks["database"].ok:
        # The lag is read after the probes: a database that fails now (or a query cut
        # short) leaves the lag unknown and the platform degraded, not the answer a 500.
        check = _probe(lambda: setattr(health, "projection", _projection()), required=False)
        if not check.ok:
            health.checks["projection"] = check
    return health


def _read_indexes() -> None:
    missing = missing_indexes(read_indexes(), using="read")
    if missing:
        raise RuntimeError(
            "missing while a cold load runs, or since one was cut short (the next rebuild_tenant"
            f" builds them); lists and searches are slow meanwhile: {', '.join(i.name for _, i in missing)}")


def _projection() -> Projection:
    return Projection(lag_seconds=round(outbox.projection_lag().total_seconds(), 3),
                      parked_events=outbox.parked_count(),
                      lag_limit_seconds=settings.HEALTH_PROJECTION_LAG_SECONDS)
