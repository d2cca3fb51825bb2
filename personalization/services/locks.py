"""PostgreSQL advisory locks for passes that must not overlap (the learning passes)."""

from __future__ import annotations

from django.db import connection

ARTWORK_LEARNING = 4_210_001  # bandit_learn
ROWS_LEARNING = 4_210_002  # rows_learn


def advisory_xact_lock(key: int) -> bool:
    """Take the lock `key` for this transaction (PostgreSQL); False if another transaction holds it.
    SQLite's write lock already serialises the demo's writers: always True there."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        return bool(cursor.fetchone()[0])
