"""What PostgreSQL's statistics say this test's queries read."""

from __future__ import annotations

from django.db import connection


def index_entries_read(table: str) -> dict[str, int]:
    """Return the entries read so far from each index of ``table`` (this backend's reads flushed).

    Counts reach the statistics only outside a transaction: use in committing tests.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT indexrelname, idx_tup_read FROM pg_stat_user_indexes WHERE relname = %s",
                       [table])
        return dict(cursor.fetchall())
