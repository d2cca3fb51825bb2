"""The rating model: Surprise SVD (biased) on the stars, kept as plain arrays for vectorised scoring.

Surprise fits it; after that the learned mu, b_u, b_i, p_u, q_i are copied into arrays aligned with the
recommender's own user and item indices, so predicting every title for a viewer is one matrix-vector
product (Surprise's `predict()` is one Python call per pair, far too slow for a homepage).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from surprise import SVD, Dataset, Reader

from personalization.recommender import blas
from personalization.recommender.interactions import stored_pairs

RATING_SCALE = (0.5, 5.0)


@dataclass(frozen=True)
class RatingFactors:
    """Learned parameters of the biased SVD: r_hat(u, i) = mu + b_u + b_i + q_i . p_u.

    Items Surprise never saw have b_i = 0 and q_i = 0, and users it never saw have user_known False,
    which is exactly how Surprise itself falls back for unknown ids.
    """

    global_mean: float
    user_bias: np.ndarray  # (n_users,)
    user_factors: np.ndarray  # (n_users, n_factors)
    user_known: np.ndarray  # (n_users,) bool: learned factors exist
    item_bias: np.ndarray  # (n_items,)
    item_factors: np.ndarray  # (n_items, n_factors)

    @functools.cached_property
    def _item_factors_by_factor(self) -> np.ndarray:
        return np.ascontiguousarray(self.item_factors.T)

    def estimates(self, user_bias: float | np.ndarray, user_factors: np.ndarray) -> np.ndarray:
        """Unclipped predicted stars of every item: (n_items,) for one viewer, (n, n_items) for n viewers."""
        user_bias = np.asarray(user_bias, dtype=np.float64)
        if user_factors.ndim == 1:  # one viewer: one BLAS thread on the transposed copy (see `blas`)
            products = blas.matvec(self._item_factors_by_factor, user_factors)
        else:
            products = user_factors @ self.item_factors.T
        return self.global_mean + user_bias[..., None] + self.item_bias + products

    def fold_in(
        self, positions: np.ndarray, stars: np.ndarray, *, reg_per_rating: float, reg_floor: float
    ) -> tuple[float, np.ndarray]:
        """b_u and p_u of a viewer the model was not trained on, from their stars, without retraining.

        Ridge regression of (stars - mu - b_i) on [1, q_i] with the item side frozen; the penalty grows
        with the number of ratings the way Surprise's per-rating SGD regularisation does. On the
        protocol split this fold-in predicts held-out stars as well as the SGD-learned user factors.
        """
        n_factors = self.item_factors.shape[1]
        if len(positions) == 0:
            return 0.0, np.zeros(n_factors)
        design = np.hstack([np.ones((len(positions), 1)), self.item_factors[positions]])
        target = np.asarray(stars, dtype=np.float64) - self.global_mean - self.item_bias[positions]
        penalty = reg_per_rating * len(positions) + reg_floor
        if len(positions) <= n_factors:
            # Same ridge solution through the smaller n x n system (onboarding: three picks).
            kernel = design @ design.T + penalty * np.eye(len(positions))
            solution = design.T @ np.linalg.solve(kernel, target)
        else:
            gram = design.T @ design + penalty * np.eye(n_factors + 1)
            solution = np.linalg.solve(gram, design.T @ target)
        return float(solution[0]), solution[1:]


def fit_rating_model(
    rows: pd.DataFrame, user_ids: np.ndarray, item_ids: np.ndarray, surprise_kwargs: dict
) -> tuple[RatingFactors, SVD]:
    """Fit Surprise's SVD on (user, item, rating) rows and align its parameters with our indices.

    Returns the fitted Surprise estimator too, so callers (and tests) can compare with `predict()`.
    """
    data = Dataset.load_from_df(rows[["user", "item", "rating"]], Reader(rating_scale=RATING_SCALE))
    trainset = data.build_full_trainset()
    algo = SVD(**surprise_kwargs)
    algo.fit(trainset)
    user_pos = _positions(user_ids, [trainset.to_raw_uid(inner) for inner in trainset.all_users()])
    item_pos = _positions(item_ids, [trainset.to_raw_iid(inner) for inner in trainset.all_items()])
    n_factors = algo.pu.shape[1]
    user_bias, user_factors = np.zeros(len(user_ids)), np.zeros((len(user_ids), n_factors))
    item_bias, item_factors = np.zeros(len(item_ids)), np.zeros((len(item_ids), n_factors))
    user_known = np.zeros(len(user_ids), dtype=bool)
    user_bias[user_pos], user_factors[user_pos], user_known[user_pos] = algo.bu, algo.pu, True
    item_bias[item_pos], item_factors[item_pos] = algo.bi, algo.qi
    factors = RatingFactors(
        global_mean=float(trainset.global_mean),
        user_bias=user_bias,
        user_factors=user_factors,
        user_known=user_known,
        item_bias=item_bias,
        item_factors=item_factors,
    )
    return factors, algo


def _positions(sorted_ids: np.ndarray, raw: list) -> np.ndarray:
    raw_array = np.asarray(raw, dtype=np.int64)
    positions = np.searchsorted(sorted_ids, raw_array)
    if len(raw_array) and (positions.max() >= len(sorted_ids) or np.any(sorted_ids[positions] != raw_array)):
        raise ValueError("the rating model saw ids the recommender's index does not have")
    return positions


@dataclass(frozen=True)
class ImplicitFactors:
    """Surprise SVD (biased=False) fitted on 0/1 "picked it" data: score(u, i) = p_u . q_i."""

    user_factors: np.ndarray  # (n_users, n_factors), zeros for users it never saw
    user_known: np.ndarray  # (n_users,) bool
    item_factors: np.ndarray  # (n_items, n_factors)

    def fold_in(self, positions: np.ndarray, *, reg: float) -> np.ndarray:
        """p_u of a viewer it was not trained on: ridge regression of 1s on their titles' q_i."""
        n_factors = self.item_factors.shape[1]
        if len(positions) == 0:
            return np.zeros(n_factors)
        design = self.item_factors[positions]
        gram = design.T @ design + reg * (len(positions) + 1) * np.eye(n_factors)
        return np.linalg.solve(gram, design.sum(axis=0))


