"""What the artwork bandit is rewarded for (STREAMFLIX_BANDIT_REWARD), and the quality play.

Three rewards, each 0 or 1 per seen impression:
- `click`: the viewer opened the card's details.
- `play`: the viewer pressed Play on the title from that card (the default: a click that goes nowhere
  does not pay, so clickbait artwork does not win).
- `quality_play`: a play that lasted. The demo's Play records progress (each press watches
  PLAY_STEP = 30% of the title; Continue Watching shows how far). A card's play is a quality play once
  the viewer's progress on that title reaches QUALITY_PLAY_PROGRESS (60%: they came back and watched
  on) within QUALITY_PLAY_WINDOW (7 days) of pressing Play on that card. It is recorded as an event
  of its own (kind `quality_play`, carrying the card's impression) the moment the progress gets there,
  so it reaches the bandit as a late reward, like a delayed click.

Counted once: at most one event of each kind per impression (a database constraint), and the learner
marks each event it folded (`reward_folded_at`), so a replayed request or a second learning pass never
adds a reward twice. Late events are folded by the first pass after they arrive (the sufficient
statistics are additive).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from personalization.models import Event

REWARD_KINDS = {"click": Event.Kind.CLICK, "play": Event.Kind.PLAY, "quality_play": Event.Kind.QUALITY_PLAY}
QUALITY_PLAY_PROGRESS = 0.6  # two presses of Play (2 x 30%)
QUALITY_PLAY_WINDOW = timedelta(days=7)


def reward_name(name: str | None = None) -> str:
    """The reward in force: `name` if given, else the STREAMFLIX_BANDIT_REWARD setting (checked)."""
    name = name or settings.STREAMFLIX_BANDIT_REWARD
    if name not in REWARD_KINDS:
        raise ValueError(f"unknown bandit reward {name!r}; use one of {', '.join(REWARD_KINDS)}")
    return name


def reward_event_kind(name: str | None = None) -> str:
    """The event kind that pays the bandit under this reward."""
    return REWARD_KINDS[reward_name(name)]


def quality_plays_record(*, profile_id: int, title_id: int, progress: float) -> int:
    """After a play moved the viewer's progress on a title: if it reached QUALITY_PLAY_PROGRESS, record a
    quality play for every card the viewer pressed Play on for this title within the window (once each).
    Returns how many were recorded. Called inside event_record's transaction."""
    if progress < QUALITY_PLAY_PROGRESS:
        return 0
    since = timezone.now() - QUALITY_PLAY_WINDOW
    played = set(
        Event.objects.filter(
            profile_id=profile_id,
            title_id=title_id,
            kind=Event.Kind.PLAY,
            impression_id__isnull=False,
            created_at__gte=since,
        ).values_list("impression_id", flat=True)
    )
    done = set(
        Event.objects.filter(kind=Event.Kind.QUALITY_PLAY, impression_id__in=played).values_list(
            "impression_id", flat=True
        )
    )
    new = [
        Event(profile_id=profile_id, title_id=title_id, kind=Event.Kind.QUALITY_PLAY, impression_id=impression_id)
        for impression_id in sorted(played - done)
    ]
    # ignore_conflicts: a concurrent play of the same title may record the same ones; the constraint keeps one.
    Event.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
