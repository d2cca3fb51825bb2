"""`order`: a generator's k best titles and each candidate's rank without a sort, against brute force."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from personalization.recommender.order import ScoreCounts


def _scores(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "continuous":
        return rng.normal(size=n)
    if kind == "few_values":  # ties everywhere
        return rng.integers(-2, 3, n).astype(float)
    if kind == "mostly_zero":  # EASE outside its item model: zeros counted apart, tiny scores beside them
        return np.where(rng.random(n) < 0.8, 0.0, rng.normal(size=n) * 1e-6)
    if kind == "mostly_zero_tied":
        return np.where(rng.random(n) < 0.7, 0.0, np.round(rng.normal(size=n), 1))
    if kind == "huge":
        return rng.normal(size=n) * 1e30
    if kind == "narrow":  # a span of a few ulps: buckets far narrower than the scores' spacing
        return 1.0 + rng.integers(0, 4, n) * np.finfo(np.float32).eps
    raise ValueError(kind)


KINDS = ("continuous", "few_values", "mostly_zero", "mostly_zero_tied", "huge", "narrow")


def _seed(*parts) -> int:
    """The same seed in every run (Python's own hash of a string changes from process to process)."""
    return zlib.crc32(repr(parts).encode())


def _brute_top(values: np.ndarray, k: int) -> list[int]:
    """The k best by a plain sort of (-score, index): ties to the lower index."""
    return sorted(sorted(range(len(values)), key=lambda i: (-values[i], i))[:k])


@pytest.mark.parametrize("sort", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_counts_above_each_threshold_match_brute_force(kind, dtype, sort):
    rng = np.random.default_rng(_seed(kind, dtype))
    for n in (1, 2, 7, 300, 2000):
        values = _scores(kind, n, rng).astype(dtype)
        # Thresholds among the scores (what candidates are), between them, beyond them, and zero.
        thresholds = np.concatenate(
            [values[rng.integers(0, n, 40)], (values[:5] + values[-5:]) / 2, [values.min() - 1, values.max() + 1, 0.0]]
        ).astype(dtype)

        counted = ScoreCounts(values, sort=sort).count_above(thresholds)

        expected = [int(np.sum(values > threshold)) for threshold in thresholds]
        assert counted.tolist() == expected


@pytest.mark.parametrize("sort", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_top_k_is_the_k_best_with_ties_to_the_lower_index(kind, dtype, sort):
    rng = np.random.default_rng(_seed(kind, dtype, "top"))
    for n in (1, 2, 7, 300, 2000):
        values = _scores(kind, n, rng).astype(dtype)
        counts = ScoreCounts(values, sort=sort)
        for k in sorted({1, 2, 5, 50, n // 2, n - 1, n, n + 3}):
            if k < 1:
                continue
            assert sorted(counts.top(k).tolist()) == _brute_top(values, k), (n, k)


def test_zeros_are_counted_apart_only_when_they_are_most_of_the_scores():
    assert ScoreCounts(np.array([0.0, 0.0, 0.0, 1.0, -1.0]))._nonzero is not None
    assert ScoreCounts(np.array([0.0, 0.0, 1.0, -1.0]))._nonzero is None


def test_non_finite_scores_are_answered_as_a_sort_would():
    values = np.array([1.0, np.inf, -np.inf, 2.0, 2.0, np.nan, 0.5])
    counts = ScoreCounts(values)
    ascending = np.sort(values)  # NaN last: a sort counts it above everything

    thresholds = np.array([2.0, -np.inf, 0.5, np.nan])
    assert counts.count_above(thresholds).tolist() == [
        len(values) - int(np.searchsorted(ascending, t, side="right")) for t in thresholds
    ]
    # The k-th best is what the sort puts at n - k: NaN, sorted last, takes a place but is never picked.
    assert sorted(counts.top(3).tolist()) == [1, 3, 4]  # the 3rd best is 2.0: inf and both 2.0s
    assert sorted(counts.top(2).tolist()) == [1]  # the 2nd best is inf: the only one
    assert ScoreCounts(np.array([1.0, 2.0])).count_above(np.array([np.nan, 1.0])).tolist() == [0, 1]


def test_an_empty_row_has_nothing_to_count():
    counts = ScoreCounts(np.empty(0, dtype=np.float32))
    assert counts.count_above(np.array([0.0])).tolist() == [0]
    assert counts.top(3).tolist() == []
    assert ScoreCounts(np.arange(10.0)).count_above(np.empty(0)).tolist() == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_many_equal_thresholds_sharing_a_bucket_are_counted_like_distinct_ones(dtype):
    # A page's candidates from the other generators all ask EASE about its exact 0, and ties among the
    # factor products ask about one value many times: hundreds of equal thresholds in one bucket.
    rng = np.random.default_rng(_seed("equal thresholds", dtype))
    values = np.where(rng.random(20_000) < 0.3, 0.0, rng.normal(size=20_000)).astype(dtype)
    thresholds = np.concatenate([np.zeros(400), np.full(300, values[7]), values[rng.integers(0, 20_000, 200)]])
    thresholds = rng.permutation(thresholds).astype(dtype)

    counted = ScoreCounts(values).count_above(thresholds)

    assert ScoreCounts(values)._sorted is None  # the buckets, not the sort, answered
    assert counted.tolist() == [int(np.sum(values > threshold)) for threshold in thresholds]
