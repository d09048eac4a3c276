"""The benchmark's own services under bench/out: PostgreSQL sized as deployed, Redis for cache and broker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devstack.ports import free_port
from devstack.postgres import DEV_SETTINGS, PostgresServer, memory_settings
from devstack.redis import RedisServer

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"


class BenchStack:
    """Start PostgreSQL and Redis for a benchmark run and point Django at them."""

    def __init__(self, *, home: Path = OUT_DIR / "stack") -> None:
        self.home = home
        self.postgres = PostgresServer(data_dir=home / "pg", port=free_port(),
                                       settings={**DEV_SETTINGS, **memory_settings()})
        self.redis = RedisServer(data_dir=home / "redis", port=free_port(), persistent=False)
        self.broker = RedisServer(data_dir=home / "broker", port=free_port(), persistent=False)

    def start(self) -> dict[str, str]:
        """Start the servers, export their URLs, migrate; return the environment for children."""
        self.postgres.start()
        self.postgres.ensure_database("catalog")
        self.postgres.ensure_database("catalog_read")
        self.redis.start()
        self.broker.start()
        os.environ.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DATABASE_URL=self.postgres.url("catalog"),
            READ_DATABASE_URL=self.postgres.url("catalog_read"),
            REDIS_URL=self.redis.url, CELERY_BROKER_URL=self.broker.url, DEBUG="false",
        )
        for database in ("default", "read"):
            subprocess.run([sys.executable, "manage.py", "migrate", "--database", database, "-v", "0"],
                           cwd=PROJECT_DIR, check=True)
        return dict(os.environ)

    def stop(self) -> None:
        """Stop every server."""
        for server in (self.broker, self.redis, self.postgres):
            server.stop()
