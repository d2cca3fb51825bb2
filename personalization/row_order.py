"""Row order learned from logs: a Bayesian model of row engagement and Plackett-Luce exploration. Pure.

The hand-written context boosts of `rows` (DEVICE_BOOST, DAYPART_BOOST, DAYPART_GENRE_BOOST) are
the `rules` row policy and this model's prior. The model predicts the click rate of a row's seen
cards from

    x = [onehot(kind) | onehot(kind) x onehot(device) | onehot(genre) x onehot(daypart) |
         onehot(genre) x onehot(device) | genre taste | rules priority | onehot(row position)]

(the genre parts are zero for rows that are not genre rows; `genre taste` is the viewer's log2 lift
for the row's genre, clipped to +-2). A ridge regression keeps additive sufficient statistics, like
the artwork bandit: each seen card of a row adds x x' and its click adds x. Its prior mean puts
PRIOR_RULES_WEIGHT on the rules' priority, so a cold model orders rows as the rules do, and data
moves it. The row position columns absorb the attention a row gets from where it was shown (a
position-based model): they are fitted but left out of the score that orders the rows.

Exploration: the order is drawn from a Plackett-Luce distribution over exp(score / temperature);
the logged propensity of an order of n rows is the exact PL probability
prod_i exp(s_i / t) / sum_{j >= i} exp(s_j / t). The temperature is small against the score gaps
between row kinds, so the top rows stay where a viewer expects them and near-ties swap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from personalization.context import DAYPARTS, DEVICES

ROW_KINDS = ("continue", "my_list", "top_picks", "popular", "because", "top10", "trending", "new", "genre")
MAX_POSITIONS = 16
PRIOR_RULES_WEIGHT = 0.05  # click rate per unit of rules priority before any data
PRIOR_PRECISION = 200.0  # ridge precision (pseudo-impressions) around the prior mean
TEMPERATURE = 0.004  # Plackett-Luce temperature, in click-rate units


@dataclass(frozen=True)
class RowSpace:
    genres: tuple[str, ...]

    @property
    def d(self) -> int:
        k, g = len(ROW_KINDS), len(self.genres)
        return k + k * len(DEVICES) + g * len(DAYPARTS) + g * len(DEVICES) + 2 + MAX_POSITIONS

    @property
    def rules_column(self) -> int:
        return self.d - MAX_POSITIONS - 1

    def features(
        self, kind: str, genre: str, taste: float, rules: float, daypart: str, device: str, position: int | None
    ) -> np.ndarray:
        x = np.zeros(self.d)
        k, g = len(ROW_KINDS), len(self.genres)
        kind_index = ROW_KINDS.index(kind) if kind in ROW_KINDS else None
        dp, dv = DAYPARTS.index(daypart), DEVICES.index(device)
        if kind_index is not None:
            x[kind_index] = 1.0
            x[k + kind_index * len(DEVICES) + dv] = 1.0
        start = k + k * len(DEVICES)
        if genre in self.genres:
            gi = self.genres.index(genre)
            x[start + gi * len(DAYPARTS) + dp] = 1.0
            x[start + g * len(DAYPARTS) + gi * len(DEVICES) + dv] = 1.0
            x[self.rules_column - 1] = float(np.clip(taste, -2.0, 2.0))
        x[self.rules_column] = rules
        if position is not None:
            x[self.d - MAX_POSITIONS + min(position, MAX_POSITIONS - 1)] = 1.0
        return x


@dataclass
class RowModel:
    """Ridge regression of row engagement with additive sufficient statistics."""

    space: RowSpace
    precision: np.ndarray = field(default=None)  # type: ignore[assignment]
    moment: np.ndarray = field(default=None)  # type: ignore[assignment]
    theta: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        d = self.space.d
        if self.precision is None:
            self.precision = PRIOR_PRECISION * np.eye(d)
            prior = np.zeros(d)
            prior[self.space.rules_column] = PRIOR_RULES_WEIGHT
            self.moment = PRIOR_PRECISION * prior  # A^-1 b starts at the prior mean
        self.refit()

    def fold(self, x: np.ndarray, seen: np.ndarray, clicks: np.ndarray) -> None:
        """Rows shown: their features (n, d), seen cards and clicks in each."""
        x = np.asarray(x, dtype=np.float64)
        self.precision = self.precision + (x * np.asarray(seen, dtype=np.float64)[:, None]).T @ x
        self.moment = self.moment + x.T @ np.asarray(clicks, dtype=np.float64)

    def refit(self) -> None:
        self.theta = np.linalg.solve(self.precision, self.moment)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Predicted engagement of rows (features with no position): what orders them."""
        return np.asarray(x) @ self.theta


def plackett_luce(scores: np.ndarray, temperature: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """An order drawn from PL(exp(scores / temperature)) and its exact probability."""
    scores = np.asarray(scores, dtype=np.float64)
    if not len(scores):
        return np.zeros(0, dtype=np.intp), 1.0
    # Gumbel-max: sorting scores/t + Gumbel noise draws exactly a PL order.
    order = np.argsort(-(scores / temperature + rng.gumbel(size=len(scores))), kind="stable")
    return order, pl_probability(scores, order, temperature)


def pl_probability(scores: np.ndarray, order: np.ndarray, temperature: float) -> float:
    z = np.asarray(scores, dtype=np.float64)[order] / temperature
    z = z - z.max()
    weights = np.exp(z)
    tails = np.cumsum(weights[::-1])[::-1]
    return float(np.prod(weights / tails))
