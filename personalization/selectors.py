"""Reads for building pages: the active recommender and a viewer's history, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.core.cache import cache

from personalization.models import Engagement, ModelVersion, Profile, Rating
from personalization.recommender import RecommenderModel, Viewer
from personalization.taste import like_weights
from streamflix.refreshed import Refreshed

ACTIVE_MODEL_KEY = "recommender:active"
VERSION_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class ServingModel:
    version_id: int
    label: str
    trained_at: float  # epoch seconds: history newer than this is folded in at request time
    model: RecommenderModel


def _active_version() -> int:
    version_id = cache.get(ACTIVE_MODEL_KEY)
    if version_id is None:  # nobody published one since the cache was cleared: ask the database
        active = ModelVersion.objects.active()
        version_id = active.pk if active else 0
        cache.set(ACTIVE_MODEL_KEY, version_id, None)
    return version_id


def _load(version_id: int) -> ServingModel | None:
    if not version_id:
        return None
    version = ModelVersion.objects.filter(pk=version_id, status=ModelVersion.Status.ACTIVE).first()
    if version is None:
        raise LookupError(f"model version {version_id} is not active (yet)")
    model = RecommenderModel.load(version.artifact_path)
    trained_at = (version.finished_at or version.created_at).timestamp()
    return ServingModel(version_id=version.pk, label=version.label, trained_at=trained_at, model=model)


_serving: Refreshed[ServingModel | None] = Refreshed(
    "recommender", version=_active_version, load=_load, check_seconds=VERSION_CHECK_SECONDS
)


def active_model() -> ServingModel | None:
    """The active recommender, loaded once per process and swapped when a new version activates.

    Activation writes the version id to the cache; every process notices within a few seconds and
    loads the new artifact, so no restart is needed. No active version yet: None (popularity rows).
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