def fit_implicit_model(
    positives: sp.csr_matrix,
    user_ids: np.ndarray,
    item_ids: np.ndarray,
    *,
    negatives_per_positive: int,
    kwargs: dict,
    max_rows: int | None = None,
) -> ImplicitFactors:
    """Surprise's SVD as a ranking model: each (user, title) with any positive interaction is a 1,
    and `negatives_per_positive` titles per positive, drawn in proportion to popularity among those
    the user never touched, are 0s (popularity sampling teaches "not this blockbuster, this one").

    `max_rows` bounds the 0/1 data (Surprise's single-threaded SGD and its Python-object trainset
    grow with it, ~0.35 GB per million rows): when positives x (1 + negatives_per_positive) would
    exceed it, a seeded uniform sample of the positives, each with its negatives, is what it learns
    from (the negatives' popularity distribution still comes from every positive). Viewers the sample
    leaves without a positive are unknown to it and folded in at scoring time, like any new viewer.
    Under the budget nothing is sampled: the same data, the same model."""
    rows, cols = stored_pairs(positives)
    rng = np.random.default_rng(kwargs.get("random_state", 0))
    counts = np.bincount(cols, minlength=len(item_ids)).astype(np.float64)
    if max_rows is not None and len(rows) * (1 + negatives_per_positive) > max_rows:
        sampler = np.random.default_rng([kwargs.get("random_state", 0), 1])
        keep = np.sort(sampler.choice(len(rows), size=max_rows // (1 + negatives_per_positive), replace=False))
        rows, cols = rows[keep], cols[keep]
    draws = len(rows) * negatives_per_positive
    if draws and counts.sum() > 0:
        negative_rows = np.repeat(rows, negatives_per_positive)
        negative_cols = rng.choice(len(item_ids), size=draws, p=counts / counts.sum())
        keys = negative_rows.astype(np.int64) * len(item_ids) + negative_cols
        taken = rows.astype(np.int64) * len(item_ids) + cols
        _, first = np.unique(keys, return_index=True)
        keep = np.sort(first)
        keep = keep[~np.isin(keys[keep], taken)]
        negative_rows, negative_cols = negative_rows[keep], negative_cols[keep]
    else:
        negative_rows = negative_cols = np.empty(0, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "user": user_ids[np.concatenate([rows, negative_rows])],
            "item": item_ids[np.concatenate([cols, negative_cols])],
            "rating": np.concatenate([np.ones(len(rows)), np.zeros(len(negative_rows))]),
        }
    )
    n_factors = int(kwargs["n_factors"])
    user_factors, item_factors = np.zeros((len(user_ids), n_factors)), np.zeros((len(item_ids), n_factors))
    user_known = np.zeros(len(user_ids), dtype=bool)
    if len(frame):
        trainset = Dataset.load_from_df(frame, Reader(rating_scale=(0, 1))).build_full_trainset()
        algo = SVD(**kwargs)
        algo.fit(trainset)
        user_pos = _positions(user_ids, [trainset.to_raw_uid(inner) for inner in trainset.all_users()])
        item_pos = _positions(item_ids, [trainset.to_raw_iid(inner) for inner in trainset.all_items()])
        user_factors[user_pos], user_known[user_pos] = algo.pu, True
        item_factors[item_pos] = algo.qi
    return ImplicitFactors(user_factors=user_factors, user_known=user_known, item_factors=item_factors)
