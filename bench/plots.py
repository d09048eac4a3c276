"""PNG plots of a benchmark run, written next to the report (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use(): the backend is chosen before pyplot loads


def _bars(path: Path, title: str, labels: list[str], series: dict[str, list[float]], *,
          unit: str, log: bool = False) -> Path:
    """Draw grouped horizontal bars, one group per label, one bar per series."""
    fig, ax = plt.subplots(figsize=(9, 0.22 * len(labels) * max(1, len(series)) + 1.5))
    height = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        positions = [n + i * height for n in range(len(labels))]
        ax.barh(positions, values, height=height, label=name)
        for y, value in zip(positions, values, strict=True):
            ax.text(value, y, f" {value:,.1f}", va="center", fontsize=8)
    ax.set_yticks([n + height * (len(series) - 1) / 2 for n in range(len(labels))], labels)
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    if log:
        ax.set_xscale("log")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_api(results: dict[str, Any], out: Path) -> list[Path]:
    """Plot read-API p50/p95 beside the baseline (log scale)."""
    api, baseline = results["api"]["api"], results["api"]["baseline"]
    labels = list(api)
    series = {
        "ours p50": [api[k]["p50"] for k in labels], "ours p95": [api[k]["p95"] for k in labels],
        "baseline p50": [baseline.get(k, {}).get("p50", 0) or 0 for k in labels],
        "baseline p95": [baseline.get(k, {}).get("p95", 0) or 0 for k in labels],
    }
    return [_bars(out / "api_latency.png", "Read API latency (server-side)", labels, series,
                  unit="ms (log scale)", log=True)]


def plot_search(results: dict[str, Any], out: Path) -> list[Path]:
    """Plot search p50/p95 per backend, with and without facets (log scale)."""
    latency = results["search"]["latency"]
    labels = [f"{side} {name}" for side in ("elasticsearch", "postgres", "baseline")
              for name in ("with facets", "without facets") if name in latency.get(side, {})]
    pick = [label.split(" ", 1) for label in labels]
    series = {"p50": [latency[s][n]["p50"] for s, n in pick],
              "p95": [latency[s][n]["p95"] for s, n in pick],
              "p99": [latency[s][n]["p99"] for s, n in pick]}
    return [_bars(out / "search_latency.png", "Search latency (server-side)", labels, series,
                  unit="ms (log scale)", log=True)]


def plot_throughput(results: dict[str, Any], out: Path) -> list[Path]:
    """Plot rows or documents per second of the bulk paths beside their naive baselines."""
    labels, ours, naive = [], [], []
    if "rebuild" in results:
        labels.append("rebuild (rows/s)")
        ours.append(results["rebuild"]["warm_rows_per_s"])
        naive.append(results["rebuild"]["naive_rows_per_s"])
    if "throughput" in results:
        labels.append("live projection (events/s)")
        ours.append(results["throughput"]["events_per_s"])
        naive.append(results["throughput"]["naive_events_per_s"])
    if "search" in results:
        labels.append("index build (docs/s)")
        ours.append(results["search"]["docs_per_s"])
        naive.append(0)
    if not labels:
        return []
    return [_bars(out / "throughput.png", "Throughput of the bulk paths", labels,
                  {"ours": ours, "naive baseline": naive}, unit="per second (log scale)", log=True)]


def plot_import(results: dict[str, Any], out: Path) -> list[Path]:
    """Plot import rate and peak memory against the file size."""
    runs = sorted(results["import"]["runs"], key=lambda run: run["rows"])
    if not runs:
        return []
    sizes = [run["file_mb"] for run in runs]
    fig, (rate, memory) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("new", "new products"), ("again", "same file again")):
        rate.plot(sizes, [run["rows"] / run[key]["seconds"] for run in runs], marker="o", label=label)
        memory.plot(sizes, [run[key]["peak_rss_mb"] for run in runs], marker="o", label=label)
    rate.axhline(results["import"]["naive_rows_per_s"], color="grey", linestyle="--",
                 label="naive update_or_create")
    rate.set(title="Import rate", xlabel="file size (MB)", ylabel="rows/s", yscale="log")
    memory.axhline(500, color="red", linestyle=":", label="500 MB target")
    memory.set(title="Importer peak memory", xlabel="file size (MB)", ylabel="MB", ylim=(0, 600))
    for axis in (rate, memory):
        axis.legend(fontsize=8)
    fig.tight_layout()
    path = out / "import.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def plot_all(results: dict[str, Any], out: Path) -> list[Path]:
    """Write every plot the results allow; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    if "api" in results:
        paths += plot_api(results, out)
    if "search" in results:
        paths += plot_search(results, out)
    if "import" in results:
        paths += plot_import(results, out)
    paths += plot_throughput(results, out)
    return paths
