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
from django.db import transaction
from django.db.models.functions import Now
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
)
from personalization.bandit.design import LIVE_DESIGN
from personalization.bandit.model import publish
from personalization.bandit.variants import VariantStats
from personalization.chooser import ArtworkChooser
from personalization.context import DAYPARTS, DEVICES, Context
from personalization.models import BanditSnapshot, Event, Impression, PageView
from personalization.personal import viewer_tastes
from personalization.selectors.serving import bandit_params, published_bandit, saved_variant_stats
from personalization.selectors.viewers import viewer_history
from personalization.services.impressions import impressions_seen_apply_pending
from personalization.services.locks import ARTWORK_LEARNING, advisory_xact_lock
from personalization.services.rewards import reward_event_kind, reward_name

logger = logging.getLogger(__name__)

INGEST_LAG = timedelta(seconds=10)  # impressions younger than this may still be committing
SNAPSHOTS_KEPT = 200


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
    rewards: int  # impressions rewarded (clicked, played or quality-played: the reward in force)
    snapshot_id: int | None
    skipped: bool = False  # another pass held the learning lock
    rebuilt: bool = False  # the reward changed: the state was rebuilt from the prior

    @property
    def clicks(self) -> int:
        """The rewards folded (the name from when a click was the only reward)."""
        return self.rewards


@transaction.atomic
def bandit_learn(*, lag: timedelta = INGEST_LAG, now: datetime | None = None, reward: str | None = None) -> LearnStats:
    """Fold impressions seen since the last pass, and rewards not yet learned from, into a new snapshot.

    The reward is `reward` or STREAMFLIX_BANDIT_REWARD (services.rewards): the events of that kind pay 1.
    Under the live design (`bandit.design`) a play or quality-play reward is learned in two stages:
    P(click) from every seen card, P(reward | click) from the clicked ones. A card counts as clicked
    once, by its click event or, when none was sent, by its reward. Each event is folded once (marked
    `reward_folded_at`); one that arrives late (a click or a play after its impression was folded) is
    folded by the first pass after it arrives. When the reward in force or the design differs from what
    the latest snapshot learned, the pass starts again from the prior and folds the whole retained log.

    One pass at a time: a second one (a pass that overran its minute) skips rather than fold the
    same rows twice. On PostgreSQL an advisory lock says so; SQLite's write lock already serialises
    the demo's writers, and the second pass then reads the first one's snapshot.
    """
    reward = reward_name(reward)
    if not advisory_xact_lock(ARTWORK_LEARNING):
        return LearnStats(0, 0, None, skipped=True)
    design = LIVE_DESIGN
    staged = design.staged(reward)
    latest = BanditSnapshot.objects.first()
    params = BanditParams.from_dict(latest.params) if latest else bandit_params()
    state, play_state = _saved_states(latest) if latest else (None, None)
    rebuilt = latest is not None and (
        latest.reward != reward
        or not design.fits(state, play_state, reward, has_offsets=latest.click_variants is not None)
    )
    if rebuilt:
        logger.warning("The bandit's reward or design changed (%s): rebuilding it from the logged impressions", reward)
        latest = None
    if latest is None:
        state = design.prior(len(ALL_THEMES), params)
        play_state = design.prior(len(ALL_THEMES), params) if staged else None
    # Fresh objects each read: this pass adds to them in place.
    click_stats, play_stats = saved_variant_stats(latest) if latest else (VariantStats(), VariantStats())
    impressions_seen_apply_pending()  # seen reports that arrived before their impressions
    upper = (now or timezone.now()) - lag
    # Only cards that were on screen: served-not-seen impressions are never learned from.
    new = Impression.objects.filter(seen_at__isnull=False, seen_at__lte=upper).exclude(theme="")
    if latest and latest.impressions_cursor:
        new = new.filter(seen_at__gt=latest.impressions_cursor)
    # In the order they were shown (ids are random): the fold's sums then round the same way each run.
    shown = list(new.order_by(*SHOWN_ORDER).values_list(*_ROW, "seen_at", "artwork_id"))
    paying = _unfolded(Event.objects.filter(kind=reward_event_kind(reward)), rebuilt)
    clicking = _unfolded(Event.objects.filter(kind=Event.Kind.CLICK), rebuilt) if staged else []
    rows = _seen_rows({impression_id for _, impression_id in paying + clicking})  # (...) + artwork id
    paid = {impression_id for _, impression_id in paying}
    rewarded = [i for i in rows if i in paid]
    trials = _first_clicks(rows, paying + clicking, rebuilt) if staged else []
    if not shown and not rows and not rebuilt:
        return LearnStats(0, 0, latest.pk if latest else None)

    tastes = _decision_tastes([row[:2] for row in shown] + [row[:2] for row in rows.values()])
    space = state.space
    # Per-variant offsets: each card's reward beyond what the theme-level model predicted when it was
    # folded (this pass's starting model), summed per artwork (bandit.variants).
    offsets = _VariantUpdate(design.variants, params, state, play_state, click_stats, play_stats)
    if shown:
        features = _features(space, tastes, [row[:5] for row in shown])
        offsets.seen([row[6] for row in shown], features)
        state = fold(state, features)
    x = _features(space, tastes, [r[:5] for r in rows.values()]) if rows else np.zeros((0, space.d))
    x = dict(zip(rows, x, strict=True))
    artwork_of = {i: row[5] for i, row in rows.items()}
    if staged:  # P(click) gains the clicked cards; P(reward | click) counts them as trials, then their rewards
        if trials:
            clicked = np.stack([x[i] for i in trials])
            offsets.clicked([artwork_of[i] for i in trials], clicked)
            state = fold_rewards(state, clicked, np.ones(len(clicked)))
            play_state = fold(play_state, clicked)
        if rewarded:
            offsets.rewarded([artwork_of[i] for i in rewarded], staged=True)
            play_state = fold_rewards(play_state, np.stack([x[i] for i in rewarded]), np.ones(len(rewarded)))
    elif rewarded:  # one reward per rewarded impression, however many times its event was sent
        offsets.rewarded([artwork_of[i] for i in rewarded], staged=False)
        state = fold_rewards(state, np.stack([x[i] for i in rewarded]), np.ones(len(rewarded)))
    folded_events = [pk for pk, impression_id in paying + clicking if impression_id in rows]
    Event.objects.filter(pk__in=folded_events).update(reward_folded_at=timezone.now())
    snapshot = BanditSnapshot.objects.create(
        state=state.to_bytes(),
        play_state=play_state.to_bytes() if play_state is not None else None,
        click_variants=click_stats.to_bytes() if design.variants else None,
        play_variants=play_stats.to_bytes() if design.variants and staged else None,
        params=params.to_dict(),
        reward=reward,
        impressions_folded=(latest.impressions_folded if latest else 0) + len(shown),
        clicks_folded=(latest.clicks_folded if latest else 0) + len(rewarded),
        impressions_cursor=max((row[5] for row in shown), default=latest.impressions_cursor if latest else None),
    )
    stale = BanditSnapshot.objects.values_list("pk", flat=True)[SNAPSHOTS_KEPT:]
    BanditSnapshot.objects.filter(pk__in=list(stale)).delete()
    return LearnStats(len(shown), len(rewarded), snapshot.pk, rebuilt=rebuilt)


