"""Impressions that mean something: a served card counts (CTR, experiments, the bandit's learning) only
once the viewer's screen reported it, by its signed impression token, or a click or play proved it was
seen. Served-not-seen cards stay in the log with no seen time. Reports are checked as events are: a
forged or foreign token refuses the whole report and writes nothing; a replayed report changes nothing."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django.utils.http import int_to_base36
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.themes import ALL_THEMES
from personalization.bandit import BanditState
from personalization.context import Context
from personalization.models import BanditSnapshot, Event, Impression, ImpressionSeenPending
from personalization.page import PAGE_PLAN_TTL
from personalization.services.artwork import bandit_learn
from personalization.services.events import SEEN_REPORT_MAX_CARDS, event_submit
from personalization.services.homepage import homepage_build
from streamflix.celery import celery_override
from tests.factories import make_catalog, make_profile

pytestmark = pytest.mark.django_db

EVENING = Context(20, "evening", "desktop")


@pytest.fixture
def viewer():
    make_catalog()
    return make_profile("Ana")


@pytest.fixture
def page(viewer):
    return homepage_build(profile=viewer, context=EVENING)


@pytest.fixture
def browsing(client, viewer):
    client.post(reverse("personalization:profile_select", args=[viewer.pk]))
    return client


@pytest.fixture
def api():
    user = User.objects.create_user("tv-app", password="pw-123456")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def cards_of(page) -> list:
    return ([page.hero] if page.hero else []) + [card for row in page.rows for card in row.cards]


def report(cards) -> dict:
    return {"cards": [{"impression": card.impression, "title": card.title_id} for card in cards]}


def beacon(client, viewer, body: dict | str):
    """What the page's navigator.sendBeacon posts: a form with the report as JSON."""
    return client.post(
        reverse("personalization:seen", args=[viewer.pk]),
        {"report": body if isinstance(body, str) else json.dumps(body)},
    )


def impression_id(card) -> uuid.UUID:
    return uuid.UUID(card.impression.split(".")[0])


def seen_ids() -> set[uuid.UUID]:
    return set(Impression.objects.filter(seen_at__isnull=False).values_list("id", flat=True))


def test_served_cards_are_not_seen_until_the_screen_reports_them(browsing, viewer, page):
    served = cards_of(page)
    assert Impression.objects.count() == len(served) and not seen_ids()  # served, none seen yet

    on_screen = served[:5]
    response = beacon(browsing, viewer, report(on_screen))

    assert response.status_code == 200 and response.json() == {"seen": 5, "already_seen": 0, "pending": 0}
    assert seen_ids() == {impression_id(card) for card in on_screen}
    assert Impression.objects.filter(seen_at__isnull=True).count() == len(served) - 5  # served-not-seen, kept


def test_a_replayed_report_changes_nothing(browsing, viewer, page):
    cards = cards_of(page)[:4]
    beacon(browsing, viewer, report(cards))
    first = dict(Impression.objects.filter(seen_at__isnull=False).values_list("id", "seen_at"))

    again = beacon(browsing, viewer, report(cards))
    overlapping = beacon(browsing, viewer, report(cards_of(page)[2:6]))

    assert again.json() == {"seen": 0, "already_seen": 4, "pending": 0}
    assert overlapping.json() == {"seen": 2, "already_seen": 2, "pending": 0}
    kept = dict(Impression.objects.filter(id__in=first).values_list("id", "seen_at"))
    assert kept == first  # the first report's time stays


def forged(card) -> str:
    signature = card.impression.rsplit(".", 1)[1]
    return card.impression[: -len(signature)] + ("0" if signature[0] != "0" else "1") + signature[1:]


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (forged, "was not shown to this profile"),
        (lambda card: f"{uuid.uuid4().hex}.{int_to_base36(int(time.time()))}.{'0' * 20}", "was not shown"),
        (lambda card: "nonsense", "is not an impression token"),
    ],
)
def test_a_forged_token_refuses_the_whole_report_and_writes_nothing(browsing, viewer, page, spoil, message):
    good = cards_of(page)[:3]
    body = report(good)
    body["cards"].append({"impression": spoil(good[0]), "title": good[0].title_id})

    response = beacon(browsing, viewer, body)

    assert response.status_code == 400 and message in response.content.decode()
    assert not seen_ids() and not ImpressionSeenPending.objects.exists()


def test_another_viewers_cards_or_another_titles_are_refused(browsing, viewer, page):
    stranger = make_profile("Stranger")
    theirs = cards_of(homepage_build(profile=stranger, context=EVENING))[:2]
    ours = cards_of(page)

    foreign = beacon(browsing, viewer, report(theirs))  # their tokens, reported as this viewer's
    wrong_title = beacon(browsing, viewer, {"cards": [{"impression": ours[0].impression, "title": ours[1].title_id}]})

    assert foreign.status_code == 400 and "was not shown to this profile" in foreign.content.decode()
    assert wrong_title.status_code == 400
    assert not seen_ids()


