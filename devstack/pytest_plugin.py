"""Start the real services for the test session (loaded with ``-p devstack.pytest_plugin``).

PostgreSQL and Redis start before Django's settings are read, unless
DATABASE_URL / REDIS_URL are set. Elasticsearch starts on first use (fixture
``elasticsearch_url``) unless ELASTICSEARCH_URL is set. With CI=true a service
that cannot start fails the session instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.ports import free_port

_started: list = []
_brokers: list = []
_workdir: Path | None = None
PROJECT_DIR = Path(__file__).resolve().parent.parent
CACHE_DIR = PROJECT_DIR / ".devstack" / "cache"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _start_services() -> None:
    global _workdir
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller process started them and exported the URLs
    _workdir = Path(tempfile.mkdtemp(prefix="catalog-test-"))
    if not os.environ.get("DATABASE_URL"):
        from devstack.postgres import TEST_SETTINGS, PostgresServer

        server = PostgresServer(data_dir=_workdir / "pg", port=free_port(), settings=TEST_SETTINGS)
        server.start()
        _started.append(server)
        server.ensure_database("catalog")
        server.ensure_database("catalog_read")
        os.environ["DATABASE_URL"] = server.url("catalog")
        os.environ["READ_DATABASE_URL"] = server.url("catalog_read")
    if not os.environ.get("REDIS_URL"):
        from devstack.redis import RedisServer

        redis = RedisServer(data_dir=_workdir / "redis", port=free_port(), persistent=False)
        redis.start()
        _started.append(redis)
        os.environ["REDIS_URL"] = redis.url
    if not os.environ.get("CELERY_BROKER_URL"):
        # A broker of its own, so a test can take it down while the cache stays up.
        from devstack.redis import RedisServer

        broker = RedisServer(data_dir=_workdir / "broker", port=free_port(), persistent=False)
        broker.start()
        _started.append(broker)
        _brokers.append(broker)
        os.environ["CELERY_BROKER_URL"] = broker.url


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):  # type: ignore[no-untyped-def]
    """Start PostgreSQL and Redis before pytest-django reads the settings."""
    _start_services()
    return (yield)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop what the session started and remove its data."""
    while _started:
        _started.pop().stop()
    if _workdir is not None:
        shutil.rmtree(_workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def elasticsearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of a real Elasticsearch 9 node, starting one on first use."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        yield url
        return
    from devstack.elasticsearch import ElasticsearchNode, ElasticsearchUnavailable

    node = ElasticsearchNode(
        base_dir=tmp_path_factory.mktemp("elasticsearch"), port=free_port(), cache_dir=CACHE_DIR
    )
    try:
        node.start()
    except ElasticsearchUnavailable as exc:
        if _in_ci():
            pytest.fail(f"Elasticsearch must run in CI: {exc}", pytrace=False)
        pytest.skip(f"Elasticsearch unavailable on this machine: {exc}")
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture(scope="session")
def celery_broker():  # type: ignore[no-untyped-def]
    """Return the broker's RedisServer (stop() and start() it to simulate an outage)."""
    if not _brokers:
        pytest.skip("CELERY_BROKER_URL is external: the test cannot take it down")
    return _brokers[0]
