"""Impressions partitioned by day on PostgreSQL: partitions created, filled, rolled up and dropped whole;
nothing logged lost on the way (SQLite keeps one table: these tests need PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from personalization.models import Experiment, Impression, ImpressionDaily, ImpressionOutbox
from personalization.services.events import token_shown_within
from personalization.services.impressions import (
    ShownCard,
    impressions_ingest,
    impressions_mark_seen,
    impressions_rollup,
    impressions_seen_apply_pending,
)
from personalization.services.partitions import (
    DEFAULT_PARTITION,
    impression_partitions,
    impression_partitions_ensure,
    impressions_analyze,
    impressions_partitioned,
    partition_name,
)
from tests.conftest import REQUIRE_SERVICES
from tests.factories import impression_batch_for, make_catalog, make_profile

pytestmark = [
    pytest.mark.django_db(transaction=False),
    pytest.mark.skipif(
        not REQUIRE_SERVICES and connection.vendor != "postgresql",
        reason="partitioning is PostgreSQL's (set DATABASE_URL); SQLite keeps one table",
    ),
]


def _batch(n: int, *, shown_at: datetime, profile_id: int, first_title: int) -> dict:
    cards = [
        ShownCard(uuid.uuid4(), title_id=first_title + i, artwork_id=None, theme="drama", row_index=0, position=i,
                  propensity=0.5)
        for i in range(n)
    ]  # fmt: skip
    return impression_batch_for(cards, profile_id=profile_id, shown_at=shown_at)


def _where(impression_id) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM personalization_impression WHERE id = %s", [impression_id])
        return cursor.fetchone()[0]


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'personalization_impression%%'")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def setting():
    assert connection.vendor == "postgresql"
    first = make_catalog(per_genre=6, genres=("Drama",))[0].pk
    return first, make_profile("Partitioned").pk


def test_the_table_is_partitioned_with_today_and_the_coming_days(setting):
    assert impressions_partitioned()
    days = {partition.day for partition in impression_partitions()}
    today = datetime.now(UTC).date()
    assert {today + timedelta(days=offset) for offset in range(0, 8)} <= days
    assert DEFAULT_PARTITION in _tables()


def test_rows_land_in_their_days_partition_and_unknown_days_in_the_default_one(setting):
    first, profile = setting
    today = _batch(2, shown_at=timezone.now(), profile_id=profile, first_title=first)
    ancient = _batch(2, shown_at=timezone.now() - timedelta(days=400), profile_id=profile, first_title=first)

    assert impressions_ingest([today, ancient]) == 4

    assert _where(today["ids"][0]) == partition_name(datetime.now(UTC).date())
    assert _where(ancient["ids"][0]) == DEFAULT_PARTITION
    # A redelivery changes nothing, whatever time a duplicate id claims.
    assert impressions_ingest([today, {**ancient, "shown_at": timezone.now().isoformat()}]) == 0
    assert Impression.objects.count() == 4


def _id_statistics(table: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_distinct FROM pg_stats WHERE tablename = %s AND attname = 'id'", [table])
        row = cursor.fetchone()
    return row and row[0]


def test_analyzing_gives_the_planner_statistics_of_rows_this_transaction_logged(setting):
    first, profile = setting
    now = timezone.now()
    impressions_ingest([_batch(30, shown_at=now, profile_id=profile, first_title=first)])
    impressions_ingest([_batch(3, shown_at=now - timedelta(days=400), profile_id=profile, first_title=first)])
    today = partition_name(now.astimezone(UTC).date())
    assert _id_statistics(today) is None  # nobody has analyzed the rows this (test) transaction holds

    impressions_analyze(now)

    assert _id_statistics(today) == -1.0  # ids all distinct: a seen report looks them up by the key
    assert _id_statistics(DEFAULT_PARTITION) is None  # only the partition taking impressions now
    impressions_analyze(now - timedelta(days=400))  # a day without a partition: the DEFAULT one takes it
    assert _id_statistics(DEFAULT_PARTITION) == -1.0


def _partitions_read(sql: str, params: list | None = None) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    partitions = {name for name in _tables() if name.startswith("personalization_impression_p")} | {DEFAULT_PARTITION}
    return {name for name in partitions if f" on {name} " in plan}


def test_marking_seen_cards_whose_tokens_were_just_verified_reads_only_the_recent_days(setting):
    first, profile = setting
    now = timezone.now()
    impression_partitions_ensure(first=(now - timedelta(days=20)).astimezone(UTC).date(), days=20)
    recent = _batch(2, shown_at=now, profile_id=profile, first_title=first)
    impressions_ingest([recent])
    ids = [uuid.UUID(i) for i in recent["ids"]]

    with CaptureQueriesContext(connection) as queries:
        assert impressions_mark_seen(ids, shown_within=token_shown_within()).newly_seen == 2
    update = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE"))
    everything = _partitions_read("SELECT 1 FROM personalization_impression WHERE id = %s", [ids[0]])

    assert len(everything) >= 28  # 20 past days, today, the coming days, the default partition
    read = _partitions_read(update)
    assert read
    assert read <= {partition_name((now + timedelta(days=d)).astimezone(UTC).date()) for d in (-1, 0, 1)}


def test_a_card_older_than_its_token_allows_is_marked_by_the_pending_pass_not_lost(setting):
    first, profile = setting
    old = _batch(1, shown_at=timezone.now() - timedelta(days=2), profile_id=profile, first_title=first)
    impressions_ingest([old])
    impression = uuid.UUID(old["ids"][0])

    result = impressions_mark_seen([impression], shown_within=token_shown_within())

    assert (result.newly_seen, result.pending) == (0, 1)
    assert Impression.objects.get(id=impression).seen_at is None
    assert impressions_seen_apply_pending() == 1
    assert Impression.objects.get(id=impression).seen_at is not None


def test_creating_a_days_partition_moves_that_days_rows_out_of_the_default_partition(setting):
    first, profile = setting
    when = timezone.now() - timedelta(days=45)
    batch = _batch(3, shown_at=when, profile_id=profile, first_title=first)
    other = _batch(2, shown_at=when - timedelta(days=3), profile_id=profile, first_title=first)
    impressions_ingest([batch, other])
    day = when.astimezone(UTC).date()

    assert impression_partitions_ensure(first=day, days=1) == [partition_name(day)]

    assert {_where(i) for i in batch["ids"]} == {partition_name(day)}
    assert {_where(i) for i in other["ids"]} == {DEFAULT_PARTITION}
    assert Impression.objects.count() == 5
    assert impression_partitions_ensure(first=day, days=1) == []  # already there


def test_retention_drops_a_rolled_up_days_partition_whole_and_keeps_the_counts(setting):
    first, profile = setting
    when = timezone.now() - timedelta(days=40)
    day = when.astimezone(UTC).date()
    impression_partitions_ensure(first=day, days=1)
    old = _batch(6, shown_at=when, profile_id=profile, first_title=first)
    in_default = _batch(2, shown_at=when - timedelta(days=5), profile_id=profile, first_title=first)
    recent = _batch(3, shown_at=timezone.now(), profile_id=profile, first_title=first)
    impressions_ingest([old, in_default, recent])

    stats = impressions_rollup(older_than=timedelta(days=30))

    assert stats.impressions == 8
    assert partition_name(day) not in _tables()  # dropped, not emptied row by row
    assert partition_name(datetime.now(UTC).date()) in _tables()
    assert Impression.objects.count() == 3
    assert sum(daily.impressions + daily.unseen for daily in ImpressionDaily.objects.all()) == 8  # none reported seen


def test_a_day_with_rows_that_must_stay_raw_keeps_its_partition(setting):
    first, profile = setting
    Experiment.objects.create(name="held", surface="rows", status=Experiment.Status.RUNNING)
    when = timezone.now() - timedelta(days=40)
    day = when.astimezone(UTC).date()
    impression_partitions_ensure(first=day, days=1)
    batch = _batch(4, shown_at=when, profile_id=profile, first_title=first)
    impressions_ingest([batch])
    Impression.objects.filter(id=uuid.UUID(batch["ids"][0])).update(experiment_variant=";held=b;")

    assert impressions_rollup(older_than=timedelta(days=30)).impressions == 3

    assert partition_name(day) in _tables()
    assert list(Impression.objects.values_list("experiment_variant", flat=True)) == [";held=b;"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_logged_row_both_ways(setting):
    first, profile = setting
    batches = [
        _batch(3, shown_at=timezone.now() - timedelta(days=days), profile_id=profile, first_title=first)
        for days in (0, 2, 300)
    ]
    impressions_ingest(batches)
    ids = {uuid.UUID(i) for batch in batches for i in batch["ids"]}
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("personalization", "0015_model_version_engine")])
        assert not impressions_partitioned()
        assert set(Impression.objects.values_list("id", flat=True)) == ids

    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest, whatever happened
    assert impressions_partitioned()
    assert set(Impression.objects.values_list("id", flat=True)) == ids
    # Each day with rows got its own partition (the old day's too).
    old_day = (timezone.now() - timedelta(days=300)).astimezone(UTC).date()
    assert _where(batches[2]["ids"][0]) == partition_name(old_day)


def test_the_outbox_stores_a_page_views_payload_uncompressed(setting):
    """Each page view inserts one ~14 KB outbox row before it answers: compressing it cost a third of
    the insert, for rows the worker deletes within seconds (migration 0020)."""
    first, profile_id = setting
    batch = _batch(80, shown_at=timezone.now(), profile_id=profile_id, first_title=first)
    entry = ImpressionOutbox.objects.create(payload=batch)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(payload), octet_length(payload::text), pg_column_compression(payload)"
            " FROM personalization_impressionoutbox WHERE id = %s",
            [entry.pk],
        )
        stored, text_length, compression = cursor.fetchone()
    assert text_length > 2_000  # past the size at which PostgreSQL would compress it
    assert compression is None and stored >= text_length
    assert ImpressionOutbox.objects.get(pk=entry.pk).payload == batch  # and it reads back whole
