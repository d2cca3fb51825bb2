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

Anchors: the viewer's own rows and the recommender's row (ANCHORED_KINDS) keep the rules' places at
the top; the model orders the rest.

Exploration: the order is drawn from a Plackett-Luce distribution over exp(score / temperature);
the logged propensity of an order of n rows is the exact PL probability
prod_i exp(s_i / t) / sum_{j >= i} exp(s_j / t). The temperature is small against the score gaps
between row kinds, so the top rows stay where a viewer expects them and near-ties swap.

The live site and the simulator share this module: `RowOrdering` is the order hook `rows.plan_page`
calls (ROW_POLICY `learned` or `rules`), and remembers what it decided for the page view's log
(`RowInputs` per candidate row, in the hook's order, and the log-probability of that order);
`row_matrix` rebuilds x from such inputs, for serving and for learning alike.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from personalization.context import DAYPARTS, DEVICES

ROW_KINDS = ("continue", "my_list", "top_picks", "popular", "because", "top10", "trending", "new", "genre")
MAX_POSITIONS = 16
PRIOR_RULES_WEIGHT = 0.05  # click rate per unit of rules priority before any data
PRIOR_PRECISION = 200.0  # ridge precision (pseudo-impressions) around the prior mean
# Plackett-Luce temperature, in click-rate units. Tuned on seed 7 of `threshold_rows` (500 sessions;
# row_oracle_share / mean log PL probability of a page's order): 0.001 0.628 / -7.2, 0.002 0.722 /
# -12.4, 0.004 0.716 / -19.6. 0.002 learns as well as 0.004 with an order twice as steady.
TEMPERATURE = 0.002
ROW_ORDER_POLICIES = ("learned", "rules")  # the live site's ROW_POLICY
# Rows the learned order never moves: the viewer's own (Continue Watching, My List) and the
# recommender's (Top Picks, or Popular for a viewer without history) keep the rules' places at the top
# of the page. Learning from a world where only the artwork's theme drives clicks (the simulated
# warm-up) once pushed Top Picks off the page; a page's anchors stay where a viewer looks for them.
ANCHORED_KINDS = ("continue", "my_list", "top_picks", "popular")


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

    def to_bytes(self) -> bytes:
        """The sufficient statistics and the genre vocabulary they were learned over (np.savez)."""
        buffer = io.BytesIO()
        genres = np.array(self.space.genres, dtype=np.str_)
        np.savez(buffer, precision=self.precision, moment=self.moment, genres=genres)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RowModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            space = RowSpace(tuple(str(g) for g in arrays["genres"]))
            precision, moment = arrays["precision"], arrays["moment"]
        if precision.shape != (space.d, space.d) or moment.shape != (space.d,):
            raise ValueError(f"a row model of {precision.shape} does not fit its {len(space.genres)} genres")
        return cls(space, precision=precision, moment=moment)

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
    return float(np.exp(pl_log_probability(scores, order, temperature)))


def pl_log_probability(scores: np.ndarray, order: np.ndarray, temperature: float) -> float:
    """log P(order) under PL(exp(scores / temperature)), summed in logs: a long page's order can be
    far less likely than the smallest float."""
    z = np.asarray(scores, dtype=np.float64)[np.asarray(order, dtype=np.intp)] / temperature
    if not len(z):
        return 0.0
    tails = np.logaddexp.accumulate(z[::-1])[::-1]  # log sum_{j >= i} exp(z_j)
    return float(np.sum(z - tails))


@dataclass(frozen=True)
class RowInputs:
    """What x is built from for one candidate row, besides the context and its position; logged per page view."""

    kind: str
    genre: str  # "" for a row that is not a genre row
    lift: float  # the viewer's log2 lift for the genre (0 without one)
    rules: float  # the rules' priority (`rows._priority(...).total`)

    def as_list(self) -> list:
        return [self.kind, self.genre, self.lift, self.rules]

    @classmethod
    def from_list(cls, values) -> RowInputs:
        kind, genre, lift, rules = values
        return cls(str(kind), str(genre), float(lift), float(rules))


def row_matrix(space: RowSpace, inputs, daypart: str, device: str, positions=None) -> np.ndarray:
    """Feature rows (n, d) of candidate rows; `positions` (one per row) sets the position column (learning)."""
    positions = [None] * len(inputs) if positions is None else positions
    rows = [
        space.features(i.kind, i.genre, i.lift, i.rules, daypart, device, p)
        for i, p in zip(inputs, positions, strict=True)
    ]
    return np.array(rows).reshape(len(rows), space.d)


@dataclass
class RowOrdering:
    """The order hook of one page (`rows.plan_page(order=...)`): the rules' order, or a Plackett-Luce
    draw over the row model's scores. After the call it holds the candidates' keys and `RowInputs` in
    the order it returned, and the log-probability of that order (0.0 for the rules, a deterministic
    order). Rules that run after the hook (favourites brought early, the max-rows cut) are a
    deterministic post-step: the logged probability is the hook's order's."""

    policy: str
    daypart: str
    device: str
    model: RowModel | None = None
    rng: np.random.Generator | None = None
    temperature: float = TEMPERATURE
    keys: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    log_propensity: float = 0.0
    # Each candidate's place by the rules, by the model's scores and in the drawn order (for `explain`).
    ranks: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.policy not in ROW_ORDER_POLICIES:
            raise ValueError(f"unknown row order policy {self.policy!r}; use one of {', '.join(ROW_ORDER_POLICIES)}")
        if self.policy == "learned" and (self.model is None or self.rng is None):
            raise ValueError("the learned row order needs a row model and a random generator")

    def __call__(self, candidates, priorities) -> list:
        inputs = [RowInputs(c.kind, c.genre, priorities[c.key].lift, priorities[c.key].total) for c in candidates]
        if self.policy == "rules":
            # As rows.plan_page sorts without a hook (sorted() is stable: equal priorities keep their order).
            index = sorted(range(len(candidates)), key=lambda i: -inputs[i].rules)
            self.log_propensity = 0.0
        else:
            scores = self.model.scores(row_matrix(self.model.space, inputs, self.daypart, self.device))
            by_rules = sorted(range(len(candidates)), key=lambda i: -inputs[i].rules)
            # The viewer's own rows keep the rules' places at the top; the model orders the rest.
            anchored = [i for i in by_rules if candidates[i].kind in ANCHORED_KINDS]
            free = [i for i in range(len(candidates)) if candidates[i].kind not in ANCHORED_KINDS]
            drawn, _ = plackett_luce(scores[free], self.temperature, self.rng)
            index = anchored + [free[j] for j in drawn]
            self.log_propensity = pl_log_probability(scores[free], drawn, self.temperature)
            by_model = anchored + [free[j] for j in np.argsort(-scores[free], kind="stable").tolist()]
            places = [{i: place for place, i in enumerate(order)} for order in (by_rules, by_model, list(index))]
            self.ranks = {c.key: tuple(p[i] for p in places) for i, c in enumerate(candidates)}
        self.keys = [candidates[i].key for i in index]
        self.inputs = [inputs[i] for i in index]
        return [candidates[i] for i in index]

    def explain(self, key: str, reason: str) -> str:
        """A tester's line for a row (`reason`, the rules' why): kept where the learned order agrees with
        the rules, else what moved the row: what the model learned, or exploration around it."""
        if key not in self.ranks:
            return reason
        by_rules, by_model, drawn = self.ranks[key]
        what, context = reason.split(" · ")[0], f"{_DAYPART_WORDS.get(self.daypart, '')} on {_a(self.device)}"
        if by_model < by_rules:
            return (
                f"{what} · higher than the rules put it: the row model learned rows like it get more clicks {context}"
            )
        if by_model > by_rules:
            return (
                f"{what} · lower than the rules put it: the row model learned rows like it get fewer clicks {context}"
            )
        if drawn != by_model:
            return f"{reason} · moved by exploration (the order is drawn at random around the model's)"
        return reason

    def shown(self, row_keys) -> list:
        """Per candidate, in the hook's order: [kind, genre, lift, rules, row index shown at or None]."""
        where = {key: index for index, key in enumerate(row_keys)}
        return [[*i.as_list(), where.get(key)] for key, i in zip(self.keys, self.inputs, strict=True)]


_DAYPART_WORDS = {"morning": "in the morning", "afternoon": "in the afternoon", "evening": "in the evening",
                  "night": "at night"}  # fmt: skip


def _a(device: str) -> str:
    return f"an {device}" if device[:1] in "aeiou" else f"a {device}"
