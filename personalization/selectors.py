"""Reads for building pages: the active recommender and a viewer's history, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personalization.models import Engagement, ModelVersion, Profile, Rating
from personalization.recommender import RecommenderModel, Viewer
from personalization.taste import like_weights
from streamflix.refreshed import Refreshed

VERSION_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class ServingModel:
    version_id: int
    label: str
    trained_at: float  # epoch seconds: history newer than this is folded in at request time
    model: RecommenderModel


def _active_version() -> int:
    """The active version's id (0: none yet), read from the database: the one source of truth.

    It costs one indexed single-row query per process every VERSION_CHECK_SECONDS. A cached copy
    would need publishing after the commit, and a reader in between would disagree with the registry.
    """
    return ModelVersion.objects.active_id()


def _load(version_id: int) -> ServingModel | None:
    if not version_id:
        return None
    # By id, whatever its status now: it was the active one when we looked, and the next look swaps
    # to its successor. (Refusing a just-retired version would fail a process's very first page.)
    version = ModelVersion.objects.get(pk=version_id)
    model = RecommenderModel.load(version.artifact_path)
    trained_at = (version.finished_at or version.created_at).timestamp()
    return ServingModel(version_id=version.pk, label=version.label, trained_at=trained_at, model=model)


_serving: Refreshed[ServingModel | None] = Refreshed(
    "recommender", version=_active_version, load=_load, check_seconds=VERSION_CHECK_SECONDS
)


def active_model() -> ServingModel | None:
    """The active recommender, loaded once per process and swapped when a new version activates.

    Every process looks at the registry at most every VERSION_CHECK_SECONDS and loads a newly
    activated artifact, so no restart is needed. No active version yet: None (popularity rows).
    """
    return _serving.get()


def active_model_forget() -> None:
    """Drop the process's loaded model (tests; after activation in the same process)."""
    _serving.forget()


@dataclass(frozen=True)
class History:
    """A viewer's history as arrays of title ids (what the recommender and the rows need)."""

    rated: np.ndarray  # title ids with stars
    stars: np.ndarray
    liked: np.ndarray  # thumbs up, My List, played, onboarding picks (no stars)
    disliked: np.ndarray  # thumbs down
    my_list: np.ndarray  # in My List, most recent first
    in_progress: np.ndarray  # started, not finished, most recent first
    recent_likes: np.ndarray  # anchors for "Because you watched": newest strong signals first

    @property
    def is_empty(self) -> bool:
        return not (len(self.rated) or len(self.liked) or len(self.disliked))

    @property
    def seen(self) -> np.ndarray:
        return np.unique(np.concatenate([self.rated, self.liked, self.disliked]))

    def viewer(self, user: int | None) -> Viewer:
        """The recommender's input: stars where rated, NaN for the other positive signals."""
        extra = np.setdiff1d(self.liked, self.rated)
        items = np.concatenate([self.rated, extra])
        ratings = np.concatenate([self.stars, np.full(len(extra), np.nan)])
        return Viewer(user=user, items=items, ratings=ratings, negative_items=self.disliked)


def viewer_history(profile: Profile | int) -> History:
    profile_id = profile if isinstance(profile, int) else profile.pk
    rated = list(Rating.objects.filter(profile_id=profile_id).order_by("-rated_at").values_list("title_id", "rating"))
    engagements = list(
        Engagement.objects.filter(profile_id=profile_id)
        .order_by("-updated_at")
        .values_list("title_id", "thumb", "in_my_list", "plays", "progress")
    )
    liked = [t for t, thumb, listed, plays, _ in engagements if thumb > 0 or listed or plays > 0]
    disliked = {t for t, thumb, *_ in engagements if thumb < 0}
    rated_liked = [t for t, stars in rated if stars >= 4.0]
    anchors = list(dict.fromkeys([t for t, thumb, _, plays, _ in engagements if thumb > 0 or plays] + rated_liked))
    return History(
        rated=np.array([t for t, _ in rated if t not in disliked], dtype=np.int64),
        stars=np.array([s for t, s in rated if t not in disliked], dtype=np.float64),
        liked=np.array([t for t in liked if t not in disliked], dtype=np.int64),
        disliked=np.array(sorted(disliked), dtype=np.int64),
        my_list=np.array([t for t, _, listed, _, _ in engagements if listed], dtype=np.int64),
        in_progress=np.array([t for t, _, _, _, progress in engagements if 0 < progress < 0.95], dtype=np.int64),
        recent_likes=np.array([t for t in anchors if t not in disliked], dtype=np.int64),
    )


def history_weights(history: History, snapshot) -> tuple[np.ndarray, np.ndarray]:
    """(snapshot positions, like weights) of a history: stars mapped by `like_weights`, other
    positive signals (thumbs up, My List, plays) count as a full like."""
    weights = np.concatenate([like_weights(history.stars), np.ones(len(history.liked))])
    positions = snapshot.index_of(np.concatenate([history.rated, history.liked]))
    keep = positions >= 0
    return positions[keep], weights[keep]
