"""Impressions partitioned by day on PostgreSQL (declarative RANGE partitioning on shown_at).

`personalization_impression` is the partitioned parent: one partition per UTC day
(`personalization_impression_pYYYYMMDD`, [day, day + 1)), and a DEFAULT partition that catches any
row whose day has no partition yet (a late batch, a replay of old traffic), so an insert never fails
and nothing is lost for want of a partition. The primary key is (id, shown_at) (PostgreSQL requires
the partition key in it); a redelivered page repeats both, so inserts stay idempotent.

The roll-up (`impressions_rollup`) creates the coming days' partitions and drops a past day's
partition whole once every row in it is rolled up; rows that must stay raw (a running experiment's)
keep their partition, and rows in the DEFAULT partition are deleted row by row as before. SQLite (the
zero-set-up demo) keeps one plain table: everything here is a no-op there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction

PARENT = "personalization_impression"
DEFAULT_PARTITION = f"{PARENT}_default"
DAYS_AHEAD = 7


@dataclass(frozen=True)
class Partition:
    name: str
    day: date  # rows shown on this UTC day

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=1)

    @property
    def bounds_sql(self) -> str:
        """The FOR VALUES clause (DDL takes no parameters; the values are our own dates)."""
        return f"FOR VALUES FROM ('{self.start.isoformat()}') TO ('{self.end.isoformat()}')"


def partition_name(day: date) -> str:
    return f"{PARENT}_p{day:%Y%m%d}"


def impressions_partitioned() -> bool:
    """Whether the impression table is partitioned here (PostgreSQL after migration 0013)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [PARENT])
        return cursor.fetchone() is not None


def impression_partitions() -> list[Partition]:
    """The daily partitions, oldest first (the DEFAULT partition is not one of them)."""
    if not impressions_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    prefix = f"{PARENT}_p"
    days = [datetime.strptime(name[len(prefix) :], "%Y%m%d").date() for name in names if name.startswith(prefix)]
    return [Partition(partition_name(day), day) for day in sorted(days)]


@transaction.atomic
def impression_partitions_ensure(*, first: date, days: int) -> list[str]:
    """Create the daily partitions of `days` days from `first` that do not exist yet; their names.

    Rows of those days already in the DEFAULT partition move into the new partition in the same
    transaction (created standalone, filled, then attached), so nothing is lost or duplicated.
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if not impressions_partitioned():
        return []
    existing = {partition.day for partition in impression_partitions()}
    created = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day in existing:
            continue
        partition = Partition(partition_name(day), day)
        with connection.cursor() as cursor:
            cursor.execute(
                f'CREATE TABLE "{partition.name}" (LIKE "{PARENT}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
            )
            cursor.execute(
                f'WITH moved AS (DELETE FROM "{DEFAULT_PARTITION}" WHERE shown_at >= %s AND shown_at < %s RETURNING *) '  # noqa: S608 (names are ours)
                f'INSERT INTO "{partition.name}" SELECT * FROM moved',
                [partition.start, partition.end],
            )
            cursor.execute(f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{partition.name}" {partition.bounds_sql}')
        created.append(partition.name)
    return created


def impression_partitions_upcoming(now: datetime) -> list[str]:
    """Yesterday's, today's and the next DAYS_AHEAD days' partitions (UTC), where missing."""
    today = now.astimezone(UTC).date()
    return impression_partitions_ensure(first=today - timedelta(days=1), days=DAYS_AHEAD + 2)


def impression_partition_drop_if(partition: Partition, *, expected_rows: int) -> bool:
    """Drop the partition if it holds exactly `expected_rows` rows (the caller's rolled-up rows),
    under an exclusive lock so no insert lands in between; False (and nothing dropped) otherwise."""
    with connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{partition.name}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'SELECT count(*) FROM "{partition.name}"')  # noqa: S608 (the name is ours)
        if cursor.fetchone()[0] != expected_rows:
            return False
        cursor.execute(f'DROP TABLE "{partition.name}"')
    return True


def impressions_analyze(now: datetime) -> None:
    """Refresh PostgreSQL's statistics of the partition that takes the impressions shown at `now` (the
    DEFAULT one if that day has none); a no-op elsewhere.

    For a transaction that logs many impressions before it ends (a simulated replay, rolled back):
    autovacuum cannot see its rows, so without this the planner knows nothing of them (a day's new
    partition has no statistics at all) and marks seen impressions by scanning the partition whole.
    Run inside that transaction, ANALYZE counts its rows, and its statistics roll back with it."""
    if not impressions_partitioned():
        return
    day = now.astimezone(UTC).date()
    name = partition_name(day) if day in {p.day for p in impression_partitions()} else DEFAULT_PARTITION
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{name}"')
