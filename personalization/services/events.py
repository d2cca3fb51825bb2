"""Recording what viewers do: the event log and the engagement state derived from it."""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare
from django.utils.http import int_to_base36 as base36

from catalog.models import Title
from personalization.models import Engagement, Event, Profile
from personalization.page import PAGE_PLAN_TTL
from personalization.selectors.viewers import history_changed_key
from personalization.services.impressions import SeenResult, impressions_mark_seen
from personalization.services.rewards import quality_plays_record
from streamflix.errors import Conflict, Gone, InvalidInput, clip

PLAY_STEP = 0.3  # each press of Play "watches" this share of the title, so Continue Watching fills up
ONBOARDING_MINIMUM = 3

# How each event moves the viewer's standing with the title.
_STATE_CHANGES = {
    Event.Kind.THUMB_UP: {"thumb": Engagement.Thumb.UP},
    Event.Kind.THUMB_DOWN: {"thumb": Engagement.Thumb.DOWN, "in_my_list": False},
    Event.Kind.THUMB_CLEAR: {"thumb": Engagement.Thumb.NONE},
    Event.Kind.LIST_ADD: {"in_my_list": True},
    Event.Kind.LIST_REMOVE: {"in_my_list": False},
    Event.Kind.ONBOARDING_PICK: {"thumb": Engagement.Thumb.UP},
}


@transaction.atomic
def event_record(
    *, profile: Profile, title: Title, kind: str, impression_id: uuid.UUID | None = None
) -> tuple[Event, Engagement | None]:
    """Append the event and update the viewer's engagement with the title in one transaction."""
    if kind not in Event.Kind.values:
        raise InvalidInput(f"Unknown event type {kind!r}; use one of {', '.join(Event.Kind.values)}.")
    try:
        with transaction.atomic():
            event = Event.objects.create(profile=profile, title=title, kind=kind, impression_id=impression_id)
    except IntegrityError:  # the constraint one_reward_per_impression_and_kind: a replay
        raise Conflict(
            f"This card's {Event.Kind(kind).label.lower()} is already recorded; nothing changed.", code="duplicate"
        ) from None
    if impression_id is not None:  # acting on a card proves it was on screen, whatever the seen report says
        impressions_mark_seen([impression_id])
    if kind == Event.Kind.CLICK:  # opening the details is logged (the bandit's reward), changes no state
        return event, None
    engagement, _ = Engagement.objects.select_for_update().get_or_create(profile=profile, title=title)
    if kind == Event.Kind.PLAY:
        Engagement.objects.filter(pk=engagement.pk).update(plays=F("plays") + 1)
        engagement.refresh_from_db(fields=["plays"])
        engagement.progress = min(1.0, engagement.progress + PLAY_STEP)
        engagement.save(update_fields=["progress", "updated_at"])
        quality_plays_record(profile_id=profile.pk, title_id=title.pk, progress=engagement.progress)
    elif kind in _STATE_CHANGES:
        for field, value in _STATE_CHANGES[kind].items():
            setattr(engagement, field, value)
        engagement.save()
    transaction.on_commit(lambda: cache.set(history_changed_key(profile.pk), time.time(), None))
    return event, engagement


@transaction.atomic
def onboarding_complete(*, profile: Profile, title_ids: list[int]) -> int:
    """Record the titles a new viewer picked as liked; at least three, all of them real."""
    wanted = set(title_ids)
    if len(wanted) < ONBOARDING_MINIMUM:
        raise InvalidInput(f"Pick at least {ONBOARDING_MINIMUM} titles you like ({len(wanted)} picked).")
    titles = list(Title.objects.available().filter(pk__in=wanted))
    if len(titles) != len(wanted):
        raise InvalidInput("Some of the picked titles do not exist; reload the page and pick again.")
    for title in titles:
        event_record(profile=profile, title=title, kind=Event.Kind.ONBOARDING_PICK)
    return len(titles)


# Impression tokens -------------------------------------------------------------------------
# A card carries "<impression id>.<issued at>.<signature>": the signature binds the impression to
# the profile and title it was shown for, and to when, so an event can be checked without waiting
# for the worker to have inserted the impression row (it may still be in the queue when the viewer
# clicks), and a token dies with its page plan (PAGE_PLAN_TTL).

_TOKEN_SALT = "streamflix.impression"  # noqa: S105 (an HMAC salt, not a secret)
_SIGNATURE_LENGTH = 20

