"""Logged artwork decisions, read back for off-policy evaluation: what each card chose among, with what
probability, in which context (the page view's taste, daypart and device), and whether it was clicked.
Only seen impressions of people: a decision the viewer never saw cannot have been clicked for its artwork,
and the warm-up's simulated sessions are not evidence about people.

`off_policy_report` estimates what a target policy's click-through would have been on them
(personalization.bandit.ope): `uniform` over the logged candidates, `editorial` (the first candidate,
the editor's default), `bandit` (the published bandit with its own probabilities), `top-genre` (the
candidate whose theme the viewer likes most).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from django.db.models import QuerySet

from catalog.models import Artwork
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.bandit import (
    Decisions,
    FeatureSpace,
    PageContext,
    Policy,
    cross_fitted_rewards,
    page_probabilities,
)
from personalization.bandit import off_policy_estimates as estimate
from personalization.context import DAYPARTS, DEVICES
from personalization.models import Experiment, Impression, PageView
from personalization.selectors.experiment_report import counted_impressions, live_impressions, with_outcomes
from personalization.selectors.serving import bandit_params, published_bandit

TARGETS = ("uniform", "editorial", "bandit", "top-genre")
LOGGED_NAMES = {"bandit": "thompson"}  # what --logged-policy may call a policy, as impressions record it
FOLDS = 5


class NoDecisions(ValueError):
    """Nothing to evaluate on (no logged impressions with their candidates in the selection)."""


def logged_impressions(
    *, since: datetime | None = None, experiment: Experiment | None = None, logged_policy: str | None = None
) -> QuerySet[Impression]:
    impressions = counted_impressions(experiment) if experiment else live_impressions()
    impressions = impressions.exclude(candidates="").filter(n_candidates__gte=1)
    if since:
        impressions = impressions.filter(shown_at__gte=since)
    if logged_policy:
        impressions = impressions.filter(policy=LOGGED_NAMES.get(logged_policy, logged_policy))
    return impressions


def off_policy_report(target: str, impressions: QuerySet[Impression], *, resamples: int = 1000, seed: int = 0) -> dict:
    """The IPS, SNIPS, doubly robust and replay estimates of `target`'s CTR on these impressions."""
    if target not in TARGETS:
        raise ValueError(f"unknown policy {target!r}; evaluate one of {', '.join(TARGETS)}")
    log = _read(impressions)
    probabilities = _target_probabilities(target, log)
    rng = np.random.default_rng(seed)
    choice = _sample(probabilities, rng)  # the target's own pick for replay (one draw, seeded)
    decisions = Decisions(
        rewards=log["rewards"],
        shown=log["shown"],
        logged=log["logged"],
        target=probabilities,
        mask=log["mask"],
        clusters=log["clusters"],
        rewards_model=cross_fitted_rewards(
            log["features"], log["mask"], log["shown"], log["rewards"], log["clusters"] % FOLDS
        ),
    )
    return {"policy": target, **estimate(decisions, replay_choice=choice, resamples=resamples, seed=seed)}


def _read(impressions: QuerySet[Impression]) -> dict[str, np.ndarray]:
    rows = list(
        with_outcomes(impressions)
        .order_by("page_view_id", "id")
        .values_list(
            "page_view_id", "artwork_id", "candidates", "candidate_propensities", "clicked", "daypart", "device"
        )
    )
    if not rows:
        raise NoDecisions("no logged impressions with their candidates match (they are logged from this release on)")
    candidates = [[int(a) for a in row[2].split()] for row in rows]
    width = max(map(len, candidates))
    n = len(rows)
    themes = _themes({a for c in candidates for a in c})
    tastes = _tastes({row[0] for row in rows})
    mask = np.zeros((n, width), dtype=bool)
    logged = np.zeros((n, width))
    theme_index = np.zeros((n, width), dtype=np.int64)
    shown = np.zeros(n, dtype=np.int64)
    for i, (row, ids) in enumerate(zip(rows, candidates, strict=True)):
        mask[i, : len(ids)] = True
        logged[i, : len(ids)] = [float(p) for p in row[3].split()]
        theme_index[i, : len(ids)] = [themes.get(a, 0) for a in ids]
        shown[i] = ids.index(row[1]) if row[1] in ids else 0
    page_views, clusters = np.unique([row[0] for row in rows], return_inverse=True)
    taste = np.stack([tastes.get(pv, np.zeros(len(ALL_THEMES))) for pv in page_views])[clusters]
    dayparts = np.array([DAYPARTS.index(row[5]) for row in rows])
    devices = np.array([DEVICES.index(row[6]) for row in rows])
    space = FeatureSpace(len(ALL_THEMES))
    features = np.zeros((n, width, space.d))
    for j in range(width):
        features[:, j] = space.impression_features(taste, theme_index[:, j], dayparts, devices)
    return {
        "rewards": np.array([row[4] for row in rows], dtype=np.float64),
        "shown": shown,
        "logged": logged,
        "mask": mask,
        "themes": theme_index,
        "taste": taste,
        "dayparts": dayparts,
        "devices": devices,
        "clusters": clusters,
        "page_views": page_views,
        "features": features,
        "candidates": candidates,  # each impression's arms as artwork ids (a per-variant bandit scores them)
    }


def _target_probabilities(target: str, log: dict) -> np.ndarray:
    mask = log["mask"]
    if target == "uniform":
        return mask / mask.sum(axis=1, keepdims=True)
    if target == "editorial":
        out = np.zeros(mask.shape)
        out[:, 0] = 1.0
        return out
    if target == "top-genre":
        liked = np.where(mask, np.take_along_axis(log["taste"], log["themes"], axis=1), -np.inf)
        return np.eye(mask.shape[1])[np.argmax(liked, axis=1)]
    model, policy = published_bandit(), Policy("thompson", bandit_params())
    out = np.zeros(mask.shape)
    for cluster in np.unique(log["clusters"]):  # one context per page view
        rows = np.flatnonzero(log["clusters"] == cluster)
        first = rows[0]
        context = PageContext(log["taste"][first], int(log["dayparts"][first]), int(log["devices"][first]))
        cards = [log["themes"][i, mask[i]] for i in rows]
        keys = [tuple(log["candidates"][i]) for i in rows]
        probabilities = page_probabilities(policy, model, context, cards, arm_keys=keys)
        out[rows, : probabilities.shape[1]] = probabilities
    return out


def _sample(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(probabilities))[:, None] * cumulative[:, -1:]
    return (draws >= cumulative).sum(axis=1)


def _themes(artwork_ids: set[int]) -> dict[int, int]:
    """Theme index of each artwork (retired ones included: they were candidates when logged)."""
    return {
        pk: THEME_INDEX[theme]
        for pk, theme in Artwork.objects.filter(pk__in=artwork_ids).values_list("pk", "theme")
        if theme in THEME_INDEX
    }


def _tastes(page_view_ids: set) -> dict:
    return {
        pk: np.frombuffer(bytes(taste), dtype=np.float16).astype(np.float64)
        for pk, taste in PageView.objects.filter(pk__in=page_view_ids).values_list("pk", "taste")
    }
