"""Choosing each card's artwork, and learning from what viewers clicked.

Serving: the viewer's taste over themes + the page context go to the pure bandit
(`personalization.bandit`), which returns one variant per card with the exact probability it had of
being picked; that propensity is logged with the impression. A small share of page views uses the
uniform-random policy as a control, so the bandit's lift stays measurable on live traffic.

Learning (`bandit_learn`, every minute): newly ingested impressions and newly clicked impressions
are folded into the bandit's sufficient statistics, a snapshot is saved, and the published model
is put in the cache, where every web process picks it up within seconds.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from catalog.selectors import ArtworkVariant, CatalogSnapshot, catalog_snapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.bandit import (
    BanditParams,
    BanditState,
    FeatureSpace,
    PageContext,
    Policy,
    PublishedModel,
    choose_page,
    fold,
    fold_rewards,
    publish,
    state_new,
)
from personalization.bandit.features import DAYPARTS, DEVICES
from personalization.models import BanditSnapshot, Event, Impression
from personalization.page import Context
from personalization.selectors import History, history_weights, viewer_history
from personalization.taste import lift_from_history
from streamflix.refreshed import Refreshed

logger = logging.getLogger(__name__)

PUBLISHED_KEY = "bandit:published"
VERSION_CHECK_SECONDS = 5.0
INGEST_LAG = timedelta(seconds=10)  # impressions younger than this may still be committing
SNAPSHOTS_KEPT = 200


@dataclass(frozen=True)
class ArtworkChoice:
    variant: ArtworkVariant | None
    propensity: float


class ArtworkChooser:
    """Chooses artwork for the cards of one page view, for one viewer in one context."""

    def __init__(
        self,
        snapshot: CatalogSnapshot,
        *,
        policy: Policy,
        model: PublishedModel | None,
        context: PageContext,
        rng: np.random.Generator,
    ) -> None:
        self.snapshot = snapshot
        self.policy = policy
        self.model = model
        self.context = context
        self.rng = rng

    @property
    def policy_name(self) -> str:
        return self.policy.name

    @property
    def policy_version(self) -> str:
        model = self.model.version if self.model is not None and self.policy.name == "thompson" else ""
        return f"{self.policy.version}@{model}" if model else self.policy.version

    def default_variant(self, title_id: int) -> ArtworkVariant | None:
        variants = self.snapshot.artworks.get(title_id, ())
        return variants[0] if variants else None  # the editor's default sorts first

    def choose(self, title_ids: list[int]) -> list[ArtworkChoice]:
        """One variant per title, with the probability the policy had of showing it."""
        variants = [self.snapshot.artworks.get(t, ()) for t in title_ids]
        with_art = [i for i, v in enumerate(variants) if v]
        choices = [ArtworkChoice(None, 1.0)] * len(title_ids)
        if not with_art:
            return choices
        cards = [self.snapshot.artwork_themes(title_ids[i]) for i in with_art]
        picked = choose_page(self.policy, self.model, self.context, cards, self.rng)
        for i, arm, propensity in zip(with_art, picked.chosen.tolist(), picked.propensity.tolist(), strict=True):
            choices[i] = ArtworkChoice(variants[i][arm], propensity)
        return choices


def choose_groups(chooser: ArtworkChooser, groups: list[list[int]]) -> list[list[ArtworkChoice]]:
    """Artwork for several rows of titles in one call to the chooser (one policy call per page)."""
    flat = chooser.choose([title_id for group in groups for title_id in group])
    out, start = [], 0
    for group in groups:
        out.append(flat[start : start + len(group)])
        start += len(group)
    return out


class ChooserFactory(Protocol):
    def __call__(
        self,
        *,
        taste: np.ndarray,
        snapshot: CatalogSnapshot,
        context: Context,
        page_view_id: str,
        policy_name: str | None = None,
    ) -> ArtworkChooser: ...


def artwork_chooser(
    *,
    taste: np.ndarray,
    snapshot: CatalogSnapshot,
    context: Context,
    page_view_id: str,
    policy_name: str | None = None,
    rng: np.random.Generator | None = None,
) -> ArtworkChooser:
    """The chooser for one page view: its policy (bandit, or the random control) and the viewer's taste."""
    name = policy_name or policy_for_page_view(page_view_id)
    return ArtworkChooser(
        snapshot,
        policy=Policy(name, bandit_params()),
        model=published_bandit() if name == "thompson" else None,
        context=PageContext.from_labels(taste, daypart=context.daypart, device=context.device),
        rng=rng if rng is not None else np.random.default_rng(),
    )


