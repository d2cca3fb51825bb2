"""Stage 1 (candidates) and the ranker's features, as functions of plain arrays.

Everything here is numpy on a block of viewers (one row per viewer, one column per item of the
model's index), so the same code serves one viewer's page, all viewers offline, and could be
re-expressed as DataFrame jobs (issue 16) column by column:

Generator scores, (n_viewers, n_items) each, from the viewer's positive history h (item-model
weights w), their stars, and the learned arrays:

    ease      = w . B                               EASE "will watch next" evidence
    stars     = mu + b_u + b_i + q_i . p_u           Surprise SVD on the stars (clipped to 0.5..5)
    implicit  = p'_u . q'_i                          Surprise SVD (biased=False) on 0/1 + sampled negatives
    genre     = cos(mean genre vector of h, genres of i)      (content vectors weighted by w)
    tag       = cos(mean tag vector of h, tags of i)
    popularity, trend: per item, the same for every viewer (log count of viewers; log count of
                ratings in the last `trend_days` of the data)

Candidates: the union over generators of each one's `candidates_per_generator` best titles the
viewer has not seen (ties to the lower index), deduplicated. A group left out (`params.without`)
contributes neither candidates nor features.

Features of a (viewer, title) pair, by group (`FEATURES`); "rank" is the number of the viewer's
unseen titles the generator scores strictly higher, scores compared in float32 (0 = its first choice):

    ease:        ease score, ease rank, ease score / the viewer's best ease score
    surprise:    predicted stars, their rank, b_u, b_i, implicit score, implicit rank
    popularity:  log(1 + viewers), popularity rank, trend share (ratings in the last trend_days /
                 all its ratings), popular then (log(1 + ratings of the title within
                 active_window_days of the viewer's first..last activity))
    content:     genre affinity, tag affinity, release year, last-activity year - release year
    viewer:      log(1 + titles in the history), days from the viewer's last activity to the end
                 of the training data
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from personalization.recommender.order import ScoreCounts
from personalization.recommender.params import RecommenderParams

DAY = 86_400.0
YEAR = 365.25 * DAY
TIME_KEY = np.int64(2**32)  # item position * TIME_KEY + timestamp: one sorted key per rating

FEATURES: tuple[tuple[str, str], ...] = (
    ("ease_score", "ease"),
    ("ease_rank", "ease"),
    ("ease_share", "ease"),
    ("stars", "surprise"),
    ("stars_rank", "surprise"),
    ("user_bias", "surprise"),
    ("item_bias", "surprise"),
    ("implicit_score", "surprise"),
    ("implicit_rank", "surprise"),
    ("log_popularity", "popularity"),
    ("popularity_rank", "popularity"),
    ("trend_share", "popularity"),
    ("popular_then", "popularity"),
    ("genre_affinity", "content"),
    ("tag_affinity", "content"),
    ("release_year", "content"),
    ("year_gap", "content"),
    ("log_history", "viewer"),
    ("days_since_active", "viewer"),
)
RANKED = ("ease", "stars", "implicit")  # the generators with a rank feature
# Below these sizes the plain numpy calls are faster. Counting went from 20k titles to 2k once its
# passes were compiled (`kernels`): ml-latest-small's 9.7k titles now count too, ~0.3 ms a page less.
COUNT_FROM_TITLES = 2_000  # counting in buckets instead of sorting (`order.ScoreCounts`)
SEARCH_IN_STEP_FROM_KEYS = 1_000_000  # binary searches in step instead of np.searchsorted
GENERATORS: tuple[tuple[str, str], ...] = (
    ("ease", "ease"),
    ("stars", "surprise"),
    ("implicit", "surprise"),
    ("popularity", "popularity"),
    ("trend", "popularity"),
    ("genre", "content"),
)


def feature_names(params: RecommenderParams) -> list[str]:
    return [name for name, group in FEATURES if params.uses(group)]


@dataclass(frozen=True)
class ItemArrays:
    """Per-item inputs that do not depend on the viewer (aligned with the model's item_ids)."""

    popularity: np.ndarray  # viewers with a positive interaction
    recent: np.ndarray  # ratings in the last trend_days of the data
    rated: np.ndarray  # ratings with a timestamp
    item_bias: np.ndarray  # b_i of the rating model
    year: np.ndarray  # release year, NaN unknown
    time_keys: np.ndarray  # sorted item position * TIME_KEY + timestamp of every training rating
    data_end: float  # newest timestamp in the training data (epoch seconds), 0 if none
    popularity_rank: np.ndarray = None  # type: ignore[assignment]  # derived: 0 = most watched
    # Derived: the viewer-independent generators' items best first (ties to the lower position), so a
    # viewer's top unseen titles are a short walk down the list rather than a pass over every title.
    orders: dict = None  # type: ignore[assignment]
    time_starts: np.ndarray = None  # type: ignore[assignment]  # derived: where each item's time_keys begin

    def __post_init__(self) -> None:
        order = _best_first(self.popularity)
        ranks = np.empty(len(order), dtype=np.float64)
        ranks[order] = np.arange(len(order))
        object.__setattr__(self, "popularity_rank", ranks)
        object.__setattr__(self, "orders", {"popularity": order, "trend": _best_first(self.recent)})
        positions = np.arange(len(self.popularity) + 1, dtype=np.int64)
        object.__setattr__(self, "time_starts", np.searchsorted(self.time_keys, positions * TIME_KEY))


def _best_first(values: np.ndarray) -> np.ndarray:
    return np.lexsort((np.arange(len(values)), -np.asarray(values, dtype=np.float64)))


@dataclass(frozen=True)
class ViewerBlock:
    """Per-viewer inputs for a block of n viewers: generator scores (n, n_items) and viewer facts (n,)."""

    ease: np.ndarray
    stars: np.ndarray
    implicit: np.ndarray
    genre: np.ndarray
    tag: np.ndarray
    seen: np.ndarray  # (n, n_items) bool: history and thumbed-down titles, never candidates
    thumbed_down: np.ndarray  # (n, n_items) bool
    user_bias: np.ndarray
    history_size: np.ndarray
    first_active: np.ndarray  # epoch seconds
    last_active: np.ndarray
    # Each generator's unseen scores counted, by (generator, row): computed once, they give both the
    # generator's candidates and (for the ranked ones) its rank feature.
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def unseen(self, row: int) -> np.ndarray:
        """Positions of the row's unseen titles."""
        if ("unseen", row) not in self._cache:
            self._cache["unseen", row] = np.flatnonzero(~self.seen[row])
        return self._cache["unseen", row]

    def unseen_counts(self, name: str, row: int) -> ScoreCounts:
        """A generator's scores of the row's unseen titles (`order.ScoreCounts`): in float32 for the
        ranked generators, the precision serving computes them in (EASE, and the factor products).
        Kept for the ranked ones (their rank feature reads them again), which a block of many viewers
        (training, evaluation) sorts instead: it holds every viewer's at once, and a sorted copy is the
        smallest."""
        key = (name, row)
        if key in self._cache:
            return self._cache[key]
        values = getattr(self, name)[row][~self.seen[row]]
        if name not in RANKED:
            return ScoreCounts(values)
        sort = len(self.seen) > 1 or len(values) < COUNT_FROM_TITLES
        counts = ScoreCounts(values.astype(np.float32, copy=False), sort=sort)
        self._cache[key] = counts
        return counts


def generator_scores(block: ViewerBlock, items: ItemArrays) -> dict[str, np.ndarray]:
    """Each generator's score, (n, n_items) or (n_items,) for the viewer-independent ones."""
    return {
        "ease": block.ease,
        "stars": block.stars,
        "implicit": block.implicit,
        "popularity": items.popularity.astype(np.float64),
        "trend": items.recent.astype(np.float64),
        "genre": block.genre,
    }


def candidate_pairs(block: ViewerBlock, items: ItemArrays, params: RecommenderParams) -> tuple[np.ndarray, np.ndarray]:
    """(viewer rows, item positions) of the union of every used generator's top unseen titles, each
    pair once, sorted by viewer then item."""
    n_viewers, n_items = block.seen.shape
    k = min(params.candidates_per_generator, n_items)
    rows, cols = [], []
    for row in range(n_viewers):
        seen = block.seen[row]
        n_seen = n_items - len(block.unseen(row))
        tops = [np.empty(0, dtype=np.intp)]
        for name, group in GENERATORS:
            if not params.uses(group):
                continue
            if name in items.orders:  # the same order for everyone: walk it past the viewer's seen titles
                head = items.orders[name][: k + n_seen]
                tops.append(head[~seen[head]][:k])
            else:  # ties to the lower position
                tops.append(block.unseen(row)[block.unseen_counts(name, row).top(k)])
        cols.append(np.unique(np.concatenate(tops)))
        rows.append(np.full(len(cols[-1]), row, dtype=np.intp))
    if not rows:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    return np.concatenate(rows), np.concatenate(cols).astype(np.intp, copy=False)


def unseen_rank(block: ViewerBlock, name: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """For each (row, col) pair, how many unseen items of that row score strictly higher on `name`
    (compared in float32, as `ViewerBlock.unseen_counts` keeps them)."""
    values = getattr(block, name)
    out = np.empty(len(rows), dtype=np.float64)
    for row in np.unique(rows):
        pick = rows == row
        out[pick] = block.unseen_counts(name, int(row)).count_above(values[row, cols[pick]].astype(np.float32))
    return out


def popular_then(items: ItemArrays, cols: np.ndarray, first: np.ndarray, last: np.ndarray, window: float) -> np.ndarray:
    """Ratings of item `cols[j]` dated within [first[j] - window, last[j] + window]."""
    if len(items.time_keys) == 0:
        return np.zeros(len(cols))
    base = cols.astype(np.int64) * TIME_KEY
    low = np.clip(first - window, 0, TIME_KEY - 1).astype(np.int64)
    high = np.clip(last + window, 0, TIME_KEY - 1).astype(np.int64)
    if len(items.time_keys) < SEARCH_IN_STEP_FROM_KEYS:
        keys = items.time_keys
        return (np.searchsorted(keys, base + high, side="right") - np.searchsorted(keys, base + low)).astype(np.float64)
    # Both ends at once (keys <= base + high are the keys < base + high + 1), each among its item's keys.
    ends = _search_within(
        items.time_keys,
        np.tile(items.time_starts[cols], 2),
        np.tile(items.time_starts[cols + 1], 2),
        np.concatenate([base + high + 1, base + low]),
    )
    return (ends[: len(cols)] - ends[len(cols) :]).astype(np.float64)


def _search_within(keys: np.ndarray, lo: np.ndarray, hi: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """`np.searchsorted(keys, queries)` where each answer is known to lie in [lo, hi]: binary searches
    of every query in step (`kernels.search_within`). One query's search over all keys (200 MB at
    ml-25m size) waits on one cache miss after another; in step, the misses of every query are in
    flight together."""
    if len(keys) == 0:
        return lo.copy()
    from personalization.recommender import kernels  # numba: imported where a large data set needs it

    return kernels.search_within(keys, lo.astype(np.int64), hi.astype(np.int64), queries)


def feature_matrix(
    block: ViewerBlock, items: ItemArrays, rows: np.ndarray, cols: np.ndarray, params: RecommenderParams
) -> np.ndarray:
    """The ranker's input, (len(rows), len(feature_names(params))) float32, columns in FEATURES order."""
    columns: dict[str, np.ndarray] = {}
    if params.uses("ease"):
        # In float64 whatever the block's dtype (a single viewer's is float32).
        best = np.max(np.where(block.seen, -np.inf, block.ease), axis=1, initial=-np.inf).astype(np.float64)
        ease = block.ease[rows, cols].astype(np.float64)
        columns["ease_score"] = ease
        columns["ease_rank"] = unseen_rank(block, "ease", rows, cols)
        columns["ease_share"] = np.divide(ease, best[rows], out=np.zeros(len(rows)), where=best[rows] > 0)
    if params.uses("surprise"):
        columns["stars"] = block.stars[rows, cols]
        columns["stars_rank"] = unseen_rank(block, "stars", rows, cols)
        columns["user_bias"] = block.user_bias[rows]
        columns["item_bias"] = items.item_bias[cols]
        columns["implicit_score"] = block.implicit[rows, cols]
        columns["implicit_rank"] = unseen_rank(block, "implicit", rows, cols)
    if params.uses("popularity"):
        columns["log_popularity"] = np.log1p(items.popularity[cols])
        columns["popularity_rank"] = items.popularity_rank[cols]
        columns["trend_share"] = np.divide(
            items.recent[cols], items.rated[cols], out=np.zeros(len(cols)), where=items.rated[cols] > 0
        )
        window = params.active_window_days * DAY
        columns["popular_then"] = np.log1p(
            popular_then(items, cols, block.first_active[rows], block.last_active[rows], window)
        )
    if params.uses("content"):
        columns["genre_affinity"] = block.genre[rows, cols]
        columns["tag_affinity"] = block.tag[rows, cols]
        columns["release_year"] = items.year[cols]
        columns["year_gap"] = 1970.0 + block.last_active[rows] / YEAR - items.year[cols]
    if params.uses("viewer"):
        columns["log_history"] = np.log1p(block.history_size[rows])
        columns["days_since_active"] = (items.data_end - block.last_active[rows]) / DAY
    names = feature_names(params)
    if not names:
        return np.zeros((len(rows), 0), dtype=np.float32)
    return np.column_stack([columns[name] for name in names]).astype(np.float32)
