"""A batch of events (`event_batch_submit`, POST /api/profiles/<id>/events/batch/) is recorded exactly as
the same events sent one by one through `event_submit` would be: the reference here is that path, run
on the same page in a transaction that is then undone."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from personalization.context import Context
from personalization.models import Account, Engagement, Event, Impression, ImpressionSeenPending
from personalization.page import PAGE_PLAN_TTL
from personalization.selectors.viewers import viewer_history
from personalization.services.events import (
    CLIENT_EVENT_KINDS,
    EVENT_BATCH_MAX,
    ClientEvent,
    event_batch_submit,
    event_submit,
    impression_token,
)
from streamflix.errors import Conflict, Gone, InvalidInput
from tests.factories import make_catalog, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    make_catalog(per_genre=8, genres=("Drama", "Comedy", "Horror"))
    return make_profile("Ana")


@pytest.fixture
def cards(viewer):
    """Cards of two pages of the same viewer: the titles both show have two cards (two impressions)."""
    pages = [homepage_cards(viewer) for _ in range(2)]
    again = {c.title_id: c for c in pages[1]}
    both = [c for c in pages[0] if c.title_id in again][:3]
    once = [c for c in pages[0] if c.title_id not in {b.title_id for b in both}][:3]
    return [*both, *(again[c.title_id] for c in both), *once]  # 3 titles x 2 cards, 3 titles x 1


def homepage_cards(viewer):
    from personalization.services.homepage import homepage_build

    page = homepage_build(profile=viewer, context=Context(20, "evening", "desktop"))
    return [card for row in page.rows if not row.lazy for card in row.cards]


class _Undo(Exception):
    pass


def state(profile) -> dict:
    """Everything an event writes, without ids and clocks (the history reads engagements newest first)."""
    return {
        "events": list(
            Event.objects.filter(profile=profile).order_by("pk").values_list("kind", "title_id", "impression_id")
        ),
        "engagements": list(
            Engagement.objects.filter(profile=profile)
            .order_by("-updated_at")
            .values_list("title_id", "thumb", "in_my_list", "plays", "progress")
        ),
        "engagements_created": list(
            Engagement.objects.filter(profile=profile).order_by("pk").values_list("title_id", flat=True)
        ),
        "seen": set(Impression.objects.filter(profile_id=profile.pk, seen_at__isnull=False).values_list("id")),
        "pending": set(ImpressionSeenPending.objects.values_list("impression_id", flat=True)),
        "history": {k: v.tolist() for k, v in vars(viewer_history(profile.pk)).items()},
    }


def undone(action, snapshot):
    """What `action` returns and leaves in the database (`snapshot`), then undo it."""
    try:
        with transaction.atomic():
            returned = action()
            after = snapshot()
            raise _Undo
    except _Undo:
        return returned, after


def one_by_one(profile, events: list[ClientEvent]) -> list:
    out = []
    for e in events:
        try:
            event = event_submit(profile=profile, title_id=e.title_id, kind=e.kind, impression=e.impression)
        except Conflict:
            event = None
        out.append(event and (event.kind, event.title_id, event.impression_id))
    return out


def batched(profile, events: list[ClientEvent]) -> list:
    result = event_batch_submit(profile=profile, events=events)
    return [event and (event.kind, event.title_id, event.impression_id) for event in result.events]


def card_event(kind, card, *, token=True) -> ClientEvent:
    return ClientEvent(kind, card.title_id, card.impression if token else "")


@pytest.fixture
def compare(viewer):
    def run(events):
        before = state(viewer)
        reference, expected = undone(lambda: one_by_one(viewer, events), lambda: state(viewer))
        assert state(viewer) == before  # the reference left nothing behind
        got, after = undone(lambda: batched(viewer, events), lambda: state(viewer))
        return reference, expected, got, after

    return run


@pytest.mark.parametrize(
    ("seed", "titles"), [*((seed, 9) for seed in range(6)), *((seed, 3) for seed in range(3))]
)  # nine titles, and three (the same titles' engagements changed by many events)
def test_a_random_batch_stores_what_the_events_one_by_one_store(viewer, cards, compare, seed, titles):
    rng = np.random.default_rng(seed)
    # Some history first: a click and a play on one card (duplicates later), and a thumb.
    event_submit(profile=viewer, title_id=cards[0].title_id, kind="click", impression=cards[0].impression)
    event_submit(profile=viewer, title_id=cards[0].title_id, kind="play", impression=cards[0].impression)
    event_submit(profile=viewer, title_id=cards[6].title_id, kind="thumb_up")
    kinds = [*CLIENT_EVENT_KINDS, "click", "play", "play"]  # clicks and plays most often, as on the site
    events = []
    for _ in range(40):
        kind = kinds[rng.integers(len(kinds))]
        card = cards[rng.integers(titles)]
        events.append(card_event(kind, card, token=kind == "click" or rng.random() < 0.8))

    reference, expected, got, after = compare(events)

    assert got == reference and after == expected
    assert None in got  # duplicates happened, and were refused the same way
    assert any(kind == "quality_play" for kind, *_ in after["events"])  # and quality plays were derived


def test_plays_reaching_the_quality_threshold_record_the_quality_plays_as_one_by_one(viewer, cards, compare):
    first, second = cards[0], cards[3]  # the same title, two pages
    assert first.title_id == second.title_id and first.impression != second.impression
    event_submit(profile=viewer, title_id=first.title_id, kind="play", impression=first.impression)  # 30% watched

    events = [card_event("click", second), card_event("play", second), card_event("play", second, token=False)]
    reference, expected, got, after = compare(events)

    assert got == reference and after == expected
    quality = [impression for kind, _, impression in after["events"] if kind == "quality_play"]
    assert sorted(quality) == sorted(uuid.UUID(c.impression.split(".")[0]) for c in (first, second))
    assert after["engagements"][0][:4] == (first.title_id, 0, False, 3)
    assert after["engagements"][0][4] == pytest.approx(0.9)


def test_duplicates_are_refused_the_same_way_and_change_nothing(viewer, cards):
    card = cards[1]
    event_submit(profile=viewer, title_id=card.title_id, kind="click", impression=card.impression)
    before = state(viewer)

    result = event_batch_submit(
        profile=viewer,
        events=[card_event("click", card), card_event("play", card), card_event("play", card)],
    )

    assert [e and e.kind for e in result.events] == [None, "play", None]
    assert (result.recorded, result.duplicates) == (1, 2)
    after = state(viewer)
    assert after["events"] == [*before["events"], ("play", card.title_id, result.events[1].impression_id)]
    with pytest.raises(Conflict):  # and one by one, the log now refuses both
        event_submit(profile=viewer, title_id=card.title_id, kind="play", impression=card.impression)


def test_the_batch_is_a_few_queries_however_long(viewer, cards, django_assert_max_num_queries):
    events = [card_event(kind, card) for card in cards for kind in ("click", "play", "thumb_up", "list_add")]
    assert len(events) == 36

    with django_assert_max_num_queries(15):  # one by one: ~8 per event, ~15 per play
        event_batch_submit(profile=viewer, events=events)

    assert Event.objects.filter(kind="click").count() == len(cards)


def expired(monkeypatch):
    later = time.time() + PAGE_PLAN_TTL + 60
    monkeypatch.setattr("personalization.services.events.time.time", lambda: later)


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (lambda card: ClientEvent("explode", card.title_id, card.impression), "bad_kind"),
        (lambda card: ClientEvent("onboarding_pick", card.title_id), "bad_kind"),  # the onboarding form's only
        (lambda card: ClientEvent("click", 999_999, card.impression), "bad_title"),
        (lambda card: ClientEvent("click", card.title_id, ""), "missing_impression"),
        (lambda card: ClientEvent("click", card.title_id, "nonsense"), "bad_impression"),
        (lambda card: ClientEvent("click", card.title_id + 1, card.impression), "foreign_impression"),
        (
            lambda card: ClientEvent(
                "click", card.title_id, impression_token(impression_id=uuid.uuid4(), profile_id=0, title_id=1)
            ),
            "foreign_impression",
        ),
    ],
)
def test_one_bad_event_refuses_the_whole_batch_and_writes_nothing(viewer, cards, bad, code):
    good = [card_event("click", cards[0]), card_event("play", cards[0]), card_event("list_add", cards[1])]
    before = state(viewer)

    with pytest.raises(InvalidInput) as refused:
        event_batch_submit(profile=viewer, events=[*good, bad(cards[2])])

    assert refused.value.code == code and refused.value.message.startswith("Event 4 of the batch: ")
    assert state(viewer) == before


def test_a_card_of_an_expired_page_refuses_the_batch(viewer, cards, monkeypatch):
    later = time.time() + PAGE_PLAN_TTL + 60
    monkeypatch.setattr("personalization.services.events.time.time", lambda: later)
    before = state(viewer)

    with pytest.raises(Gone) as refused:  # the first event has no token: only the second has expired
        event_batch_submit(
            profile=viewer, events=[card_event("play", cards[0], token=False), card_event("click", cards[1])]
        )

    assert refused.value.code == "expired_impression" and refused.value.message.startswith("Event 2 of the batch: ")
    assert state(viewer) == before


@pytest.mark.parametrize(
    "events",
    [
        [],
        "click",
        [ClientEvent("list_add", 1)] * (EVENT_BATCH_MAX + 1),
        [{"type": "click", "title": 1}],
        [ClientEvent("play", "1")],
        [ClientEvent("play", True)],
    ],
)
def test_a_batch_that_is_not_a_list_of_events_is_refused(viewer, events):
    with pytest.raises(InvalidInput, match="event batch") as refused:
        event_batch_submit(profile=viewer, events=events)
    assert refused.value.code == "bad_batch" and not Event.objects.exists()


@pytest.fixture
def api():
    user = User.objects.create_user("tv-app", password="pw-123456")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_api_records_a_batch_and_answers_each_event(api, viewer, cards):
    url = reverse("api-events-batch", args=[viewer.pk])
    card = cards[0]
    batch = {
        "events": [
            {"type": "click", "title": card.title_id, "impression": card.impression},
            {"type": "play", "title": card.title_id, "impression": card.impression},
            {"type": "list_add", "title": card.title_id},
        ]
    }

    first = api.post(url, batch, format="json")
    again = api.post(url, batch, format="json")  # a client that never got the answer sends it again

    assert first.status_code == again.status_code == 200
    assert (first.json()["recorded"], first.json()["duplicates"]) == (3, 0)
    assert [r["event"]["type"] for r in first.json()["results"]] == ["click", "play", "list_add"]
    # The click and the play are not counted twice; a second "add to My List" is recorded, as one by one.
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate", "recorded"]
    assert again.json()["results"][0]["event"] is None
    assert Event.objects.filter(kind__in=["click", "play"]).count() == 2
    engagement = Engagement.objects.get(profile=viewer, title_id=card.title_id)
    assert (engagement.plays, engagement.in_my_list) == (1, True)


def test_the_api_refuses_a_batch_with_one_bad_event_and_says_which(api, viewer, cards):
    card = cards[0]
    response = api.post(
        reverse("api-events-batch", args=[viewer.pk]),
        {
            "events": [
                {"type": "click", "title": card.title_id, "impression": card.impression},
                {"type": "click", "title": card.title_id, "impression": "nonsense"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_impression"
    assert response.json()["detail"].startswith("Event 2 of the batch: ")
    assert not Event.objects.exists() and not Impression.objects.filter(seen_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"events": []}, "events: This list may not be empty."),
        (
            {"events": [{"type": "list_add", "title": 1}] * (EVENT_BATCH_MAX + 1)},
            f"events: Ensure this field has no more than {EVENT_BATCH_MAX} elements.",
        ),
        ({"events": [{"type": "click"}]}, "events[0].title: This field is required."),
        (
            {"events": [{"type": "list_add", "title": 1}, {"type": "list_add"}]},
            "events[1].title: This field is required.",
        ),
        ({"events": [None]}, "events[0]: This field may not be null."),
        ({}, "events: This field is required."),
    ],
)
def test_the_api_refuses_malformed_batches_and_says_where(api, viewer, payload, detail):
    response = api.post(reverse("api-events-batch", args=[viewer.pk]), payload, format="json")
    # Where, as the client wrote it, not the repr of DRF's nested ErrorDetail lists (which it was).
    assert response.status_code == 400 and response.json()["detail"] == detail
    assert not Event.objects.exists()


def test_the_batch_api_needs_a_signed_in_client_and_a_visible_profile(client, api, cards):
    owner = User.objects.create_user("bo", password="pw-123456")
    private = make_profile("Private", account=Account.objects.create(name="Bo", owner=owner))
    batch = {"events": [{"type": "list_add", "title": cards[0].title_id}]}

    anonymous = client.post(reverse("api-events-batch", args=[private.pk]), batch, content_type="application/json")
    stranger = api.post(reverse("api-events-batch", args=[private.pk]), batch, format="json")

    assert anonymous.status_code == 401 and stranger.status_code == 404
    assert not Event.objects.exists()
