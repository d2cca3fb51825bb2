"""Recording what viewers do: the event log and the engagement state derived from it."""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import int_to_base36 as base36

from catalog.models import Title
from personalization.models import Engagement, Event, Profile
from personalization.page import PAGE_PLAN_TTL
from personalization.selectors.viewers import history_changed_key
from personalization.services.impressions import SeenResult, impressions_mark_seen
from personalization.services.rewards import QUALITY_PLAY_PROGRESS, QUALITY_PLAY_WINDOW, quality_plays_record
from streamflix.errors import ApplicationError, Conflict, Gone, InvalidInput, clip

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
        # No savepoint: a replay ends this transaction (Conflict rolls it back), so there is nothing to
        # go back to but its start; Django marks it for rollback, should a caller try to go on.
        with transaction.atomic(savepoint=False):
            event = Event.objects.create(profile=profile, title=title, kind=kind, impression_id=impression_id)
    except IntegrityError:  # the constraint one_reward_per_impression_and_kind: a replay
        raise Conflict(
            f"This card's {Event.Kind(kind).label.lower()} is already recorded; nothing changed.", code="duplicate"
        ) from None
    if impression_id is not None:  # acting on a card proves it was on screen, whatever the seen report says
        impressions_mark_seen([impression_id], shown_within=token_shown_within())
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
    (token,) = impression_tokens([impression_id], profile_id=profile_id, title_ids=[title_id], issued=issued)
    return token


def impression_tokens(
    impression_ids: Sequence[uuid.UUID], *, profile_id: int, title_ids: Sequence[int], issued: int | None = None
) -> list[str]:
    """The tokens of a page's cards: the stamp and key once, then one HMAC (a C call) per card."""
    stamp = base36(int(time.time()) if issued is None else issued)
    key = _token_key(settings.SECRET_KEY)
    tokens = []
    for impression_id, title_id in zip(impression_ids, title_ids, strict=True):
        hex_id = impression_id.hex
        signature = hmac.digest(key, f"{hex_id}:{profile_id}:{title_id}:{stamp}".encode(), "sha1").hex()
        tokens.append(f"{hex_id}.{stamp}.{signature[:_SIGNATURE_LENGTH]}")
    return tokens


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


# A token is refused PAGE_PLAN_TTL after it was issued, and its card's impression is logged after the
# token is made: a card whose token was just verified was shown since then (give or take the web
# servers' clocks).
TOKEN_CLOCK_MARGIN = timedelta(minutes=10)


def token_shown_within() -> tuple[datetime, datetime]:
    """When an impression whose token verifies now can have been shown (`impressions_mark_seen`)."""
    now = timezone.now()
    return now - timedelta(seconds=PAGE_PLAN_TTL) - TOKEN_CLOCK_MARGIN, now + TOKEN_CLOCK_MARGIN


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
    return impressions_mark_seen(ids, shown_within=token_shown_within())


def event_submit(*, profile: Profile, title_id: int, kind: str, impression: str = "") -> Event:
    """Validate a client's event completely, then record it: a refusal writes nothing."""
    _kind_check(kind)
    title = Title.objects.available().filter(pk=title_id).first()
    if title is None:
        raise InvalidInput(f"There is no title {title_id}.", code="bad_title")
    impression_id = _impression_check(profile=profile, title_id=title.pk, kind=kind, impression=impression)
    event, _ = event_record(profile=profile, title=title, kind=kind, impression_id=impression_id)
    return event


def _kind_check(kind: str) -> None:
    if kind not in CLIENT_EVENT_KINDS:
        raise InvalidInput(
            f"Unknown event type {clip(str(kind))!r}; use one of {', '.join(CLIENT_EVENT_KINDS)}.", code="bad_kind"
        )


def _impression_check(*, profile: Profile, title_id: int, kind: str, impression: str) -> uuid.UUID | None:
    impression_id = impression_verify(impression, profile_id=profile.pk, title_id=title_id) if impression else None
    if kind == Event.Kind.CLICK and impression_id is None:
        raise InvalidInput("A click needs the impression it was made on.", code="missing_impression")
    return impression_id


# A batch of events ------------------------------------------------------------------------
# A client that queued what the viewer did (a TV app offline for a while) sends it in one request;
# the simulator sends a session's clicks and plays the same way. The batch is recorded as the
# events one by one would be (`event_submit` each, in order), in one transaction and a handful of
# queries instead of ~8 per event.

EVENT_BATCH_MAX = 100
_ONCE_PER_IMPRESSION = frozenset((Event.Kind.CLICK, Event.Kind.PLAY, Event.Kind.QUALITY_PLAY))  # the constraint's


