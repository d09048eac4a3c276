"""The one-machine platform: embedded services plus web server, Celery worker and beat.

``python -m devstack run`` starts PostgreSQL, Redis and (when Java 21+ is
present) Elasticsearch with their data under ``.devstack/``, migrates, seeds a
demo tenant and two logins on first run, then runs the web server, a Celery
worker and beat until Ctrl-C, which stops every process it started. A second
run reuses the data.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from devstack.postgres import DEV_SETTINGS, PostgresServer
from devstack.redis import RedisServer

PROJECT_DIR = Path(__file__).resolve().parent.parent


STOP_GRACE_SECONDS = 10  # for the web server, worker and beat together, after SIGTERM


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Stack:
    """Start, supervise and stop the whole dev platform."""

    def __init__(self) -> None:
        self.home = Path(os.environ.get("DEVSTACK_DIR", PROJECT_DIR / ".devstack")).absolute()
        self.web_port = _env_int("DEVSTACK_WEB_PORT", 8000)
        self.services: list = []
        self.processes: dict[str, subprocess.Popen[bytes]] = {}  # web, worker, beat, in start order
        self.env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local",
                        PYTHONUNBUFFERED="1")

    def run(self) -> int:
        """Run until interrupted; return the exit status."""
        # SIGINT too: a shell starts background commands with it ignored, and Python then
        # leaves it ignored, so Ctrl-C (or kill -INT) would never reach a stack started so.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.start_services()
            self.prepare()
            self.start_processes()
            return self.supervise()
        except KeyboardInterrupt:
            print("\nStopping…", flush=True)
            return 0
        finally:
            self.stop()

    def start_services(self) -> None:
        """Start the embedded servers unless their URLs are given in the environment."""
        if not os.environ.get("DATABASE_URL"):
            postgres = PostgresServer(data_dir=self.home / "pg",
                                      port=_env_int("DEVSTACK_PG_PORT", 54329), settings=DEV_SETTINGS)
            postgres.start()
            self.services.append(postgres)
            postgres.ensure_database("catalog")
            postgres.ensure_database("catalog_read")
            self.env["DATABASE_URL"] = postgres.url("catalog")
            self.env["READ_DATABASE_URL"] = postgres.url("catalog_read")
            print(f"PostgreSQL 18   {postgres.url('catalog')}", flush=True)
        if not os.environ.get("REDIS_URL"):
            redis = RedisServer(data_dir=self.home / "redis", port=_env_int("DEVSTACK_REDIS_PORT", 63799))
            redis.start()
            self.services.append(redis)
            self.env["REDIS_URL"] = redis.url
            self.env.setdefault("CELERY_BROKER_URL", redis.url.rsplit("/", 1)[0] + "/1")
            print(f"Redis           {redis.url}", flush=True)
        if not os.environ.get("ELASTICSEARCH_URL") and os.environ.get("DEVSTACK_ES", "1") == "1":
            self._start_elasticsearch()

    def _start_elasticsearch(self) -> None:
        from devstack.elasticsearch import ElasticsearchNode, ElasticsearchUnavailable, find_java_home

        if find_java_home() is None:
            print("Elasticsearch   off (no Java 21+): search uses PostgreSQL", flush=True)
            return
        node = ElasticsearchNode(base_dir=self.home / "es", port=_env_int("DEVSTACK_ES_PORT", 9299),
                                 cache_dir=self.home / "cache")
        try:
            node.start()
        except ElasticsearchUnavailable as exc:
            print(f"Elasticsearch   off ({exc}); search uses PostgreSQL", flush=True)
            return
        self.services.append(node)
        self.env["ELASTICSEARCH_URL"] = node.url
        print(f"Elasticsearch 9 {node.url}", flush=True)

    def manage(self, *args: str, secrets_env: dict[str, str] | None = None) -> None:
        """Run a management command with the stack's environment (and ``secrets_env``); fail loudly."""
        subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR,
                       env={**self.env, **(secrets_env or {})}, check=True)

    def prepare(self) -> None:
        """Migrate both databases, seed the demo tenant once and print the logins."""
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("migrate", "--database", "read", "--no-input", "-v", "0")
        credentials_file = self.home / "credentials.json"
        if not credentials_file.exists():
            products = os.environ.get("DEMO_PRODUCTS", "10000")
            self.manage("seed_demo", "--tenant", "demo", "--name", "Demo Industrial Supply",
                        "--products", products, "--no-progress")
            credentials = {"admin": secrets.token_urlsafe(12), "merchandiser": secrets.token_urlsafe(12)}
            # Through the environment: a password on the command line that begins with "-"
            # (one run in 32, for two of these) would be read as an option.
            self.manage("create_dev_logins", "--tenant", "demo",
                        secrets_env={"DEV_ADMIN_PASSWORD": credentials["admin"],
                                     "DEV_MERCHANDISER_PASSWORD": credentials["merchandiser"]})
            credentials_file.write_text(json.dumps(credentials))
            credentials_file.chmod(0o600)
        if self.env.get("ELASTICSEARCH_URL"):
            self.manage("search_reindex", "--if-missing", "--no-progress")
        credentials = json.loads(credentials_file.read_text())
        base = f"http://127.0.0.1:{self.web_port}"
        print(f"\nAdmin           {base}/admin/", flush=True)
        print(f"  superuser     admin / {credentials['admin']}", flush=True)
        print(f"  merchandiser  merchandiser / {credentials['merchandiser']}  (tenant demo)", flush=True)

    def start_processes(self) -> None:
        """Start the web server, a Celery worker (live and bulk queues) and beat."""
        manage = [sys.executable, "manage.py"]
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        commands = {
            "web": [*manage, "runserver", f"127.0.0.1:{self.web_port}", "--noreload"],
            "worker": [*celery, "worker", "-Q", "live,bulk", "-c", "2", "-l", "info"],
            "beat": [*celery, "beat", "-l", "info",
                     "-s", str(self.home / "celerybeat-schedule")],
        }
        for name, command in commands.items():
            process = subprocess.Popen(command, cwd=PROJECT_DIR, env=self.env, start_new_session=True)
            self.processes[name] = process
            print(f"started {name:<8} pid {process.pid}", flush=True)
        print("\nCtrl-C stops everything.", flush=True)

    def supervise(self) -> int:
        """Wait until a process exits (an error) or the user interrupts."""
        while True:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}", flush=True)
                    return 1
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop every process and service this stack started, newest first, within a bound.

        The processes get SIGTERM together and STOP_GRACE_SECONDS in all (a worker's
        warm shutdown finishes its task; an unfinished one is redelivered), then SIGKILL.
        """
        for process in reversed(self.processes.values()):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, process in reversed(self.processes.items()):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop within {STOP_GRACE_SECONDS}s: killed",
                      flush=True)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()
        while self.services:
            service = self.services.pop()
            started = time.monotonic()
            service.stop()
            if (took := time.monotonic() - started) > 5:
                print(f"{type(service).__name__} took {took:.0f}s to stop", flush=True)
