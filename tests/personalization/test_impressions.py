"""Logging every impression: outbox first, one message per page view, idempotent inserts, the drain
for what the broker never delivered, retention roll-ups."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from personalization.context import Context
from personalization.models import Event, Impression, ImpressionDaily, ImpressionOutbox
from personalization.services.homepage import FIRST_SCREEN_ROWS, homepage_build, homepage_row
from personalization.services.impressions import (
    ShownCard,
    impressions_ingest,
    impressions_mark_seen,
    impressions_outbox_drain,
    impressions_rollup,
)
from personalization.tasks import impressions_log_task, impressions_outbox_drain_task
from streamflix.celery import app as celery_app
from streamflix.celery import celery_override
from tests.conftest import Worker, purge_queues, require_services, wait_until
from tests.factories import impression_batch_for, make_catalog, make_profile

pytestmark = pytest.mark.django_db

EVENING = Context(hour=20, daypart="evening", device="desktop")


@pytest.fixture
def viewer():
    make_catalog()
    return make_profile("Logger")


def shown(page) -> list:
    return ([page.hero] if page.hero else []) + [c for row in page.rows for c in row.cards]


def batch_of(n: int = 5, *, profile_id: int = 1, shown_at=None, first_title: int = 10) -> dict:
    cards = [
        ShownCard(
            uuid.uuid4(),
            title_id=first_title + i,
            artwork_id=20 + i,
            theme="drama",
            row_index=0,
            position=i,
            propensity=0.25,
        )
        for i in range(n)
    ]
    return impression_batch_for(cards, profile_id=profile_id, shown_at=shown_at)


def queued_messages() -> int:
    with celery_app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(settings.IMPRESSIONS_QUEUE).message_count


def test_every_card_of_a_page_view_is_logged_with_its_context_and_propensity(viewer):
    page = homepage_build(profile=viewer, context=EVENING)  # eager Celery: the worker's code runs inline

    cards = shown(page)
    rows = {str(i.id): i for i in Impression.objects.filter(page_view_id=page.page_view_id)}
    assert len(rows) == len(cards)
    for card in cards:
        impression = rows[str(uuid.UUID(card.impression.split(".")[0]))]
        assert (impression.profile_id, impression.title_id, impression.artwork_id) == (
            viewer.pk,
            card.title_id,
            card.artwork_id,
        )
        assert impression.theme == card.theme and impression.position == card.position
        assert (impression.daypart, impression.device) == ("evening", "desktop")
        assert 0 < impression.propensity <= 1
        assert impression.policy in ("thompson", "uniform")


def test_lazy_rows_log_their_own_impressions_with_their_row(viewer):
    page = homepage_build(profile=viewer, context=EVENING)
    lazy = page.rows[FIRST_SCREEN_ROWS]
    row = homepage_row(profile=viewer, page_view_id=page.page_view_id, index=lazy.index)
    logged = Impression.objects.filter(page_view_id=page.page_view_id, row_index=lazy.index)
    assert logged.count() == len(row.cards) and set(logged.values_list("row_key", flat=True)) == {lazy.key}


def test_a_page_view_is_durable_before_it_answers_and_sends_one_message(viewer, client):
    client.post(reverse("personalization:profile_select", args=[viewer.pk]))
    celery_override(task_always_eager=False)
    before = queued_messages()

    client.get(reverse("personalization:home"))

    assert queued_messages() == before + 1
    assert not Impression.objects.exists()  # the worker inserts them...
    entry = ImpressionOutbox.objects.get()  # ...and until it has, they are in the outbox
    with celery_app.connection_for_write() as connection:
        message = connection.default_channel.basic_get(settings.IMPRESSIONS_QUEUE, no_ack=True)
    args, _, _ = message.decode()
    assert args == [{"outbox_id": entry.pk}]  # the message only names the row: the batch is stored once
    assert len(message.body) < 500 < len(json.dumps(entry.payload))


def test_inserting_a_redelivered_batch_adds_nothing():
    batch = batch_of(7)
    assert impressions_ingest([batch]) == 7
    assert impressions_ingest([batch]) == 0
    assert impressions_log_task.apply(args=[batch]).get() == 0
    assert Impression.objects.count() == 7


def test_an_unreadable_batch_is_quarantined_not_dropped():
    broken = {**batch_of(3), "ids": ["not-a-uuid"] * 3}
    assert impressions_log_task.apply(args=[broken]).get() == 0
    kept = ImpressionOutbox.objects.get()
    assert kept.reason.startswith("invalid:") and kept.payload["quarantined"]["ids"] == ["not-a-uuid"] * 3
    assert impressions_outbox_drain() == 0  # quarantined entries are left for a developer


def test_with_the_broker_down_pages_render_and_their_impressions_wait_in_the_outbox(
    viewer, client, broker_down, monkeypatch
):
    client.post(reverse("personalization:profile_select", args=[viewer.pk]))
    attempts = []
    real_apply = impressions_log_task.apply_async
    monkeypatch.setattr(impressions_log_task, "apply_async", lambda *a, **k: attempts.append(1) or real_apply(*a, **k))

    pages = [client.get(reverse("personalization:home")) for _ in range(3)]

    assert [response.status_code for response in pages] == [200, 200, 200]
    assert len(attempts) == 1  # after one failure the broker is skipped for a while: pages do not wait on it
    assert ImpressionOutbox.objects.count() == 3 and not Impression.objects.exists()
    assert impressions_outbox_drain_task.apply().get() == 0  # the broker may yet deliver: the drain waits a minute

    assert impressions_outbox_drain(grace=timedelta(0)) == 3  # (the drain a minute later)

    for response in pages:
        page = response.context["page"]
        assert Impression.objects.filter(page_view_id=page.page_view_id).count() == len(shown(page))
    assert not ImpressionOutbox.objects.exists()


def test_a_page_view_whose_message_was_lost_is_stored_once_by_the_drain(viewer):
    celery_override(task_always_eager=False)
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(settings.IMPRESSIONS_QUEUE)
    page = homepage_build(profile=viewer, context=EVENING)  # published, then...
    with celery_app.connection_for_write() as connection:
        lost = connection.default_channel.queue_purge(settings.IMPRESSIONS_QUEUE)  # ...Redis dies with it
    assert lost == 1

    assert impressions_outbox_drain(grace=timedelta(0)) == 1
    assert impressions_outbox_drain(grace=timedelta(0)) == 0

    assert Impression.objects.filter(page_view_id=page.page_view_id).count() == len(shown(page))


def test_the_worker_and_the_drain_both_inserting_a_page_view_store_it_once(viewer):
    celery_override(task_always_eager=False)
    page = homepage_build(profile=viewer, context=EVENING)
    entry = ImpressionOutbox.objects.get()
    message = {"outbox_id": entry.pk}  # what the queued message carries

    assert impressions_outbox_drain(grace=timedelta(0)) == 1  # the drain was first...
    assert impressions_log_task.run(requests_for(message)) == 0  # ...then the message arrived

    assert Impression.objects.filter(page_view_id=page.page_view_id).count() == len(shown(page))


def test_retention_rolls_old_impressions_into_daily_counts_without_losing_any():
    first = make_catalog(per_genre=6, genres=("Drama",))[0].pk
    profile = make_profile("Clicker")
    old_day = timezone.now() - timedelta(days=40)
    old = [
        batch_of(4, shown_at=old_day, profile_id=profile.pk, first_title=first),
        batch_of(6, shown_at=old_day, profile_id=profile.pk, first_title=first),
    ]
    recent = batch_of(3, profile_id=profile.pk, first_title=first)
    impressions_ingest([*old, recent])
    unseen_ids = {uuid.UUID(old[1]["ids"][4]), uuid.UUID(old[1]["ids"][5])}  # served, never on screen
    impressions_mark_seen([i for i in Impression.objects.values_list("id", flat=True) if i not in unseen_ids])
    clicked_ids = [uuid.UUID(old[0]["ids"][0]), uuid.UUID(old[1]["ids"][2])]
    for impression_id in clicked_ids:
        Event.objects.create(
            profile=profile,
            title_id=Impression.objects.get(id=impression_id).title_id,
            kind=Event.Kind.CLICK,
            impression_id=impression_id,
        )
    expected = {}  # brute force: seen impressions, clicks and unseen ones per (title, artwork) among the old rows
    for impression in Impression.objects.filter(shown_at__lt=timezone.now() - timedelta(days=30)):
        key = (impression.title_id, impression.artwork_id)
        n, c, u = expected.get(key, (0, 0, 0))
        seen = impression.id not in unseen_ids
        expected[key] = (n + seen, c + (impression.id in clicked_ids), u + (not seen))

    stats = impressions_rollup(older_than=timedelta(days=30))

    assert stats.impressions == 10
    assert Impression.objects.count() == 3  # the recent page view stays raw
    rolled = {(d.title_id, d.artwork_id): (d.impressions, d.clicks, d.unseen) for d in ImpressionDaily.objects.all()}
    assert rolled == expected and sum(u for *_, u in rolled.values()) == 2
    assert sum(d.inverse_propensity_clicks for d in ImpressionDaily.objects.all()) == pytest.approx(2 / 0.25)
    assert impressions_rollup(older_than=timedelta(days=30)).impressions == 0


def test_a_rollup_that_meets_rows_it_did_not_read_undoes_itself_and_loses_nothing(monkeypatch):
    first = make_catalog(per_genre=6, genres=("Drama",))[0].pk
    profile = make_profile("Late")
    old_day = timezone.now() - timedelta(days=40)
    impressions_ingest([batch_of(4, shown_at=old_day, profile_id=profile.pk, first_title=first)])
    late = batch_of(1, shown_at=old_day, profile_id=profile.pk, first_title=first)
    real_upsert = ImpressionDaily.objects.select_for_update

    def a_commit_lands_while_rolling_up(*args, **kwargs):
        # Another transaction's row becomes visible after the roll-up read, dated before it began.
        if not Impression.objects.filter(id=uuid.UUID(late["ids"][0])).exists():
            impressions_ingest([late])
            Impression.objects.filter(id=uuid.UUID(late["ids"][0])).update(
                ingested_at=timezone.now() - timedelta(minutes=1)
            )
        return real_upsert(*args, **kwargs)

    monkeypatch.setattr(ImpressionDaily.objects, "select_for_update", a_commit_lands_while_rolling_up)

    with pytest.raises(RuntimeError, match="read 4 impressions but would delete 5"):
        impressions_rollup(older_than=timedelta(days=30))

    assert Impression.objects.count() == 4  # the roll-up's own work is undone (the late row was its own)
    assert not ImpressionDaily.objects.exists()
    monkeypatch.undo()
    impressions_ingest([late])
    assert impressions_rollup(older_than=timedelta(days=30)).impressions == 5  # the next pass takes them all


@pytest.mark.services
def test_a_real_worker_on_redis_inserts_a_pages_impressions_once(celery_worker, viewer):
    page = homepage_build(profile=viewer, context=EVENING)  # eager off: this goes through Redis
    cards = shown(page)

    wait_until(
        lambda: Impression.objects.filter(page_view_id=page.page_view_id).count() == len(cards),
        message="the worker to insert the page's impressions",
    )

    batch = {
        **batch_of(1),
        "page_view_id": page.page_view_id,
        "ids": [Impression.objects.filter(page_view_id=page.page_view_id).first().id.hex],
    }
    impressions_log_task.delay(batch)  # a redelivered message for an impression already stored
    marker = batch_of(1)
    impressions_log_task.delay(marker)
    wait_until(
        lambda: Impression.objects.filter(id=uuid.UUID(marker["ids"][0])).exists(),
        message="the worker to process the messages after the duplicate",
    )
    assert Impression.objects.filter(page_view_id=page.page_view_id).count() == len(cards)


def requests_for(*batches):
    """What celery-batches hands the task: one request per buffered message."""
    return [SimpleNamespace(args=(batch,), kwargs={}) for batch in batches]


def test_the_batch_task_inserts_many_page_views_at_once_and_quarantines_only_the_bad_one():
    good, bad, also_good = batch_of(3), {**batch_of(2), "ids": ["nope", "nope"]}, batch_of(4)

    assert impressions_log_task.run(requests_for(good, bad, also_good)) == 7

    assert Impression.objects.count() == 7
    assert ImpressionOutbox.objects.get().reason.startswith("invalid:")


def test_messages_name_their_outbox_rows_and_whole_batches_are_still_read(viewer):
    celery_override(task_always_eager=False)
    pages = [homepage_build(profile=viewer, context=EVENING) for _ in range(3)]
    first, second, third = ImpressionOutbox.objects.order_by("pk")
    third.reason = "invalid: looked at by a developer"
    third.save(update_fields=["reason"])
    legacy = batch_of(4)  # a message queued before messages named rows: the whole batch
    named = [{"outbox_id": first.pk}, {"outbox_id": second.pk}, {"outbox_id": third.pk}, {"outbox_id": 10**9}]

    inserted = impressions_log_task.run(requests_for(*named, legacy))

    assert inserted == len(shown(pages[0])) + len(shown(pages[1])) + 4
    for page in pages[:2]:
        assert Impression.objects.filter(page_view_id=page.page_view_id).count() == len(shown(page))
    assert not Impression.objects.filter(page_view_id=pages[2].page_view_id).exists()
    assert list(ImpressionOutbox.objects.values_list("pk", flat=True)) == [third.pk]  # quarantined: left alone


def test_a_database_outage_leaves_the_page_views_in_the_outbox_for_the_drain(viewer, monkeypatch):
    from personalization import tasks

    celery_override(task_always_eager=False)
    pages = [homepage_build(profile=viewer, context=EVENING) for _ in range(2)]
    messages = [{"outbox_id": pk} for pk in ImpressionOutbox.objects.order_by("pk").values_list("pk", flat=True)]

    def down(batches):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patched:
        patched.setattr(tasks, "impressions_ingest", down)
        assert impressions_log_task.run(requests_for(*messages)) == 0  # nothing escapes: the messages get acked

    assert ImpressionOutbox.objects.count() == 2  # nothing lost: the database is back, the drain inserts them
    assert impressions_outbox_drain(grace=timedelta(0)) == 2
    assert Impression.objects.count() == sum(len(shown(page)) for page in pages)


@pytest.mark.services
def test_a_page_view_held_by_a_killed_worker_comes_back_and_is_stored_once(transactional_db, viewer, settings):
    """SIGKILL the impressions worker while it holds a page view unacknowledged: after the visibility
    timeout (production 300 s, here 3 s) another worker gets the message and stores it exactly once."""
    require_services()
    celery_override(task_always_eager=False)
    purge_queues()
    short = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    log_dir = Path(settings.MEDIA_ROOT).parent
    db = connection.settings_dict
    blocker = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    )
    first = Worker(log_dir / "first.log", env=short, name="doomed")
    try:
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE personalization_impression IN EXCLUSIVE MODE")  # inserts wait
        page = homepage_build(profile=viewer, context=EVENING)
        wait_until(_waiting_for_a_lock, message="the worker to be inserting (and blocked)")

        first.process.kill()  # SIGKILL: no ack, no cleanup
        first.process.wait()
        blocker.execute("COMMIT")
    finally:
        first.stop()
        blocker.close()
    assert not Impression.objects.exists()

    second = Worker(log_dir / "second.log", env=short, name="heir")
    try:
        wait_until(
            lambda: Impression.objects.filter(page_view_id=page.page_view_id).count() == len(shown(page)),
            message="the redelivered page view to be stored",
        )
    finally:
        second.stop()
    assert Impression.objects.filter(page_view_id=page.page_view_id).count() == len(shown(page))
    assert not ImpressionOutbox.objects.exists()  # its outbox row went with the insert (the drain never ran)


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:  # autocommit: a fresh look each time (a transaction keeps one snapshot)
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
