"""A viewer's history as arrays of title ids, and what it weighs as "likes". Pure.

`personalization.selectors.viewers.viewer_history` reads it from the database; the recommender,
the row planner, the taste vectors and the bandit's context all start from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from catalog.snapshot import CatalogSnapshot
from personalization.recommender import Viewer
from personalization.taste import LIKED_RATING, like_weights

FINISHED_AT = 0.95  # a title watched this far is done: it leaves Continue Watching


def in_progress(progress: float) -> bool:
    """Started and not finished: what Continue Watching shows."""
    return 0.0 < progress < FINISHED_AT


@dataclass(frozen=True)
class History:
    """What one viewer did, newest first where order matters."""

    rated: np.ndarray  # title ids with stars
    stars: np.ndarray
    liked: np.ndarray  # thumbs up, My List, played, onboarding picks (no stars)
    disliked: np.ndarray  # thumbs down
    my_list: np.ndarray  # in My List, most recent first
    in_progress: np.ndarray  # started, not finished, most recent first
    recent_likes: np.ndarray  # anchors for "Because you watched": newest strong signals first
    played: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # pressed Play at least once
    progress: np.ndarray = field(default_factory=lambda: np.zeros(0))  # how far, for each of `in_progress`

    @property
    def is_empty(self) -> bool:
        return not (len(self.rated) or len(self.liked) or len(self.disliked))

    @property
    def watched(self) -> np.ndarray:
        """Titles the viewer rated or played (a thumbs-up or an onboarding pick alone is a like, not a watch)."""
        return np.union1d(self.rated, self.played)

    @property
    def seen(self) -> np.ndarray:
        return np.unique(np.concatenate([self.rated, self.liked, self.disliked]))

    def viewer(self, user: int | None) -> Viewer:
        """The recommender's input: stars where rated, NaN for the other positive signals."""
        extra = np.setdiff1d(self.liked, self.rated)
        items = np.concatenate([self.rated, extra])
        ratings = np.concatenate([self.stars, np.full(len(extra), np.nan)])
        return Viewer(user=user, items=items, ratings=ratings, negative_items=self.disliked)

    def like_weights(self, snapshot: CatalogSnapshot) -> tuple[np.ndarray, np.ndarray]:
        """(snapshot positions, like weights): stars mapped by `taste.like_weights`, the other
        positive signals (thumbs up, My List, plays) count as a full like."""
        weights = np.concatenate([like_weights(self.stars), np.ones(len(self.liked))])
        positions = snapshot.index_of(np.concatenate([self.rated, self.liked]))
        keep = positions >= 0
        return positions[keep], weights[keep]


def history_from_rows(
    ratings: list[tuple[int, float]], engagements: list[tuple[int, int, bool, int, float]]
) -> History:
    """A History from (title id, stars) newest first and (title id, thumb, in My List, plays, progress)
    most recently updated first."""
    liked = [t for t, thumb, listed, plays, _ in engagements if thumb > 0 or listed or plays > 0]
    disliked = {t for t, thumb, *_ in engagements if thumb < 0}
    rated_liked = [t for t, stars in ratings if stars >= LIKED_RATING]
    anchors = list(dict.fromkeys([t for t, thumb, _, plays, _ in engagements if thumb > 0 or plays] + rated_liked))
    return History(
        rated=np.array([t for t, _ in ratings if t not in disliked], dtype=np.int64),
        stars=np.array([s for t, s in ratings if t not in disliked], dtype=np.float64),
        liked=np.array([t for t in liked if t not in disliked], dtype=np.int64),
        disliked=np.array(sorted(disliked), dtype=np.int64),
        my_list=np.array([t for t, _, listed, _, _ in engagements if listed], dtype=np.int64),
        in_progress=np.array([t for t, *_, progress in engagements if in_progress(progress)], dtype=np.int64),
        recent_likes=np.array([t for t in anchors if t not in disliked], dtype=np.int64),
        played=np.array([t for t, _, _, plays, _ in engagements if plays > 0], dtype=np.int64),
        progress=np.array([progress for *_, progress in engagements if in_progress(progress)], dtype=np.float64),
    )
