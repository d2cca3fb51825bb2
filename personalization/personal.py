"""What the recommender and the viewer's history say about one viewer, aligned with the catalog
snapshot's positions: the numbers the row planner and the badges read. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalog.snapshot import CatalogSnapshot
from personalization.history import History
from personalization.page import Card
from personalization.recommender import RecommenderModel
from personalization.rows import ViewerSignals, popularity_scores
from personalization.taste import lift_from_history

BECAUSE_ROWS = 2
BECAUSE_ANCHORS_TRIED = 10
SIMILAR_DEPTH = 60
MATCH_MIN = 60  # below this the "NN% match" badge would put viewers off rather than help
ONBOARDING_GENRES = 8
ONBOARDING_PER_GENRE = 3


@dataclass(frozen=True)
class Tastes:
    """The viewer's log2 lift over genres (snapshot order) and over artwork themes (ALL_THEMES order)."""

    genres: np.ndarray
    themes: np.ndarray


def viewer_tastes(history: History, snapshot: CatalogSnapshot) -> Tastes:
    """Both taste vectors from one pass over the history's likes (row order and artwork share it)."""
    positions, weights = history.like_weights(snapshot)

    def lift(features: np.ndarray) -> np.ndarray:
        return lift_from_history(
            positions=positions, weights=weights, item_features=features, item_popularity=snapshot.rating_count
        )

    return Tastes(genres=lift(snapshot.genre_matrix), themes=lift(snapshot.theme_matrix))


@dataclass(frozen=True)
class Personal:
    """The planner's view of the viewer, plus the match probabilities for the badges."""

    signals: ViewerSignals
    match: np.ndarray | None  # calibrated P(rates it >= 4) per snapshot position (nan where unknown)


def personal_signals(
    *,
    name: str,
    history: History,
    tastes: Tastes,
    snapshot: CatalogSnapshot,
    model: RecommenderModel | None = None,
    alignment: np.ndarray | None = None,
    model_user: int | None = None,
) -> Personal:
    """The viewer's signals for `rows.plan_page`: model scores when there is a model and a history
    (popularity rows otherwise), their lists, and the "Because you watched" neighbours.

    `alignment` is the snapshot position of each model item; `model_user` is the viewer's id in the
    model when its user factors still describe them, None to fold the history in afresh.
    """
    base = ViewerSignals(
        name=name,
        seen=snapshot.positions_of(history.seen),
        genre_affinity=None if history.is_empty else tastes.genres,
        continue_watching=tuple(snapshot.positions_of(history.in_progress).tolist()),
        my_list=tuple(snapshot.positions_of(history.my_list).tolist()),
    )
    if model is None or alignment is None or history.is_empty:
        return Personal(signals=base, match=None)
    viewer = history.viewer(model_user)
    scores = with_unseen_titles(_align(model.scores(viewer), alignment, len(snapshot), fill=-np.inf), snapshot)
    match = _align(model.match_probabilities(viewer), alignment, len(snapshot), fill=np.nan)
    because = []
    for anchor in history.recent_likes[:BECAUSE_ANCHORS_TRIED]:
        anchor_position = snapshot.index_of([anchor])[0]
        if anchor_position < 0:
            continue
        try:
            similar = model.similar_items(int(anchor), k=SIMILAR_DEPTH)
        except KeyError:
            continue  # too new or too rare for the model
        if len(similar) == 0:
            continue  # nothing clears the similarity floor: no row rather than a row of noise
        because.append((int(anchor_position), snapshot.positions_of(similar)))
        if len(because) == BECAUSE_ROWS:
            break
    watched = set(history.watched.tolist())
    liked_only = tuple(a for a, _ in because if int(snapshot.title_ids[a]) not in watched)
    signals = ViewerSignals(
        name=base.name,
        scores=scores,
        genre_affinity=base.genre_affinity,
        seen=base.seen,
        continue_watching=base.continue_watching,
        my_list=base.my_list,
        because=tuple(because),
        liked_only=liked_only,
    )
    return Personal(signals=signals, match=match)


def with_unseen_titles(scores: np.ndarray, snapshot: CatalogSnapshot) -> np.ndarray:
    """Titles the model never saw (added since it trained) rank by popularity, below its picks."""
    unknown = ~np.isfinite(scores)
    if unknown.any():
        floor = np.nanmin(np.where(unknown, np.nan, scores)) if (~unknown).any() else 0.0
        popular = popularity_scores(snapshot)
        scores = scores.copy()
        scores[unknown] = floor - 1.0 + popular[unknown] / (popular.max() + 1e-9) * 0.5
    return scores


def _align(values: np.ndarray, positions: np.ndarray, n: int, *, fill: float) -> np.ndarray:
    out = np.full(n, fill, dtype=np.float64)
    keep = positions >= 0
    out[positions[keep]] = values[keep]
    return out


def match_badges(match: np.ndarray | None, snapshot: CatalogSnapshot, title_ids: list[int]) -> dict[int, int]:
    """ "NN% match" per title: the calibrated chance the viewer rates it 4 stars or more (among
    held-out ratings, about NN% of titles with that badge were), shown only when promising."""
    if match is None or not title_ids:
        return {}
    chances = match[snapshot.index_of(title_ids)]
    return {
        t: min(99, round(100 * p))
        for t, p in zip(title_ids, chances.tolist(), strict=True)
        if np.isfinite(p) and 100 * p >= MATCH_MIN
    }


def onboarding_picks(snapshot: CatalogSnapshot) -> list[int]:
    """Snapshot positions of popular titles across the most watched genres, for "pick three you like"."""
    popular = popularity_scores(snapshot)
    genre_weight = snapshot.rating_count @ snapshot.genre_matrix
    picks: list[int] = []
    for column in np.argsort(-genre_weight)[:ONBOARDING_GENRES]:
        in_genre = np.flatnonzero(snapshot.genre_matrix[:, column])
        ranked = in_genre[np.argsort(-popular[in_genre], kind="stable")]
        for p in ranked:
            if int(p) not in picks:
                picks.append(int(p))
                if sum(1 for q in picks if snapshot.genre_matrix[q, column]) >= ONBOARDING_PER_GENRE:
                    break
    return picks[: ONBOARDING_GENRES * ONBOARDING_PER_GENRE]


def onboarding_cards(snapshot: CatalogSnapshot) -> tuple[Card, ...]:
    """Popular titles across the most watched genres, each with its editorial artwork."""
    return tuple(
        Card.of(snapshot, index, snapshot.default_variant(int(snapshot.title_ids[index])), position=position)
        for position, index in enumerate(onboarding_picks(snapshot))
    )


MORE_LIKE_THIS = 6


def more_like_this(
    title_id: int, snapshot: CatalogSnapshot, model: RecommenderModel | None, *, k: int = MORE_LIKE_THIS
) -> list[int]:
    """Snapshot positions of the k titles most like this one: the recommender's neighbours (as in
    "Because you watched"), topped up with the most popular titles sharing the most genres."""
    index = int(snapshot.index_of([title_id])[0])
    if index < 0:
        return []
    picks: list[int] = []
    if model is not None:
        try:
            picks = [int(p) for p in snapshot.positions_of(model.similar_items(title_id, k=k * 2)) if p != index]
        except KeyError:  # too new or too rare for the model
            picks = []
    if len(picks) < k:
        shared = snapshot.genre_matrix.astype(np.int64) @ snapshot.genre_matrix[index].astype(np.int64)
        order = np.lexsort((-popularity_scores(snapshot), -shared))
        picks += [int(p) for p in order[: k * 4] if p != index and shared[p] > 0 and int(p) not in picks]
    return picks[:k]
