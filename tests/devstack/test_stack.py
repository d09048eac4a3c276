"""The run command: starts everything, serves the admin, stops everything on Ctrl-C, reuses data."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devstack.ports import free_port
from devstack.postgres import PostgresServer

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEEDED = r"^products\s+50 "  # seed_demo's summary line
SERVICE_VARIABLES = ("DATABASE_URL", "READ_DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
                     "ELASTICSEARCH_URL", "DJANGO_SETTINGS_MODULE")


def start_stack(home: Path, ports: dict[str, int], *, sigint_ignored: bool = False) -> subprocess.Popen[str]:
    """Start ``python -m devstack run``; ``sigint_ignored`` starts it as a shell starts a background job."""
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    env.update(DEVSTACK_DIR=str(home), DEVSTACK_ES="0", DEMO_PRODUCTS="50",
               DEVSTACK_WEB_PORT=str(ports["web"]), DEVSTACK_PG_PORT=str(ports["pg"]),
               DEVSTACK_REDIS_PORT=str(ports["redis"]))

    def set_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN if sigint_ignored else signal.SIG_DFL)

    # Whatever the test session inherited (a backgrounded CI run ignores SIGINT), the stack
    # starts with the disposition the test asks for.
    return subprocess.Popen([sys.executable, "-m", "devstack", "run"], cwd=PROJECT_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=set_sigint)


def wait_until_serving(process: subprocess.Popen[str], url: str, timeout: float) -> str:
    """Collect the output until the admin login page answers; return the output so far."""
    fd = process.stdout.fileno()
    os.set_blocking(fd, False)
    output, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(BlockingIOError):
            output += os.read(fd, 65536).decode(errors="replace")
        assert process.poll() is None, f"the stack exited early:\n{output}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and "Ctrl-C" in output:
                    return output
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the admin did not answer within {timeout}s:\n{output}")


def stop_with_ctrl_c(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()  # and show what the stack printed; its children may still hold the pipe
        process.wait(timeout=10)
        output = ""
        with contextlib.suppress(BlockingIOError):
            output = os.read(process.stdout.fileno(), 1 << 20).decode(errors="replace")
        raise AssertionError(f"the stack did not stop within 60 s of Ctrl-C:\n{output}") from None
    os.set_blocking(process.stdout.fileno(), True)
    return process.stdout.read() or ""


def child_processes_of(home: Path) -> list[str]:
    """Return the command lines of processes still using the stack's folder or ports."""
    result = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if str(home) in line]


@pytest.mark.timeout(600)
def test_run_starts_everything_stops_everything_and_reuses_its_data(tmp_path):
    # given
    home = tmp_path / "stack"
    ports = {"web": free_port(), "pg": free_port(), "redis": free_port()}
    login_url = f"http://127.0.0.1:{ports['web']}/admin/login/"
    # when: the first run
    first = start_stack(home, ports)
    try:
        output = wait_until_serving(first, login_url, timeout=300)
    finally:
        output_after = stop_with_ctrl_c(first)
    # then: it printed the logins, served the admin and stopped every process it started
    credentials = re.search(r"merchandiser  merchandiser / (\S+)", output)
    assert credentials, output
    assert re.search(SEEDED, output, re.MULTILINE), output
    assert "started worker" in output
    assert "started beat" in output
    assert first.returncode == 0, output + output_after
    assert child_processes_of(home) == []
    assert not PostgresServer(data_dir=home / "pg", port=ports["pg"]).is_running()
    # when: the second run, started as a shell starts a background job (SIGINT ignored)
    second = start_stack(home, ports, sigint_ignored=True)
    try:
        output = wait_until_serving(second, login_url, timeout=300)
    finally:
        stop_with_ctrl_c(second)
    # then: same data, same logins, no second seeding, and Ctrl-C still stopped everything
    assert f"merchandiser  merchandiser / {credentials.group(1)}" in output
    assert not re.search(SEEDED, output, re.MULTILINE)
    assert second.returncode == 0
    assert child_processes_of(home) == []
