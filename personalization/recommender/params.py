"""Hyper-parameters of the recommender and the plain-data viewer it scores, in one frozen place."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

SIGNAL_KINDS = ("play", "thumb_up", "thumb_down", "my_list")


@dataclass(frozen=True)
class RecommenderParams:
    """Everything `train` and the scoring need to know; the defaults are the tuned setting.

    Tuned on inner splits of the protocol's training part (never on its test rows), see
    `personalization/recommender/__init__.py` for the measurements behind each choice.
    """

    # Rating model: Surprise SVD (biased) on the explicit ratings. Also the "NN% match" badge.
    n_factors: int = 50
    n_epochs: int = 40
    lr_all: float = 0.007
    reg_all: float = 0.05
    random_state: int = 0
    # Thumbs become pseudo-ratings for the rating model where the viewer gave no stars.
    thumb_up_rating: float = 4.5
    thumb_down_rating: float = 1.0
    # How much each interaction says "more like this" to the item model (weights in [0, 1]).
    like_rating: float = 4.0  # stars >= this: weight 1
    okay_rating: float = 3.0  # stars in [okay_rating, like_rating): okay_weight, below: dislike_weight
    okay_weight: float = 0.75
    dislike_weight: float = 0.25
    play_weight: float = 0.75  # watched, liking unknown: like an "okay" rating
    thumb_down_weight: float = -1.0  # input weight of a thumbed-down title when scoring a viewer
    # Item model: EASE (closed-form item-item regression), on titles with enough interactions.
    ease_lambda: float = 200.0
    ease_min_count: int = 10
    # Blend: item-model score times the rating model's "will like it" gate.
    rating_gate: bool = True  # False = ablation without Surprise (item model + popularity only)
    gate_center: float = 2.0  # predicted stars where the gate is 0.5
    gate_scale: float = 1.0  # stars per e-fold of the gate's logistic curve
    popularity_prior: float = 1e-4  # breaks ties among titles the item model cannot score
    # "Because you watched X": cosine of Surprise's item factors (taste), plus co-watching from the
    # item model scaled to [0, similar_cowatch_weight] (so the neighbours are also what fans watch),
    # among titles with at least similar_min_viewers viewers (rare titles have noisy factors).
    similar_cowatch_weight: float = 1.0
    similar_min_viewers: int = 20
    # Fold-in of viewers the rating model has not seen: ridge penalty = per_rating * n + floor.
    fold_in_reg_per_rating: float = 0.1
    fold_in_reg_floor: float = 1.0
    implicit_rating: float = 4.0  # stars assumed for history titles given without a rating

    def __post_init__(self) -> None:
        checks = {
            "n_factors must be >= 1": self.n_factors >= 1,
            "n_epochs must be >= 1": self.n_epochs >= 1,
            "lr_all and reg_all must be > 0 and >= 0": self.lr_all > 0 and self.reg_all >= 0,
            "weights must satisfy 0 <= dislike <= okay <= 1": 0 <= self.dislike_weight <= self.okay_weight <= 1,
            "play_weight must be in [0, 1]": 0 <= self.play_weight <= 1,
            "thumb_down_weight must be <= 0": self.thumb_down_weight <= 0,
            "okay_rating must be <= like_rating": self.okay_rating <= self.like_rating,
            "ease_lambda must be > 0": self.ease_lambda > 0,
            "ease_min_count must be >= 1": self.ease_min_count >= 1,
            "gate_scale must be > 0": self.gate_scale > 0,
            "popularity_prior must be >= 0": self.popularity_prior >= 0,
            "similar_cowatch_weight and similar_min_viewers must be >= 0": self.similar_cowatch_weight >= 0
            and self.similar_min_viewers >= 0,
            "fold-in penalties must be >= 0 and not both 0": self.fold_in_reg_per_rating >= 0
            and self.fold_in_reg_floor >= 0
            and self.fold_in_reg_per_rating + self.fold_in_reg_floor > 0,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(f"{message}, got {self}")
        numbers = [value for value in asdict(self).values() if not isinstance(value, bool)]
        if not all(math.isfinite(value) for value in numbers):
            raise ValueError(f"parameters must be finite, got {self}")

    def to_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, float | int | bool]) -> RecommenderParams:
        """Rebuild from `to_dict()` output, ignoring keys a newer version may have added."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def surprise_kwargs(self) -> dict[str, float | int]:
        """The arguments of `surprise.SVD` for the rating model (the same in training and in CV)."""
        return {
            "n_factors": self.n_factors,
            "n_epochs": self.n_epochs,
            "lr_all": self.lr_all,
            "reg_all": self.reg_all,
            "random_state": self.random_state,
            "biased": True,
        }


def _ids(values: object) -> np.ndarray:
    return np.asarray(values if values is not None else [], dtype=np.int64).reshape(-1)


@dataclass(frozen=True)
class Viewer:
    """Who is being scored, as plain arrays of raw item ids.

    `user` picks the rating model's learned factors when the model was trained on that user; leave it
    None (or use an id the model has not seen) to fold the history in instead, which is what a new
    profile, or one with new interactions since the model was trained, needs.
    `items` is the positive history (rated, played, thumbed up, listed), `ratings` its stars (NaN where
    unrated), `weights` optional item-model input weights that override the ones derived from `ratings`,
    and `negative_items` the thumbed-down titles, which are pushed to the bottom and never recommended.
    """

    user: int | None = None
    items: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    ratings: np.ndarray | None = None
    weights: np.ndarray | None = None
    negative_items: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def __post_init__(self) -> None:
        items = _ids(self.items)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "negative_items", _ids(self.negative_items))
        for name in ("ratings", "weights"):
            value = getattr(self, name)
            if value is None:
                continue
            array = np.asarray(value, dtype=np.float64).reshape(-1)
            if array.shape != items.shape:
                raise ValueError(f"{name} must align with items: {array.shape} != {items.shape}")
            object.__setattr__(self, name, array)
        if self.weights is not None and not np.all(np.isfinite(self.weights)):
            raise ValueError("weights must be finite")
