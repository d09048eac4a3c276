"""The terminal progress bar of the operator commands: count, rate and ETA."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Render the speed as rows per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s", style="progress.data.speed")


def rows_progress(*, disable: bool = False) -> Progress:
    """Return a progress bar showing done/total, percent, rows/s, elapsed and remaining time."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        RateColumn(), TimeElapsedColumn(), TimeRemainingColumn(), disable=disable,
    )


class RowsRateColumn(ProgressColumn):
    """Render the rows done (a task field) and their rate since the start."""

    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.finished_time if task.finished else task.elapsed
        rate = f", {rows / elapsed:,.0f} rows/s" if elapsed else ""
        return Text(f"{rows:,} rows{rate}", style="progress.data.speed")


def bytes_progress(*, disable: bool = False) -> Progress:
    """Return a progress bar over the bytes of a file, showing rows and rows/s beside them."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), RowsRateColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), disable=disable,
    )
