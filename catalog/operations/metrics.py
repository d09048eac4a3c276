"""Prometheus metrics of the platform, computed from the database when scraped.

Computed at scrape time from the event store and the search queue, so every web
process answers the same numbers (no per-process counters to aggregate).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from catalog.operations.health import platform_health
from catalog.projections import outbox, search


class PlatformCollector(Collector):
    """Services up, projection lag, events waiting per tenant, parked events, search queue."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        health = platform_health()
        up = GaugeMetricFamily("catalog_service_up",
                               "Whether a service the platform needs answers (1) or not (0).",
                               labels=["service"])
        for name, check in health.checks.items():
            up.add_metric([name], 1.0 if check.ok else 0.0)
        yield up
        if health.projection is None:  # the write database is down, or its numbers failed
            return
        yield GaugeMetricFamily("catalog_projection_lag_seconds",
                                "Age of the oldest event waiting for projection (0: none waits).",
                                value=health.projection.lag_seconds)
        yield GaugeMetricFamily("catalog_events_parked",
                                "Events parked after repeated failures (admin: Events, retry).",
                                value=health.projection.parked_events)
        waiting = GaugeMetricFamily("catalog_events_waiting",
                                    "Events waiting for projection (live and bulk), per tenant with any.",
                                    labels=["tenant_id"])
        for tenant_id, count in sorted(outbox.pending_by_tenant().items()):
            waiting.add_metric([str(tenant_id)], count)
        yield waiting
        if health.checks["read_database"].ok:
            yield GaugeMetricFamily("catalog_search_queue_entries",
                                    "Read-row changes waiting to be sent to the search index.",
                                    value=search.queue_length())


def render() -> bytes:
    """Return the metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlatformCollector())
    return generate_latest(registry)