@dataclass(frozen=True)
class ClientEvent:
    """One event as a client sends it: the API's {"type", "title", "impression"}."""

    kind: str
    title_id: int
    impression: str = ""


@dataclass(frozen=True)
class EventBatchResult:
    """Per event sent, in order: the Event recorded, or None for a duplicate (a click or play already
    recorded for that card, in the log or earlier in the batch: as `event_submit`'s Conflict, it
    changed nothing)."""

    events: tuple[Event | None, ...]

    @property
    def recorded(self) -> int:
        return sum(event is not None for event in self.events)

    @property
    def duplicates(self) -> int:
        return len(self.events) - self.recorded


def event_batch_submit(*, profile: Profile, events: Sequence[ClientEvent]) -> EventBatchResult:
    """Validate every event, then record them in order in one transaction: the same rows as
    `event_submit` called for each in turn (events, quality plays, engagement, seen marks), except that
    a duplicate is reported in the result instead of raised. One invalid event refuses the whole batch
    (its number in the message) and nothing is written."""
    if not isinstance(events, Sequence) or isinstance(events, str) or not events:
        raise InvalidInput("An event batch is a non-empty list of events.", code="bad_batch")
    if len(events) > EVENT_BATCH_MAX:
        raise InvalidInput(
            f"An event batch holds at most {EVENT_BATCH_MAX} events ({len(events)} sent); send it in parts.",
            code="bad_batch",
        )
    if not all(isinstance(e, ClientEvent) and type(e.title_id) is int for e in events):
        raise InvalidInput("An event batch is a list of {type, title, impression}.", code="bad_batch")
    available = set(Title.objects.available().filter(pk__in={e.title_id for e in events}).values_list("pk", flat=True))
    checked: list[tuple[ClientEvent, uuid.UUID | None]] = []
    for number, event in enumerate(events, start=1):
        try:
            _kind_check(event.kind)
            if event.title_id not in available:
                raise InvalidInput(f"There is no title {event.title_id}.", code="bad_title")
            impression_id = _impression_check(
                profile=profile, title_id=event.title_id, kind=event.kind, impression=event.impression
            )
        except ApplicationError as error:
            raise type(error)(f"Event {number} of the batch: {error.message}", code=error.code) from None
        checked.append((event, impression_id))
    try:
        return _events_record(profile=profile, checked=checked)
    except IntegrityError:  # a concurrent request recorded one of these clicks or plays first: look again
        return _events_record(profile=profile, checked=checked)


@transaction.atomic
def _events_record(*, profile: Profile, checked: list[tuple[ClientEvent, uuid.UUID | None]]) -> EventBatchResult:
    """`event_record` for each checked event in turn, with the batch's reads and writes done together."""
    impressions = {i for _, i in checked if i is not None}
    taken = set(
        Event.objects.filter(impression_id__in=impressions, kind__in=_ONCE_PER_IMPRESSION).values_list(
            "impression_id", "kind"
        )
    )
    results: list[Event | None] = []
    kept: list[Event] = []
    for event, impression_id in checked:
        if impression_id is not None and event.kind in _ONCE_PER_IMPRESSION:
            if (impression_id, event.kind) in taken:  # what the constraint refuses one by one
                results.append(None)
                continue
            taken.add((impression_id, event.kind))
        row = Event(profile=profile, title_id=event.title_id, kind=event.kind, impression_id=impression_id)
        results.append(row)
        kept.append(row)
    engagements = _engagements_locked(
        profile=profile, title_ids=[e.title_id for e in kept if e.kind != Event.Kind.CLICK]
    )
    plays = [e for e in kept if e.kind == Event.Kind.PLAY]
    progress = {t: e.progress for t, e in engagements.items()}
    for row in plays:
        progress[row.title_id] = min(1.0, progress[row.title_id] + PLAY_STEP)
    # Only titles whose progress reaches the threshold in this batch can get quality plays.
    watched = {t for t, p in progress.items() if p >= QUALITY_PLAY_PROGRESS}
    played, quality_done = _plays_within_window(profile=profile, plays=[e for e in plays if e.title_id in watched])
    rows: list[Event] = []  # the events to insert, quality plays right after the play that made them
    changed = {"updated_at"}
    stamp = None
    for row in kept:
        rows.append(row)
        if row.kind == Event.Kind.CLICK:
            continue
        # Strictly increasing, as one transaction per event would leave them: the history reads its
        # engagements most recently updated first ("Because you watched" the latest).
        stamp = _after(stamp)
        engagement = engagements[row.title_id]
        engagement.updated_at = stamp
        if row.kind == Event.Kind.PLAY:
            changed.update(("plays", "progress"))
            engagement.plays += 1
            engagement.progress = min(1.0, engagement.progress + PLAY_STEP)
            if row.impression_id is not None and row.title_id in played:
                played[row.title_id].add(row.impression_id)
            if engagement.progress >= QUALITY_PLAY_PROGRESS:  # as rewards.quality_plays_record
                for impression_id in sorted(played[row.title_id] - quality_done):
                    rows.append(
                        Event(
                            profile=profile,
                            title_id=row.title_id,
                            kind=Event.Kind.QUALITY_PLAY,
                            impression_id=impression_id,
                        )
                    )
                    quality_done.add(impression_id)
        else:
            for field, value in _STATE_CHANGES[row.kind].items():
                setattr(engagement, field, value)
                changed.add(field)
    Event.objects.bulk_create(rows)
    if engagements:
        _engagements_save(list(engagements.values()), sorted(changed))
    # Acting on a card proves it was on screen, whatever the seen report says.
    impressions_mark_seen(
        [row.impression_id for row in kept if row.impression_id is not None], shown_within=token_shown_within()
    )
    if engagements:
        transaction.on_commit(lambda: cache.set(history_changed_key(profile.pk), time.time(), None))
    return EventBatchResult(tuple(results))