# Events a client may send; onboarding picks come from the onboarding form only.
CLIENT_EVENT_KINDS = (
    Event.Kind.CLICK,
    Event.Kind.PLAY,
    Event.Kind.THUMB_UP,
    Event.Kind.THUMB_DOWN,
    Event.Kind.THUMB_CLEAR,
    Event.Kind.LIST_ADD,
    Event.Kind.LIST_REMOVE,
)


def impression_token(*, impression_id: uuid.UUID, profile_id: int, title_id: int, issued: int | None = None) -> str:
    issued = int(time.time()) if issued is None else issued
    stamp = base36(issued)
    message = f"{impression_id.hex}:{profile_id}:{title_id}:{stamp}".encode()
    signature = hmac.digest(_token_key(settings.SECRET_KEY), message, "sha1").hex()  # one C call per card
    return f"{impression_id.hex}.{stamp}.{signature[:_SIGNATURE_LENGTH]}"


@functools.lru_cache(maxsize=4)
def _token_key(secret: str) -> bytes:
    """Django's salted_hmac key for our salt, derived once per secret (a page signs ~80-280 tokens)."""
    return hashlib.sha1((_TOKEN_SALT + secret).encode()).digest()  # noqa: S324 (salted_hmac's own derivation)


def impression_verify(token: str, *, profile_id: int, title_id: int) -> uuid.UUID:
    """The impression id in a token, if it was issued to this profile for this title, and not too long ago."""
    impression_hex, _, rest = token.partition(".")
    stamp = rest.partition(".")[0]
    try:
        impression_id = uuid.UUID(hex=impression_hex)
        issued = int(stamp, 36) if stamp.isascii() and stamp.isalnum() and len(stamp) < 12 else None
    except ValueError:
        issued = None
    if issued is None:
        raise InvalidInput(f"{clip(token)!r} is not an impression token.", code="bad_impression")
    expected = impression_token(impression_id=impression_id, profile_id=profile_id, title_id=title_id, issued=issued)
    if not constant_time_compare(expected, token):
        raise InvalidInput(
            f"Impression {impression_hex} was not shown to this profile for title {title_id}.",
            code="foreign_impression",
        )
    if time.time() - issued > PAGE_PLAN_TTL:
        raise Gone("This card is from a page that has expired; reload the page.", code="expired_impression")
    return impression_id


SEEN_REPORT_MAX_CARDS = 400  # a page has ~80-280 cards; a report is one page's batch


def impressions_seen_submit(*, profile: Profile, cards: list) -> SeenResult:
    """A client's report of the cards that were on its screen: [{"impression": token, "title": id}, ...].

    Every token must have been issued to this profile for that title, and not expired: one bad card
    refuses the whole report and nothing is written. A replayed report changes nothing (the first
    report's time stays)."""
    if not isinstance(cards, list) or not cards:
        raise InvalidInput(
            'A seen report is a non-empty list of {"impression": token, "title": id}.', code="bad_report"
        )
    if len(cards) > SEEN_REPORT_MAX_CARDS:
        raise InvalidInput(
            f"A seen report holds at most {SEEN_REPORT_MAX_CARDS} cards ({len(cards)} sent); send it in parts.",
            code="bad_report",
        )
    ids = []
    for number, card in enumerate(cards, start=1):
        token = card.get("impression") if isinstance(card, dict) else None
        title_id = card.get("title") if isinstance(card, dict) else None
        if not isinstance(token, str) or not token or isinstance(title_id, bool) or not isinstance(title_id, int):
            raise InvalidInput(
                f'Card {number} of the seen report is not {{"impression": token, "title": id}}: {clip(repr(card))}.',
                code="bad_report",
            )
        ids.append(impression_verify(token, profile_id=profile.pk, title_id=title_id))
    return impressions_mark_seen(ids)


def event_submit(*, profile: Profile, title_id: int, kind: str, impression: str = "") -> Event:
    """Validate a client's event completely, then record it: a refusal writes nothing."""
    if kind not in CLIENT_EVENT_KINDS:
        raise InvalidInput(
            f"Unknown event type {clip(str(kind))!r}; use one of {', '.join(CLIENT_EVENT_KINDS)}.", code="bad_kind"
        )
    title = Title.objects.available().filter(pk=title_id).first()
    if title is None:
        raise InvalidInput(f"There is no title {title_id}.", code="bad_title")
    impression_id = impression_verify(impression, profile_id=profile.pk, title_id=title.pk) if impression else None
    if kind == Event.Kind.CLICK and impression_id is None:
        raise InvalidInput("A click needs the impression it was made on.", code="missing_impression")
    event, _ = event_record(profile=profile, title=title, kind=kind, impression_id=impression_id)
    return event
