"""Reads for the staff insights pages: how each artwork variant does, and what the bandit picks for whom."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from catalog.models import Artwork, Title
from catalog.selectors import catalog_snapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.bandit import PageContext, Policy, page_probabilities
from personalization.bandit.variants import belief
from personalization.context import DAYPARTS, DEVICES
from personalization.models import BanditSnapshot, Event, Impression, ImpressionDaily, PageView, Rating, RowSnapshot
from personalization.row_order import ROW_KINDS, RowInputs, RowModel, row_matrix
from personalization.rows import NOT_A_GENRE, rules_priority
from personalization.selectors.serving import bandit_params, published_bandit, row_model_prior
from personalization.taste import lift_from_history, like_weights

FAN_LIFT = 1.0  # a "fan" of a theme likes it at least twice as often as everyone does
TASTES_CACHE_SECONDS = 600


def take_rate(clicks: int, impressions: int) -> float | None:
    return clicks / impressions if impressions else None


@dataclass(frozen=True)
class VariantStats:
    artwork: Artwork
    impressions: int
    clicks: int

    @property
    def take_rate(self) -> float | None:
        return take_rate(self.clicks, self.impressions)


@dataclass(frozen=True)
class SourceStats:
    """A title's variants of one source together (generated, uploaded, frame from a video)."""

    source: str
    label: str
    variants: int
    impressions: int
    clicks: int

    @property
    def take_rate(self) -> float | None:
        return take_rate(self.clicks, self.impressions)


@dataclass(frozen=True)
class Segment:
    label: str
    viewers: int
    shares: list[float]  # P(bandit shows variant i) for this segment's average taste, variant order


