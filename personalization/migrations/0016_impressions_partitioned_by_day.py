"""PostgreSQL: the impression table becomes partitioned by day (RANGE on shown_at); SQLite: nothing.

Forward, in one transaction: the plain table is renamed aside, the partitioned parent is created
with the same columns, checks and index names (primary key (id, shown_at)), a DEFAULT partition and
one partition per UTC day that has rows plus yesterday..today+8; every row is copied, the counts are
compared (a mismatch aborts the migration and leaves the table as it was), and the old table is
dropped. Backward does the reverse into a plain table with primary key (id). Nothing logged is lost
either way.
"""

from django.db import migrations

PARENT = "personalization_impression"
ASIDE = "personalization_impression_unpartitioned"
DEFAULT = "personalization_impression_default"


def _indexes(cursor, table):
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
        [table, "%_pkey"],
    )
    return cursor.fetchall()


def _move_aside(cursor, table, aside):
    indexes = _indexes(cursor, table)
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{aside}"')
    cursor.execute(f'ALTER INDEX "{table}_pkey" RENAME TO "{aside}_pkey"')
    for name, _ in indexes:
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name}_aside"')
    return indexes


def _recreate_indexes(cursor, indexes):
    # Fetched before the rename: the original index names on the original table name, which is the
    # new table's name.
    for _, definition in indexes:
        cursor.execute(definition)


def _copy_and_check(cursor, source, target):
    cursor.execute(f'INSERT INTO "{target}" SELECT * FROM "{source}"')  # noqa: S608
    cursor.execute(f'SELECT (SELECT count(*) FROM "{source}"), (SELECT count(*) FROM "{target}")')  # noqa: S608
    before, after = cursor.fetchone()
    if before != after:
        raise RuntimeError(f"copied {after} of {before} impressions; the migration is rolled back")
    cursor.execute(f'DROP TABLE "{source}"')


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from datetime import UTC, datetime, timedelta

    with schema_editor.connection.cursor() as cursor:
        indexes = _move_aside(cursor, PARENT, ASIDE)
        cursor.execute(
            f'CREATE TABLE "{PARENT}" (LIKE "{ASIDE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
            "PARTITION BY RANGE (shown_at)"
        )
        cursor.execute(f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{PARENT}_pkey" PRIMARY KEY (id, shown_at)')
        _recreate_indexes(cursor, indexes)
        cursor.execute(f'CREATE TABLE "{DEFAULT}" PARTITION OF "{PARENT}" DEFAULT')
        cursor.execute(f"SELECT DISTINCT (shown_at AT TIME ZONE 'UTC')::date FROM \"{ASIDE}\"")  # noqa: S608
        days = {row[0] for row in cursor.fetchall()}
        today = datetime.now(UTC).date()
        days |= {today + timedelta(days=offset) for offset in range(-1, 9)}
        for day in sorted(days):
            # As services.partitions names and bounds them (kept here so the migration never changes).
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            bounds = f"FOR VALUES FROM ('{start.isoformat()}') TO ('{(start + timedelta(days=1)).isoformat()}')"
            cursor.execute(f'CREATE TABLE "{PARENT}_p{day:%Y%m%d}" PARTITION OF "{PARENT}" {bounds}')
        _copy_and_check(cursor, ASIDE, PARENT)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        indexes = _move_aside(cursor, PARENT, ASIDE)
        cursor.execute(f'CREATE TABLE "{PARENT}" (LIKE "{ASIDE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        cursor.execute(f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{PARENT}_pkey" PRIMARY KEY (id)')
        _recreate_indexes(cursor, indexes)
        _copy_and_check(cursor, ASIDE, PARENT)  # dropping the partitioned parent drops its partitions


class Migration(migrations.Migration):
    dependencies = [("personalization", "0015_model_version_engine")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
