"""The "NN% match" badge as a probability: predicted stars -> P(the viewer rates it >= 4).

Fitted on the inner split (stars predicted by the rating model trained on the inner train part, for
the inner held-out ratings) by isotonic regression (scipy's pool-adjacent-violators), so a higher
prediction never means a lower chance. Stored as knots: each pooled block's mean predicted stars and
its share of ratings >= 4; probabilities in between are interpolated, beyond the ends held flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.optimize import isotonic_regression


@dataclass(frozen=True)
class Calibration:
    stars: np.ndarray  # increasing knot positions (predicted stars)
    probability: np.ndarray  # non-decreasing P(rating >= 4) at each knot

    @classmethod
    def identity(cls) -> Calibration:
        """Without held-out ratings to fit on: stars / 5, the badge as it used to read."""
        return cls(np.array([0.0, 5.0]), np.array([0.0, 1.0]))

    def __call__(self, stars: np.ndarray) -> np.ndarray:
        stars = np.asarray(stars, dtype=np.float64)
        out = np.interp(stars, self.stars, self.probability)
        return np.where(np.isnan(stars), np.nan, out)


def fit_calibration(predicted: np.ndarray, liked: np.ndarray, *, min_ratings: int = 50) -> Calibration:
    """Isotonic fit of liked (0/1) on predicted stars; identity when there are too few ratings."""
    predicted = np.asarray(predicted, dtype=np.float64)
    liked = np.asarray(liked, dtype=np.float64)
    if len(predicted) < min_ratings or liked.min(initial=0) == liked.max(initial=0):
        return Calibration.identity()
    order = np.argsort(predicted, kind="stable")
    x, y = predicted[order], liked[order]
    result = isotonic_regression(y, increasing=True)
    blocks = result.blocks
    centres = np.array([x[start:end].mean() for start, end in pairwise(blocks)])
    values = result.x[blocks[:-1]]
    centres, first = np.unique(centres, return_index=True)  # equal centres share a value
    return Calibration(stars=centres, probability=values[first])


def reliability_table(probability: np.ndarray, liked: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per badge decile [0-10%), ..., [90-100%]: ratings, mean badge, observed share rated >= 4."""
    probability = np.asarray(probability, dtype=np.float64)
    liked = np.asarray(liked, dtype=np.float64)
    index = np.clip((probability * bins).astype(int), 0, bins - 1)
    table = []
    for b in range(bins):
        pick = index == b
        count = int(pick.sum())
        table.append(
            {
                "bin_low": b / bins,
                "bin_high": (b + 1) / bins,
                "n": count,
                "mean_badge": float(probability[pick].mean()) if count else float("nan"),
                "share_liked": float(liked[pick].mean()) if count else float("nan"),
            }
        )
    return table