def variant_stats(title: Title) -> list[VariantStats]:
    """Seen impressions of people and their clicks per variant: raw log plus what retention already rolled
    up (served-not-seen cards and simulated sessions are in neither)."""
    artworks = list(title.artworks.order_by("-is_active", "-is_default", "id"))
    clicked = Event.objects.filter(kind=Event.Kind.CLICK, impression_id=OuterRef("id"))
    raw = (
        Impression.objects.filter(title=title, seen_at__isnull=False, simulated=False)
        .annotate(clicked=Exists(clicked))
        .values("artwork_id")
        .annotate(n=Count("id"), clicks=Count("id", filter=Exists(clicked)))
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in raw:
        counts[row["artwork_id"]][0] += row["n"]
        counts[row["artwork_id"]][1] += row["clicks"]
    for row in (
        ImpressionDaily.objects.filter(title=title, simulated=False)
        .values("artwork_id")
        .annotate(n=Sum("impressions"), clicks=Sum("clicks"))
    ):
        counts[row["artwork_id"]][0] += row["n"]
        counts[row["artwork_id"]][1] += row["clicks"]
    return [VariantStats(a, *counts[a.pk]) for a in artworks]


def stats_by_source(stats: list[VariantStats]) -> list[SourceStats]:
    """Impressions, clicks and take rate per artwork source, once approved video frames have been
    served (empty before: there is nothing to compare yet)."""
    served_frames = any(s.artwork.source == Artwork.Source.FRAME and s.impressions for s in stats)
    if not served_frames:
        return []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in stats:
        totals[row.artwork.source][0] += 1
        totals[row.artwork.source][1] += row.impressions
        totals[row.artwork.source][2] += row.clicks
    labels = dict(Artwork.Source.choices)
    return [SourceStats(source, labels.get(source, source), *totals[source]) for source in labels if source in totals]


def selection_by_segment(title: Title, *, daypart: str = "evening", device: str = "desktop") -> list[Segment]:
    """For fans of each of the title's themes (and for everyone): the bandit's current pick shares."""
    artworks = list(title.artworks.active().order_by("-is_default", "id"))
    if not artworks:
        return []
    arms = [np.array([THEME_INDEX[a.theme] for a in artworks], dtype=np.int64)]
    keys = [tuple(a.pk for a in artworks)]  # a per-variant bandit scores each artwork by its own offset
    tastes = sample_tastes()
    segments = [("Everyone", np.ones(len(tastes), dtype=bool))]
    for artwork in artworks:
        column = THEME_INDEX[artwork.theme]
        fans = tastes[:, column] >= FAN_LIFT
        if fans.any():
            segments.append((f"{artwork.theme.capitalize()} fans", fans))
    policy = Policy("thompson", bandit_params())
    model = published_bandit()
    out = []
    for label, members in segments:
        context = PageContext.from_labels(tastes[members].mean(axis=0), daypart=daypart, device=device)
        shares = page_probabilities(policy, model, context, arms, arm_keys=keys)[0][: len(artworks)]
        out.append(Segment(label, int(members.sum()), [float(s) for s in shares]))
    return out


def sample_tastes() -> np.ndarray:
    """Theme taste of every profile with ratings, as the chooser computes it (cached ten minutes)."""
    cached = cache.get("insights:tastes")
    if cached is not None:
        return np.array(cached)
    snapshot = catalog_snapshot()
    rows = np.array(list(Rating.objects.values_list("profile_id", "title_id", "rating")), dtype=np.float64)
    if not len(rows):
        return np.zeros((1, snapshot.theme_matrix.shape[1]))
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    positions = snapshot.index_of(rows[:, 1].astype(np.int64))
    weights = like_weights(rows[:, 2])
    starts = np.flatnonzero(np.r_[True, rows[1:, 0] != rows[:-1, 0]])
    tastes = []
    for start, end in zip(starts, [*starts[1:], len(rows)], strict=True):
        keep = positions[start:end] >= 0
        tastes.append(
            lift_from_history(
                positions=positions[start:end][keep],
                weights=weights[start:end][keep],
                item_features=snapshot.theme_matrix,
                item_popularity=snapshot.rating_count,
            )
        )
    result = np.array(tastes)
    cache.set("insights:tastes", result.tolist(), TASTES_CACHE_SECONDS)
    return result


@dataclass(frozen=True)
class CtrSeries:
    labels: list[str]  # x axis
    series: dict[str, list[float | None]]  # policy -> CTR per bucket
    impressions: dict[str, int]
    clicks: dict[str, int]


def live_ctr_by_hour(*, days: int = 7) -> CtrSeries:
    """CTR per hour (clicks per seen impression) of the bandit against the uniform-random control (and any
    other policy) on live traffic (people, not the warm-up's simulated sessions)."""
    since = timezone.now() - timedelta(days=days)
    clicked = Event.objects.filter(kind=Event.Kind.CLICK, impression_id=OuterRef("id"))
    rows = (
        Impression.objects.filter(shown_at__gte=since, seen_at__isnull=False, simulated=False)
        .annotate(hour=TruncHour("shown_at"))
        .values("hour", "policy")
        .annotate(n=Count("id"), clicks=Count("id", filter=Exists(clicked)))
        .order_by("hour")
    )
    hours: list = []
    table: dict[str, dict] = defaultdict(dict)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if not hours or hours[-1] != row["hour"]:
            hours.append(row["hour"])
        table[row["policy"]][row["hour"]] = row["clicks"] / row["n"]
        totals[row["policy"]][0] += row["n"]
        totals[row["policy"]][1] += row["clicks"]
    return CtrSeries(
        labels=[timezone.localtime(h).strftime("%d %b %H:00") for h in hours],
        series={policy: [values.get(h) for h in hours] for policy, values in table.items()},
        impressions={p: t[0] for p, t in totals.items()},
        clicks={p: t[1] for p, t in totals.items()},
    )


# The bandit's belief ------------------------------------------------------------------------------

BELIEF_Z = 1.645  # a 90% credible interval


@dataclass(frozen=True)
class ThemeBelief:
    """What the published bandit believes one theme's artwork earns per seen impression (its reward: a
    click, a play or a quality play), with a 90% credible interval: for a viewer with no lean (taste 0)
    and for a fan of the theme (twice as keen as everyone)."""

    theme: str
    mean: float
    low: float
    high: float
    fan_mean: float
    fan_low: float
    fan_high: float


def bandit_beliefs(*, daypart: str = "evening", device: str = "desktop") -> list[ThemeBelief]:
    """Every theme's posterior mean and interval in a context, best first, of the score the bandit ranks by:
    the click model's own scale (a mean may dip below zero where data are few), or, when it learns a
    play, P(click) x P(play | click) with a delta-method interval."""
    model = published_bandit()
    n = model.n_themes
    themes = np.arange(n)
    columns = []
    for lean in (0.0, FAN_LIFT):
        x = model.space.features(np.full(n, lean), themes, DAYPARTS.index(daypart), DEVICES.index(device))
        mean, sd = belief(model, x)
        columns.append((mean, mean - BELIEF_Z * sd, mean + BELIEF_Z * sd))
    (mean, low, high), (fan, fan_low, fan_high) = columns
    beliefs = [
        ThemeBelief(ALL_THEMES[k], *(float(v[k]) for v in (mean, low, high, fan, fan_low, fan_high)))
        for k in range(min(n, len(ALL_THEMES)))
    ]
    return sorted(beliefs, key=lambda b: -b.mean)


def bandit_summary() -> dict:
    """What the serving bandit learned from: seen impressions and rewards folded, the reward, and how much of
    it was the warm-up's simulated sessions (labelled apart on the page)."""
    latest = BanditSnapshot.objects.first()
    simulated = Impression.objects.filter(simulated=True, seen_at__isnull=False)
    return {
        "learned_at": latest.created_at if latest else None,
        "impressions": latest.impressions_folded if latest else 0,
        "rewards": latest.clicks_folded if latest else 0,
        "reward": latest.reward if latest else settings.STREAMFLIX_BANDIT_REWARD,
        "reward_setting": settings.STREAMFLIX_BANDIT_REWARD,
        "warm_up": {
            "impressions": simulated.count(),
            "page_views": PageView.objects.filter(simulated=True).count(),
        },
    }


@dataclass(frozen=True)
class RowEffect:
    """One row's predicted engagement (click rate of its seen cards) in a context: learned against the prior."""

    label: str
    rules: float  # the rules' priority (no viewer taste)
    prior: float  # the prior's prediction (the rules' order)
    learned: float  # the live model's prediction
    rules_rank: int
    learned_rank: int


ROW_EFFECT_GENRES = 6  # the genre rows the learned model rates highest in the context, besides every other kind


def row_effects(*, daypart: str = "evening", device: str = "desktop") -> dict | None:
    """What the live row model learned for a context: each row kind's and the top genre rows' predicted
    engagement by the saved model against the rules prior (for a viewer with no genre lean), ranked both
    ways, and how many rows, seen cards and clicks it learned from. None before the first learning pass."""
    latest = RowSnapshot.objects.first()
    if latest is None:
        return None
    genres = tuple(catalog_snapshot().genre_names)
    model = RowModel.from_bytes(bytes(latest.state))  # the newest, whatever a web process has loaded yet
    prior = row_model_prior(genres)
    stale = model.space.genres != genres
    model = prior if stale else model
    rows = [(kind.replace("_", " "), RowInputs(kind, "", 0.0, 0.0)) for kind in ROW_KINDS if kind != "genre"]
    rows += [(f"{genre} (genre)", RowInputs("genre", genre, 0.0, 0.0)) for genre in genres if genre not in NOT_A_GENRE]
    rows = [(label, replace(i, rules=rules_priority(i.kind, i.genre, daypart, device).total)) for label, i in rows]
    x = row_matrix(model.space, [i for _, i in rows], daypart, device)
    learned, expected = model.scores(x), prior.scores(x)
    rules_rank = {k: r + 1 for r, k in enumerate(np.argsort(-np.array([i.rules for _, i in rows]), kind="stable"))}
    learned_rank = {k: r + 1 for r, k in enumerate(np.argsort(-learned, kind="stable"))}
    effects = [
        RowEffect(label, i.rules, float(expected[k]), float(learned[k]), rules_rank[k], learned_rank[k])
        for k, (label, i) in enumerate(rows)
    ]
    kinds = [e for e, (_, i) in zip(effects, rows, strict=True) if i.kind != "genre"]
    genre_rows = sorted((e for e in effects if e not in kinds), key=lambda e: -e.learned)[:ROW_EFFECT_GENRES]
    return {
        "effects": sorted(kinds + genre_rows, key=lambda e: e.learned_rank),
        "rows": latest.rows_folded,
        "cards": latest.cards_folded,
        "clicks": latest.clicks_folded,
        "learned_at": latest.created_at,
        "stale": stale,  # learned over another genre vocabulary: the next pass starts again
        "policy": settings.ROW_POLICY,
    }
