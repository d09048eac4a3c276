"""A real Celery worker (with its embedded beat) against the test databases and broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections

from config.celery_app import app

PROJECT_DIR = Path(__file__).resolve().parents[3]


def wait_for(condition: Callable[[], object], *, timeout: float, message: str) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for: {message}")


def _url(alias: str) -> str:
    s = connections[alias].settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class Worker:
    """A celery worker process (prefork) with beat (unless ``beat=False``), in its own process group."""

    def __init__(self, log: Path, env: dict[str, str] | None = None, *, beat: bool = True) -> None:
        self.log = log
        self.extra_env = env or {}
        self.beat = beat
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
                   DATABASE_URL=_url("default"), READ_DATABASE_URL=_url("read"), **self.extra_env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "live,bulk",
             "-c", "2", "-l", "info", "-n", f"test-{time.monotonic_ns()}@%h",
             *(["-B", "-s", str(self.log.with_suffix(".beat"))] if self.beat else [])],
            cwd=PROJECT_DIR, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: self.process.poll() is None and app.control.ping(timeout=0.5),
                 timeout=60, message=f"worker ready (log: {self.log})")

    def kill(self) -> None:
        """Kill the whole worker at once, as a crash or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker(transactional_db, tmp_path) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    """Start a real worker for one test; it sees what the test commits."""
    app.control.purge()
    worker = Worker(tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()