SHOWN_ORDER = ("shown_at", "row_index", "position", "pk")
_ROW = ("page_view_id", "profile_id", "theme", "daypart", "device")


class _VariantUpdate:
    """One pass's additions to the per-variant sums (bandit.variants.VariantStats), in place.

    Click stage: every seen card adds one impression and minus its predicted click score, each click
    adds 1. P(reward | click) stage: every first click adds one trial and minus its predicted reward
    score, each reward adds 1. The predictions are the models this pass starts from.
    """

    def __init__(self, enabled, params, state, play_state, click_stats, play_stats):
        self.enabled = enabled
        self.click_stats, self.play_stats = click_stats, play_stats
        self.click_theta = publish(state, params).theta if enabled else None
        self.play_theta = publish(play_state, params).theta if enabled and play_state is not None else None

    def seen(self, artwork_ids: list, features: np.ndarray) -> None:
        if self.enabled:
            self._add(self.click_stats, artwork_ids, -(features @ self.click_theta), counted=True)

    def clicked(self, artwork_ids: list, features: np.ndarray) -> None:
        if self.enabled:
            self._add(self.click_stats, artwork_ids, np.ones(len(artwork_ids)), counted=False)
            self._add(self.play_stats, artwork_ids, -(features @ self.play_theta), counted=True)

    def rewarded(self, artwork_ids: list, *, staged: bool) -> None:
        if self.enabled:
            stats = self.play_stats if staged else self.click_stats
            self._add(stats, artwork_ids, np.ones(len(artwork_ids)), counted=False)

    @staticmethod
    def _add(stats: VariantStats, artwork_ids: list, residuals: np.ndarray, *, counted: bool) -> None:
        keep = [i for i, a in enumerate(artwork_ids) if a is not None]  # artwork deleted since: its theme only
        if keep:
            keys = np.array([artwork_ids[i] for i in keep], dtype=np.int64)
            counts = np.ones(len(keep)) if counted else np.zeros(len(keep))
            stats.add(keys, residuals[keep], counts)