def test_a_report_from_an_expired_page_is_refused(browsing, viewer, page, monkeypatch):
    later = time.time() + PAGE_PLAN_TTL + 60
    monkeypatch.setattr("personalization.services.events.time.time", lambda: later)
    response = beacon(browsing, viewer, report(cards_of(page)[:2]))
    assert response.status_code == 410 and not seen_ids()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"cards": []}),
        json.dumps({"cards": [{"impression": 1}]}),
        "[" * 100_000 + "]" * 100_000,  # deep enough to exhaust the decoder's stack: was a 500
    ],
    ids=["not-json", "a-list", "no-cards", "no-title", "nested-too-deep"],
)
def test_malformed_reports_are_refused_with_a_clear_message(browsing, viewer, page, body):
    response = beacon(browsing, viewer, body)
    assert response.status_code == 400 and len(response.content) < 1000
    assert not seen_ids()


def test_an_oversized_report_is_refused(browsing, viewer, page):
    card = cards_of(page)[0]
    body = {"cards": [{"impression": card.impression, "title": card.title_id}] * (SEEN_REPORT_MAX_CARDS + 1)}
    response = beacon(browsing, viewer, body)
    assert response.status_code == 400 and "at most" in response.content.decode() and not seen_ids()


def test_the_page_needs_its_csrf_token_and_a_profile_it_may_watch_as(viewer, page):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.post(reverse("personalization:profile_select", args=[viewer.pk]))  # (exempt from nothing: 403)
    assert beacon(strict, viewer, report(cards_of(page)[:1])).status_code == 403
    assert not seen_ids()


def test_the_api_takes_the_same_report(api, viewer, page):
    url = reverse("api-seen", args=[viewer.pk])
    cards = cards_of(page)[:3]

    first = api.post(url, report(cards), format="json")
    replay = api.post(url, report(cards), format="json")
    anonymous = APIClient().post(url, report(cards), format="json")
    forged_report = report(cards)
    forged_report["cards"][1]["impression"] = forged(cards[1])
    refused = api.post(url, forged_report, format="json")

    assert first.status_code == 200 and first.json() == {"seen": 3, "already_seen": 0, "pending": 0}
    assert replay.json() == {"seen": 0, "already_seen": 3, "pending": 0}
    assert anonymous.status_code == 401
    assert refused.status_code == 400 and refused.json()["code"] == "foreign_impression"
    assert seen_ids() == {impression_id(card) for card in cards}


def test_a_report_that_beats_its_impressions_waits_and_is_applied_by_the_learning_pass(viewer):
    celery_override(task_always_eager=False)  # the broker holds the page's batch: no worker yet
    try:
        from personalization.models import ImpressionOutbox
        from personalization.services.events import impressions_seen_submit
        from personalization.services.impressions import impressions_outbox_drain

        page = homepage_build(profile=viewer, context=EVENING)
        assert not Impression.objects.exists()
        seen = cards_of(page)[:3]
        result = impressions_seen_submit(profile=viewer, cards=report(seen)["cards"])
        assert (result.newly_seen, result.pending) == (0, 3)

        assert ImpressionOutbox.objects.count() == 1
        impressions_outbox_drain(grace=timedelta(0))  # the worker (here: the drain) inserts them at last
    finally:
        celery_override(task_always_eager=True)
    assert not seen_ids()

    stats = bandit_learn(lag=timedelta(0))  # applies the waiting report, and learns from those cards
    assert seen_ids() == {impression_id(card) for card in seen} and not ImpressionSeenPending.objects.exists()
    assert stats.impressions == sum(1 for card in seen if card.theme) > 0
    assert bandit_learn(lag=timedelta(0)).impressions == 0  # once


def test_the_bandit_learns_from_seen_cards_only_and_a_click_proves_a_card_seen(browsing, viewer, page):
    themed = [card for card in cards_of(page) if card.theme]
    on_screen, clicked_off_report = themed[:4], themed[4]
    beacon(browsing, viewer, report(on_screen))
    event_submit(profile=viewer, title_id=clicked_off_report.title_id, kind="click",
                 impression=clicked_off_report.impression)  # fmt: skip

    stats = bandit_learn(lag=timedelta(0), reward="click")

    assert (stats.impressions, stats.rewards) == (5, 1)
    assert impression_id(clicked_off_report) in seen_ids()
    state = BanditState.from_bytes(bytes(BanditSnapshot.objects.get().state))
    assert state.n_impressions == 5 and state.n_themes == len(ALL_THEMES)
    assert Impression.objects.filter(seen_at__isnull=True).count() == len(cards_of(page)) - 5
    assert Event.objects.get().reward_folded_at is not None


def test_a_report_whose_impression_never_arrives_is_dropped_after_a_week(viewer):
    from personalization.services.impressions import impressions_seen_apply_pending

    waiting = [uuid.uuid4(), uuid.uuid4()]
    ImpressionSeenPending.objects.bulk_create([ImpressionSeenPending(impression_id=i) for i in waiting])
    ImpressionSeenPending.objects.filter(impression_id=waiting[0]).update(
        received_at=timezone.now() - timedelta(days=8)
    )
    assert impressions_seen_apply_pending() == 0
    assert list(ImpressionSeenPending.objects.values_list("impression_id", flat=True)) == [waiting[1]]
