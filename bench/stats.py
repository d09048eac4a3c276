"""Latency statistics for the report."""

from __future__ import annotations

import statistics


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """Return count, median, p95, p99 and max of samples in milliseconds."""
    ordered = sorted(samples_ms)
    if not ordered:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"),
                "max": float("nan")}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99),
            "max": ordered[-1]}
