"""The embedded PostgreSQL stops within a bound, and comes back with its data after either stop."""

from __future__ import annotations

import psycopg

from devstack.ports import free_port
from devstack.postgres import TEST_SETTINGS, PostgresServer, memory_settings


def test_a_server_that_does_not_stop_in_time_is_stopped_immediately_and_recovers(tmp_path):
    # given: a server with a committed row and a client inside an open transaction
    server = PostgresServer(data_dir=tmp_path / "pg", port=free_port(), settings=TEST_SETTINGS)
    server.start()
    try:
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (1)")
        client = psycopg.connect(server.url("postgres"))
        client.execute("INSERT INTO kept VALUES (2)")  # never committed
        # when: the fast shutdown gets no time at all
        server.stop(timeout=0)
        # then: it is down anyway, and after a restart only the committed row is there
        assert not server.is_running()
        client.close()
        server.start()
        with psycopg.connect(server.url("postgres")) as conn:
            assert conn.execute("SELECT n FROM kept").fetchall() == [(1,)]
    finally:
        server.stop()
    assert not server.is_running()


def test_memory_settings_give_a_quarter_to_buffers_and_three_quarters_to_the_cache():
    assert memory_settings(24 * 1024**3) == {"shared_buffers": "6144MB", "effective_cache_size": "18432MB"}
    assert memory_settings(256 * 1024**2) == {"shared_buffers": "128MB", "effective_cache_size": "384MB"}
