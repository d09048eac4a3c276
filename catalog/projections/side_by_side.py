"""Run one draining loop on several threads at once, each on its own database connections."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def side_by_side(drain: Callable[[bool], int], *, workers: int, alias: str, name: str) -> int:
    """Return the sum of ``drain(threaded)`` run on ``workers`` threads side by side.

    With one worker, or inside a transaction on ``alias`` (whose uncommitted rows
    other connections cannot see), it runs once on the caller's connections
    (``threaded`` False). Each thread closes its connections when it is done; the
    first error of a thread is raised again here.
    """
    if workers <= 1 or connections[alias].in_atomic_block:
        return drain(False)

    def on_own_connections() -> int:
        try:
            return drain(True)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        runs = [pool.submit(on_own_connections) for _ in range(workers)]
        return sum(run.result() for run in runs)
