"""Warm the compiled loops (`kernels`) ahead of a process's first page.

    python -m personalization.recommender.warm

Runs each loop through its callers' own code for the argument types pages pass, so numba compiles
them (several seconds in a fresh checkout) or loads them from its cache (~0.4 s) now rather than
on a first page. `make demo` and `make serve` run it first.
"""

from __future__ import annotations

import time

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp

from personalization.recommender.content import ItemContent
from personalization.recommender.features import _search_within
from personalization.recommender.item_model import ItemModel
from personalization.recommender.order import ScoreCounts
from personalization.recommender.ranker import Ranker


def warm() -> dict[str, float]:
    """Compile (or load from the cache) every loop through its callers; seconds per caller."""
    rng = np.random.default_rng(0)
    seconds: dict[str, float] = {}

    def timed(name, run) -> None:
        started = time.perf_counter()
        run()
        seconds[name] = round(time.perf_counter() - started, 2)

    def counts() -> None:
        for dtype in (np.float32, np.float64):  # ranked generators' scores, and the genre affinity's
            scores = ScoreCounts(rng.normal(size=64).astype(dtype))
            scores.top(3)
            scores.count_above(scores.values[:5])

    def neighbours() -> None:  # the spark engine's sparse lists and the local engine's dense EASE
        for weights in (sp.random(8, 8, density=0.5, random_state=0, format="csr"), rng.normal(size=(8, 8))):
            ItemModel(np.arange(8), weights, 8).scores(np.array([1, 2]), np.array([1.0, 0.5]))

    def searches() -> None:
        keys = np.arange(10, dtype=np.int64)
        _search_within(keys, np.zeros(2, dtype=np.int64), np.full(2, 10), np.array([3, 7], dtype=np.int64))

    def trees() -> None:
        features = rng.normal(size=(40, 2))
        data = lgb.Dataset(features, rng.integers(0, 2, 40), group=[10] * 4, params={"verbose": -1})
        booster = lgb.train({"objective": "lambdarank", "min_data_in_leaf": 2, "verbose": -1}, data, 2)
        Ranker(booster.model_to_string(), ["a", "b"]).predict(features.astype(np.float32))

    def tags() -> None:  # a viewer's tag scores
        tags = sp.random(8, 5, density=0.5, random_state=0, format="csr")
        content = ItemContent(np.zeros(8), sp.csr_matrix((8, 0)), tags)
        content.tag_scores(np.array([1, 2]), np.array([1.0, 0.5]))

    parts = (("counts", counts), ("neighbours", neighbours), ("searches", searches), ("trees", trees), ("tags", tags))
    for name, run in parts:
        timed(name, run)
    return seconds


if __name__ == "__main__":  # python -m personalization.recommender.warm
    started = time.perf_counter()
    parts = warm()
    print(f"compiled loops ready in {time.perf_counter() - started:.1f}s ({parts})")