def _engagements_locked(*, profile: Profile, title_ids: list[int]) -> dict[int, Engagement]:
    """The viewer's engagement with each title, created where missing (in the order given, as one by
    one) and locked for this transaction, as `event_record`'s select_for_update().get_or_create."""
    if not title_ids:
        return {}
    wanted = list(dict.fromkeys(title_ids))
    Engagement.objects.bulk_create([Engagement(profile=profile, title_id=t) for t in wanted], ignore_conflicts=True)
    return {e.title_id: e for e in Engagement.objects.select_for_update().filter(profile=profile, title_id__in=wanted)}


_PG_ENGAGEMENTS_UPDATE = """
UPDATE personalization_engagement AS e
SET thumb = v.thumb, in_my_list = v.in_my_list, plays = v.plays, progress = v.progress, updated_at = v.updated_at
FROM unnest(%s::bigint[], %s::smallint[], %s::boolean[], %s::integer[], %s::double precision[], %s::timestamptz[])
    AS v(id, thumb, in_my_list, plays, progress, updated_at)
WHERE e.id = v.id
"""


def _engagements_save(engagements: list[Engagement], changed: list[str]) -> None:
    """Write the batch's engagements back. They are locked by this transaction, so every field they
    hold is current: on PostgreSQL one UPDATE from arrays writes them all. (Django's bulk_update
    builds a CASE per field and row: 0.8 ms of Python per engagement, 33 ms for 40, against 20 ms for
    an UPDATE each; this statement is one round trip.)"""
    if connection.vendor != "postgresql":
        Engagement.objects.bulk_update(engagements, changed)
        return
    columns = [[getattr(e, f) for e in engagements] for f in ("pk", "thumb", "in_my_list", "plays", "progress")]
    with connection.cursor() as cursor:
        cursor.execute(_PG_ENGAGEMENTS_UPDATE, [*columns, [e.updated_at for e in engagements]])


def _plays_within_window(*, profile: Profile, plays: list[Event]) -> tuple[dict[int, set], set]:
    """For the titles played in the batch: the cards the viewer pressed Play on within the quality-play
    window (title id -> impression ids), and which of those already have their quality play."""
    played: dict[int, set] = {row.title_id: set() for row in plays}
    if not played:
        return played, set()
    since = timezone.now() - QUALITY_PLAY_WINDOW
    earlier = Event.objects.filter(
        profile=profile,
        title_id__in=played,
        kind=Event.Kind.PLAY,
        impression_id__isnull=False,
        created_at__gte=since,
    ).values_list("title_id", "impression_id")
    for title_id, impression_id in earlier:
        played[title_id].add(impression_id)
    candidates = set().union(*played.values()) | {row.impression_id for row in plays if row.impression_id}
    done = set(
        Event.objects.filter(kind=Event.Kind.QUALITY_PLAY, impression_id__in=candidates).values_list(
            "impression_id", flat=True
        )
    )
    return played, done


def _after(stamp: datetime | None) -> datetime:
    now = timezone.now()
    return now if stamp is None or now > stamp else stamp + timedelta(microseconds=1)