def _saved_states(snapshot: BanditSnapshot) -> tuple[BanditState, BanditState | None]:
    play = bytes(snapshot.play_state) if snapshot.play_state is not None else None
    return BanditState.from_bytes(bytes(snapshot.state)), BanditState.from_bytes(play) if play else None


def _unfolded(events, rebuilt: bool) -> list[tuple[int, object]]:
    """(event id, impression id) of the events to fold: those not folded yet (all of them on a rebuild).
    Rows another pass holds are skipped, not waited for."""
    events = events.filter(impression_id__isnull=False)
    if not rebuilt:
        events = events.filter(reward_folded_at__isnull=True)
    return list(events.select_for_update(skip_locked=True).order_by("pk").values_list("pk", "impression_id"))


def _seen_rows(impression_ids: set) -> dict:
    """impression id -> (page view, profile, theme, daypart, device, artwork id) of the seen, themed ones,
    in shown order."""
    return {
        row[0]: row[1:]
        for row in Impression.objects.filter(id__in=impression_ids, seen_at__isnull=False)
        .exclude(theme="")
        .order_by(*SHOWN_ORDER)
        .values_list("id", *_ROW, "artwork_id")
    }


def _first_clicks(rows: dict, events: list[tuple[int, object]], rebuilt: bool) -> list:
    """The impressions (of `rows`) these events make clicked for the first time: none of their click or
    reward events was folded before (on a rebuild nothing was)."""
    ids = {impression_id for _, impression_id in events if impression_id in rows}
    if not rebuilt:
        counted = Event.objects.filter(impression_id__in=ids, reward_folded_at__isnull=False)
        ids -= set(counted.values_list("impression_id", flat=True))
    return [i for i in rows if i in ids]


def bandit_fresh_start(*, reward: str | None = None) -> BanditSnapshot:
    """For a simulation inside a transaction that will be rolled back: a bandit that has learned nothing
    and will learn only from what is seen from now on. Deleting the snapshots alone is not enough: the
    next pass would fold every impression already in the log (the demo's warm-up, earlier traffic) with
    rewards already marked folded, i.e. as misses. So the prior is saved with its cursor at the
    database's now, and reward events not yet folded are marked folded (the rollback undoes both)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bandit_fresh_start marks the log's rewards folded: call it in a rolled-back transaction")
    BanditSnapshot.objects.all().delete()
    params, reward = bandit_params(), reward_name(reward)
    prior = LIVE_DESIGN.prior(len(ALL_THEMES), params).to_bytes()
    no_offsets = VariantStats().to_bytes() if LIVE_DESIGN.variants else None
    snapshot = BanditSnapshot.objects.create(
        state=prior,
        play_state=prior if LIVE_DESIGN.staged(reward) else None,
        click_variants=no_offsets,
        play_variants=no_offsets if LIVE_DESIGN.staged(reward) else None,
        params=params.to_dict(),
        reward=reward,
    )
    BanditSnapshot.objects.filter(pk=snapshot.pk).update(impressions_cursor=Now())
    Event.objects.filter(reward_folded_at__isnull=True, impression_id__isnull=False).update(reward_folded_at=Now())
    return snapshot


def _features(space: FeatureSpace, tastes: dict, rows: list[tuple]) -> np.ndarray:
    """Feature rows of (page view, profile, theme, daypart, device) impressions."""
    page_views, _, themes, dayparts, devices = zip(*rows, strict=True)
    return space.impression_features(
        np.stack([tastes[p] for p in page_views]),
        np.array([THEME_INDEX[t] for t in themes]),
        np.array([DAYPARTS.index(d) for d in dayparts]),
        np.array([DEVICES.index(d) for d in devices]),
    )


def _decision_tastes(rows: list[tuple]) -> dict:
    """The theme taste each impression's decision saw, by page view: the one its PageView logged (so an
    impression and its late reward are folded with the same features, whatever the viewer did since),
    else (impressions logged before page views were) the profile's taste now."""
    page_views = {page_view for page_view, _ in rows}
    logged = {
        pk: np.frombuffer(bytes(taste), dtype=np.float16).astype(np.float64)
        for pk, taste in PageView.objects.filter(pk__in=page_views).values_list("pk", "taste")
    }
    width = len(ALL_THEMES)
    logged = {pk: taste for pk, taste in logged.items() if taste.shape == (width,)}
    missing = {profile for page_view, profile in rows if page_view not in logged}
    now = _tastes(missing) if missing else {}
    return logged | {page_view: now[profile] for page_view, profile in rows if page_view not in logged}


def _tastes(profile_ids: set[int]) -> dict[int, np.ndarray]:
    """Theme taste of each profile, computed exactly as a page computes it."""
    snapshot = catalog_snapshot()
    return {profile_id: viewer_tastes(viewer_history(profile_id), snapshot).themes for profile_id in profile_ids}
