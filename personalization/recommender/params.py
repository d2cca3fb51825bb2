"""Hyper-parameters of the recommender and the plain-data viewer it scores, in one frozen place."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

SIGNAL_KINDS = ("play", "thumb_up", "thumb_down", "my_list")
# What an ablation removes: every ranker feature (and candidate generator) belongs to one group.
FEATURE_GROUPS = ("ease", "surprise", "popularity", "content", "viewer")


@dataclass(frozen=True)
class RecommenderParams:
    """Everything `train` and the scoring need to know; the defaults are the tuned setting.

    Tuned on the inner split of the protocol's training part (never on its test rows), see
    `personalization/recommender/__init__.py` for the measurements behind each choice.
    """

    # Rating model: Surprise SVD (biased) on the explicit ratings. Stars for the ranker and the badge.
    n_factors: int = 50
    n_epochs: int = 40
    lr_all: float = 0.007
    reg_all: float = 0.05
    random_state: int = 0
    # ... with at most this many SGD updates (ratings x epochs) per fit: above it, fewer epochs over
    # all the ratings (never fewer than 1). Surprise's SGD is one core, about 1 us per update here;
    # ml-latest-small (100k x 40) and synthetic factor 10 (1M x 40) are under it, factor 50
    # (5M ratings) gets 16 epochs. More data per epoch is more updates per item already.
    rating_max_updates: int = 80_000_000
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
    # ... and at most this many titles, the most watched (EASE costs titles^2 memory, titles^3 time;
    # the ALS/Surprise candidates reach the rest). ml-latest-small has ~2,300 titles above min_count.
    ease_max_items: int = 8000
    # Ranking model from Surprise: SVD (biased=False) on 0/1 interactions, each positive paired with
    # `implicit_negatives` titles sampled by popularity as 0s ("will they pick it", not "how many stars").
    implicit_factors: int = 64
    implicit_epochs: int = 20
    implicit_negatives: int = 3
    implicit_lr: float = 0.005
    implicit_reg: float = 0.02
    # ... fitted on at most this many 0/1 rows (positives + their negatives): above it, a seeded sample
    # of the positives. ml-latest-small has ~320k rows (nothing sampled); synthetic factor 50, 16M
    # rows, would take Surprise's single core ~10 minutes and ~6 GB of Python objects per fit.
    implicit_max_rows: int = 2_000_000
    # The spark engine (`spark_engine`): MLlib ALS for both kinds of factors (rank n_factors on the
    # stars' residuals after biases, rank implicit_factors on the interactions' weights), and EASE
    # from a co-occurrence job kept as each title's item_neighbours strongest weights.
    als_iterations: int = 10
    als_reg: float = 0.1
    als_implicit_reg: float = 0.1
    als_alpha: float = 10.0
    item_neighbours: int = 200
    # Stage 1: each generator's top unseen titles (per viewer) are the ranker's candidates.
    candidates_per_generator: int = 50
    # Stage 2: LightGBM LambdaRank, trained on an inner split (random_state=1) of the training data.
    # The inner split's fifths the ranker learns from, stacked: fold f holds out each viewer's f-th
    # fifth of the seed-1 shuffle (fold 0 is the inner split itself) and refits stage 1 on the rest.
    # 1 (the inner split alone) by default: five folds gave NDCG@10 0.334 against 0.329 on the
    # protocol, inside each other's intervals, for three times the training (README, "The recommender").
    ranker_folds: int = 1
    ranker_rounds: int = 150
    ranker_learning_rate: float = 0.05
    ranker_leaves: int = 7
    ranker_min_data_in_leaf: int = 300
    ranker_l2: float = 10.0
    ranker_seed: int = 0
    ranker_subsample: float = 0.8  # share of rows (bagging) and of features each tree sees
    # Boost from EASE's order: the ranker's score is this times ease_share (the viewer's EASE score
    # over their best one) plus what the trees learn, so features that do not help leave EASE's
    # ranking alone instead of replacing it with a noisier one. 0 = start from nothing.
    ranker_base_weight: float = 3.0
    # LambdaRank is quadratic in a query's size: each viewer's training query keeps their labelled
    # candidates and this many others drawn at random (all candidates are scored at serving time).
    ranker_negatives: int = 100
    # The ranker needs thousands of viewers' queries, not millions. Up to this many viewers, every
    # viewer's inner held-out fifth teaches it and stage 1 is fitted twice (inner part, all data);
    # above it, only a seeded sample of this many viewers (ranker_seed) holds a fifth out, and the
    # inner fit, which then saw every other rating, is the served stage 1's learned models too (with
    # all the data's histories, popularity and trend; `training.reuse_stage_one`). ml-latest-small's
    # 610 viewers are far below it: nothing changes there.
    ranker_max_viewers: int = 3000
    # Labels: 2 for a held-out rating >= like_rating, this for a lower one (watched, not loved), else 0.
    ranker_label_watched: int = 1
    # Feature groups (with the candidates only they generate) left out, for ablations: ("surprise",).
    without: tuple[str, ...] = ()
    # Recency: an item's trend is its share of ratings in the last `trend_days` of the data; "popular
    # then" counts its ratings within `active_window_days` of the viewer's own first and last rating.
    trend_days: float = 365.0
    active_window_days: float = 180.0
    popularity_prior: float = 1e-4  # orders titles outside the candidates by popularity under EASE
    # "Because you watched X": collaborative similarity (cosine of co-watching) blended with content
    # (genres and tags) by how far the seed's collaborative signal can be trusted: the content share
    # is similar_content_shrink / (similar_content_shrink + viewers of the seed). Neighbours with
    # fewer than similar_min_viewers viewers, or a blended similarity below similar_floor, are
    # dropped: the row gets shorter (or goes) rather than filling up with noise.
    similar_content_shrink: float = 5.0
    similar_floor: float = 0.1
    similar_min_viewers: int = 5
    # Fold-in of viewers the rating model has not seen: ridge penalty = per_rating * n + floor.
    fold_in_reg_per_rating: float = 0.1
    fold_in_reg_floor: float = 1.0
    implicit_rating: float = 4.0  # stars assumed for history titles given without a rating

    def __post_init__(self) -> None:
        object.__setattr__(self, "without", tuple(self.without))
        checks = {
            "n_factors must be >= 1": self.n_factors >= 1,
            "n_epochs and rating_max_updates must be >= 1": min(self.n_epochs, self.rating_max_updates) >= 1,
            "lr_all and reg_all must be > 0 and >= 0": self.lr_all > 0 and self.reg_all >= 0,
            "weights must satisfy 0 <= dislike <= okay <= 1": 0 <= self.dislike_weight <= self.okay_weight <= 1,
            "play_weight must be in [0, 1]": 0 <= self.play_weight <= 1,
            "thumb_down_weight must be <= 0": self.thumb_down_weight <= 0,
            "okay_rating must be <= like_rating": self.okay_rating <= self.like_rating,
            "ease_lambda must be > 0": self.ease_lambda > 0,
            "ease_min_count must be >= 1": self.ease_min_count >= 1,
            "ease_max_items must be >= 1": self.ease_max_items >= 1,
            "ALS iterations and item_neighbours must be >= 1": min(self.als_iterations, self.item_neighbours) >= 1,
            "ALS regularisation must be >= 0 and alpha > 0": min(self.als_reg, self.als_implicit_reg) >= 0
            and self.als_alpha > 0,
            "implicit factors and epochs must be >= 1, negatives >= 0": min(self.implicit_factors, self.implicit_epochs)
            >= 1
            and self.implicit_negatives >= 0,
            "implicit_max_rows must be >= 1 + implicit_negatives": self.implicit_max_rows
            >= 1 + self.implicit_negatives,
            "candidates_per_generator must be >= 1": self.candidates_per_generator >= 1,
            "ranker rounds, leaves and min_data_in_leaf must be >= 1": min(
                self.ranker_rounds, self.ranker_leaves, self.ranker_min_data_in_leaf
            )
            >= 1,
            "ranker_folds must be in 1..5": 1 <= self.ranker_folds <= 5,
            "ranker_subsample must be in (0, 1]": 0 < self.ranker_subsample <= 1,
            "ranker_max_viewers must be >= 1": self.ranker_max_viewers >= 1,
            "ranker_base_weight must be >= 0": self.ranker_base_weight >= 0,
            f"without must name groups among {FEATURE_GROUPS}": set(self.without) <= set(FEATURE_GROUPS),
            "popularity_prior must be >= 0": self.popularity_prior >= 0,
            "similar settings must be >= 0": min(
                self.similar_content_shrink, self.similar_floor, self.similar_min_viewers
            )
            >= 0,
            "fold-in penalties must be >= 0 and not both 0": self.fold_in_reg_per_rating >= 0
            and self.fold_in_reg_floor >= 0
            and self.fold_in_reg_per_rating + self.fold_in_reg_floor > 0,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(f"{message}, got {self}")
        numbers = [value for value in asdict(self).values() if isinstance(value, int | float)]
        if not all(math.isfinite(value) for value in numbers):
            raise ValueError(f"parameters must be finite, got {self}")

    def uses(self, group: str) -> bool:
        """Whether a feature group (and the candidates only it generates) is in the ranker."""
        return group not in self.without

    def to_dict(self) -> dict[str, float | int | bool | list[str]]:
        data = asdict(self)
        data["without"] = list(self.without)  # JSON has no tuples
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RecommenderParams:
        """Rebuild from `to_dict()` output, ignoring keys another version may have had."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def surprise_kwargs(self, n_ratings: int | None = None) -> dict[str, float | int | bool]:
        """The arguments of `surprise.SVD` for the rating model (the same in training and in CV);
        given the number of ratings it will learn from, its epochs within `rating_max_updates`."""
        epochs = self.n_epochs
        if n_ratings and n_ratings * epochs > self.rating_max_updates:
            epochs = max(1, self.rating_max_updates // n_ratings)
        return {
            "n_factors": self.n_factors,
            "n_epochs": epochs,
            "lr_all": self.lr_all,
            "reg_all": self.reg_all,
            "random_state": self.random_state,
            "biased": True,
        }

    def implicit_kwargs(self) -> dict[str, float | int | bool]:
        """The arguments of `surprise.SVD` for the ranking model on 0/1 interactions."""
        return {
            "n_factors": self.implicit_factors,
            "n_epochs": self.implicit_epochs,
            "lr_all": self.implicit_lr,
            "reg_all": self.implicit_reg,
            "random_state": self.random_state,
            "biased": False,
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
    `first_active`/`last_active` (epoch seconds) date the viewer's activity for the ranker's time
    features; None means the training data's dates for a known user, else "active now" (the end of
    the training data).
    """

    user: int | None = None
    items: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    ratings: np.ndarray | None = None
    weights: np.ndarray | None = None
    negative_items: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    first_active: float | None = None
    last_active: float | None = None

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