def policy_for_page_view(page_view_id: str) -> str:
    """ARTWORK_POLICY for most page views; ARTWORK_CONTROL_SHARE of them (by hash) get uniform random."""
    bucket = int(hashlib.blake2b(page_view_id.encode(), digest_size=4).hexdigest(), 16) / 2**32
    return "uniform" if bucket < settings.ARTWORK_CONTROL_SHARE else settings.ARTWORK_POLICY


def bandit_params() -> BanditParams:
    return BanditParams()


def theme_taste(history: History, snapshot: CatalogSnapshot) -> np.ndarray:
    """The viewer's log2 lift over every theme (0 for themes that describe no content)."""
    positions, weights = history_weights(history, snapshot)
    return lift_from_history(
        positions=positions, weights=weights, item_features=snapshot.theme_matrix, item_popularity=snapshot.rating_count
    )


# Publishing -------------------------------------------------------------------------------


def _published_version() -> str | None:
    entry = cache.get(PUBLISHED_KEY)
    return entry[0] if entry else None


def _load_published(version: str | None) -> PublishedModel:
    entry = cache.get(PUBLISHED_KEY) if version else None
    if entry is None:  # nothing in the cache: publish the newest snapshot (or the prior) from the database
        latest = BanditSnapshot.objects.first()
        entry = _publish_snapshot(latest) if latest else _prior_entry()
    return PublishedModel.from_bytes(entry[1])


_published: Refreshed[PublishedModel] = Refreshed(
    "bandit", version=_published_version, load=_load_published, check_seconds=VERSION_CHECK_SECONDS
)


def published_bandit() -> PublishedModel:
    """The bandit model web processes choose with: from the cache, refreshed every few seconds.

    Before the first learning pass it is the prior, so Thompson sampling explores evenly.
    """
    return _published.get()


def published_bandit_forget() -> None:
    _published.forget()


def _prior_entry() -> tuple[str, bytes]:
    params = bandit_params()
    model = publish(state_new(n_themes=len(ALL_THEMES), params=params), params, version="prior")
    return model.version, model.to_bytes()


def _publish_snapshot(snapshot: BanditSnapshot) -> tuple[str, bytes]:
    state = BanditState.from_bytes(bytes(snapshot.state))
    model = publish(state, BanditParams.from_dict(snapshot.params), version=f"b{snapshot.pk}")
    entry = (model.version, model.to_bytes())
    cache.set(PUBLISHED_KEY, entry, None)
    return entry


# Learning ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnStats:
    impressions: int
    clicks: int
    snapshot_id: int | None


@transaction.atomic
def bandit_learn(
    *, lag: timedelta = INGEST_LAG, now: datetime | None = None, publish_to_cache: bool = True
) -> LearnStats:
    """Fold impressions ingested since the last pass, and clicks not yet learned from, then publish.

    `publish_to_cache=False` keeps the result away from the web processes (the simulator replays
    traffic inside a transaction it rolls back, and publishes to itself).
    """
    latest = BanditSnapshot.objects.select_for_update().first()
    params = BanditParams.from_dict(latest.params) if latest else bandit_params()
    state = (
        BanditState.from_bytes(bytes(latest.state)) if latest else state_new(n_themes=len(ALL_THEMES), params=params)
    )
    upper = (now or timezone.now()) - lag
    new = Impression.objects.filter(ingested_at__lte=upper).exclude(theme="")
    if latest and latest.impressions_cursor:
        new = new.filter(ingested_at__gt=latest.impressions_cursor)
    shown = list(new.values_list("profile_id", "theme", "daypart", "device", "ingested_at"))
    clicks = list(
        Event.objects.filter(kind=Event.Kind.CLICK, reward_folded_at__isnull=True, impression_id__isnull=False)
        .select_for_update(skip_locked=True)
        .values_list("pk", "impression_id")
    )
    clicked_rows = {
        row[0]: row[1:]
        for row in Impression.objects.filter(id__in={i for _, i in clicks})
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
    if publish_to_cache:
        transaction.on_commit(lambda: _publish_snapshot(snapshot))
    return LearnStats(len(shown), len(clicked_rows), snapshot.pk)


def _features(space: FeatureSpace, tastes: dict[int, np.ndarray], rows: list[tuple]) -> np.ndarray:
    profiles, themes, dayparts, devices = zip(*rows, strict=True)
    return space.impression_features(
        np.stack([tastes[p] for p in profiles]),
        np.array([THEME_INDEX[t] for t in themes]),
        np.array([DAYPARTS.index(d) for d in dayparts]),
        np.array([DEVICES.index(d) for d in devices]),
    )


def _tastes(profile_ids: set[int]) -> dict[int, np.ndarray]:
    """Theme taste of each profile, computed exactly as the chooser computes it for a page."""
    snapshot = catalog_snapshot()
    return {profile_id: theme_taste(viewer_history(profile_id), snapshot) for profile_id in profile_ids}
