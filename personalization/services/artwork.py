"""Choosing each card's artwork on live pages, and learning from what viewers clicked.

Serving: `artwork_chooser` makes the chooser for one page view: its policy (ARTWORK_POLICY, or the
variant's policy when an artwork experiment assigns the profile one; the built-in holdout puts
ARTWORK_CONTROL_SHARE of profiles on uniform-random artwork) with the viewer's theme taste and
the page context. The chooser (`personalization.chooser`) returns each card's variant with the exact
probability the policy had of picking it; that propensity is logged with the impression.

Learning (`bandit_learn`, every minute): newly seen impressions (cards the viewer's screen reported,
see `impressions_mark_seen`; served-not-seen cards are never learned from) and newly clicked impressions
are folded into the bandit's sufficient statistics and saved as a new snapshot, which every web
process picks up at its next look (`selectors.serving.published_bandit`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.selectors import catalog_snapshot
from catalog.snapshot import CatalogSnapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.bandit import (
    BanditParams,
    BanditState,
    FeatureSpace,
    PageContext,
    Policy,
    fold,
    fold_rewards,
    state_new,
)
from personalization.chooser import ArtworkChooser
from personalization.context import DAYPARTS, DEVICES, Context
from personalization.models import BanditSnapshot, Event, Impression
from personalization.personal import viewer_tastes
from personalization.selectors.serving import bandit_params, published_bandit
from personalization.selectors.viewers import viewer_history
from personalization.services.impressions import impressions_seen_apply_pending

logger = logging.getLogger(__name__)

INGEST_LAG = timedelta(seconds=10)  # impressions younger than this may still be committing
SNAPSHOTS_KEPT = 200
_LEARNING_LOCK = 4_210_001  # PostgreSQL advisory lock key: one learning pass at a time


def artwork_chooser(
    *,
    taste: np.ndarray,
    snapshot: CatalogSnapshot,
    context: Context,
    page_view_id: str,
    policy_name: str | None = None,
    rng: np.random.Generator | None = None,
) -> ArtworkChooser:
    """The chooser for one page view: its policy (an artwork experiment's variant, else ARTWORK_POLICY)
    and the viewer's taste."""
    name = policy_name or settings.ARTWORK_POLICY
    return ArtworkChooser(
        snapshot,
        policy=Policy(name, bandit_params()),
        model=published_bandit() if name == "thompson" else None,
        context=PageContext.from_labels(taste, daypart=context.daypart, device=context.device),
        rng=rng if rng is not None else np.random.default_rng(),
        exploration_boost=settings.ARTWORK_EXPLORATION_BOOST,
    )


@dataclass(frozen=True)
class LearnStats:
    impressions: int
    clicks: int
    snapshot_id: int | None
    skipped: bool = False  # another pass held the learning lock


@transaction.atomic
def bandit_learn(*, lag: timedelta = INGEST_LAG, now: datetime | None = None) -> LearnStats:
    """Fold impressions ingested since the last pass, and clicks not yet learned from, into a new snapshot.

    One pass at a time: a second one (a pass that overran its minute) skips rather than fold the
    same rows twice. On PostgreSQL an advisory lock says so; SQLite's write lock already serialises
    the demo's writers, and the second pass then reads the first one's snapshot.
    """
    if not _learning_lock():
        return LearnStats(0, 0, None, skipped=True)
    latest = BanditSnapshot.objects.first()
    params = BanditParams.from_dict(latest.params) if latest else bandit_params()
    state = (
        BanditState.from_bytes(bytes(latest.state)) if latest else state_new(n_themes=len(ALL_THEMES), params=params)
    )
    impressions_seen_apply_pending()  # seen reports that arrived before their impressions
    upper = (now or timezone.now()) - lag
    # Only cards that were on screen: served-not-seen impressions are never learned from.
    new = Impression.objects.filter(seen_at__isnull=False, seen_at__lte=upper).exclude(theme="")
    if latest and latest.impressions_cursor:
        new = new.filter(seen_at__gt=latest.impressions_cursor)
    shown = list(new.values_list("profile_id", "theme", "daypart", "device", "seen_at"))
    clicks = list(
        Event.objects.filter(kind=Event.Kind.CLICK, reward_folded_at__isnull=True, impression_id__isnull=False)
        .select_for_update(skip_locked=True)
        .values_list("pk", "impression_id")
    )
    clicked_rows = {
        row[0]: row[1:]
        for row in Impression.objects.filter(id__in={i for _, i in clicks}, seen_at__isnull=False)
        .exclude(theme="")
        .values_list("id", "profile_id", "theme", "daypart", "device")
    }
    if not shown and not clicked_rows:
        return LearnStats(0, 0, latest.pk if latest else None)

    tastes = _tastes({p for p, *_ in shown} | {r[0] for r in clicked_rows.values()})
    space = FeatureSpace(len(ALL_THEMES))
    if shown:
        state = fold(state, _features(space, tastes, [row[:4] for row in shown]))
    if clicked_rows:
        # One reward per clicked impression, however many times it was clicked.
        x_clicked = _features(space, tastes, list(clicked_rows.values()))
        state = fold_rewards(state, x_clicked, np.ones(len(x_clicked)))
    folded_events = [pk for pk, impression_id in clicks if impression_id in clicked_rows]
    Event.objects.filter(pk__in=folded_events).update(reward_folded_at=timezone.now())
    snapshot = BanditSnapshot.objects.create(
        state=state.to_bytes(),
        params=params.to_dict(),
        impressions_folded=(latest.impressions_folded if latest else 0) + len(shown),
        clicks_folded=(latest.clicks_folded if latest else 0) + len(clicked_rows),
        impressions_cursor=max((row[4] for row in shown), default=latest.impressions_cursor if latest else None),
    )
    stale = BanditSnapshot.objects.values_list("pk", flat=True)[SNAPSHOTS_KEPT:]
    BanditSnapshot.objects.filter(pk__in=list(stale)).delete()
    return LearnStats(len(shown), len(clicked_rows), snapshot.pk)


def _learning_lock() -> bool:
    """Take the learning lock for this transaction (PostgreSQL); False if another pass holds it."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LEARNING_LOCK])
        return bool(cursor.fetchone()[0])


def _features(space: FeatureSpace, tastes: dict[int, np.ndarray], rows: list[tuple]) -> np.ndarray:
    profiles, themes, dayparts, devices = zip(*rows, strict=True)
    return space.impression_features(
        np.stack([tastes[p] for p in profiles]),
        np.array([THEME_INDEX[t] for t in themes]),
        np.array([DAYPARTS.index(d) for d in dayparts]),
        np.array([DEVICES.index(d) for d in devices]),
    )


def _tastes(profile_ids: set[int]) -> dict[int, np.ndarray]:
    """Theme taste of each profile, computed exactly as a page computes it."""
    snapshot = catalog_snapshot()
    return {profile_id: viewer_tastes(viewer_history(profile_id), snapshot).themes for profile_id in profile_ids}
