"""Exact order statistics of one viewer's scores over every title, without sorting them.

A generator's candidates are its k best unseen titles, and a candidate's rank feature is how many
unseen titles the generator scores strictly higher. Both used to be read off a sort of every title's
score: at ml-25m size (62k titles) a sort takes ~1.4 ms on one core, and a page sorted three
generators (bench/serving_scale.py). `ScoreCounts` answers the same questions by counting: the
scores go into equal-width buckets between their minimum and maximum, by arithmetic that never
orders two scores the other way round, so every score in a higher bucket is strictly higher and only
the scores sharing a bucket with the value asked about are compared with it one by one. A handful of
passes over the scores instead of a sort; the answers are the sort's exactly, ties included (tested
against it). Scores that are not all finite (never seen in practice) fall back to the sort, and so do
blocks of many viewers (`sort=True`): the buckets take three times the memory of a sorted copy, held
for every viewer of a block at once.

The passes over every score (bucketing and counting them, comparing the scores that share a bucket
with a threshold) are compiled loops (`kernels`): in numpy they took five to ten passes each.
"""

from __future__ import annotations

import numpy as np

PER_BUCKET = 8  # scores per bucket on average: more buckets cost more to count, fewer leave more to compare


class ScoreCounts:
    """One generator's scores of one viewer's unseen titles (float32 or float64), bucketed once; every
    comparison is made in their own dtype."""

    def __init__(self, values: np.ndarray, *, sort: bool = False, zeros_apart: bool = True) -> None:
        self.values = np.asarray(values)
        self.n = len(self.values)
        self._sorted: np.ndarray | None = None  # the fallback
        self._nonzero: ScoreCounts | None = None  # the scores other than zero, when zeros are most of them
        if self.n == 0 or sort:
            self._sorted = np.sort(self.values)
            return
        low, high = self.values.min(), self.values.max()  # NaN if any is: then the sort answers
        span = high - low  # in the scores' dtype, as the buckets are computed
        self._n_buckets = max(1, self.n // PER_BUCKET) if span > 0 else 1
        # The highest score lands in the last bucket: (n_buckets - 1) / span, rounded up by at most one
        # ulp, times span (rounded again) stays below n_buckets while n_buckets < 2**22.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            scale = self.values.dtype.type((self._n_buckets - 1) / float(span) if span > 0 else 0.0)
        if not (np.isfinite(low) and np.isfinite(high) and np.isfinite(span) and np.isfinite(scale)):
            self._sorted = np.sort(self.values)
            return
        if zeros_apart and low <= 0 <= high:
            # EASE scores every title outside its item model exactly 0 (most of ml-25m's), and genre
            # affinity every title sharing no genre: a bucket of tens of thousands of ties, compared one by
            # one with every threshold in it. Counted apart, they need no comparison at all.
            zero = self.values == 0
            self._n_zero = int(np.count_nonzero(zero))
            if self._n_zero > self.n // 2:
                self._nonzero_at = np.flatnonzero(~zero)
                self._nonzero = ScoreCounts(self.values[self._nonzero_at], zeros_apart=False)
                return
        self._low, self._high, self._scale = low, high, scale
        from personalization.recommender import kernels  # numba: imported on first use (~0.3 s)

        self._bucket_of, self._counts = kernels.bucketize(self.values, low, scale, self._n_buckets)
        self._before = np.cumsum(self._counts) - self._counts  # scores in lower buckets

    def top(self, k: int) -> np.ndarray:
        """Indices of the k highest scores, ties to the lower index (all of them if k >= n), unordered."""
        if k <= 0:
            return np.empty(0, dtype=np.intp)
        if k >= self.n:
            return np.arange(self.n)
        if self._nonzero is not None:
            return self._top_around_zeros(k)
        if self._sorted is not None:
            kth = self._sorted[self.n - k]
            at_least = np.flatnonzero(self.values >= kth)
        else:
            # Only the buckets from the one holding the k-th best score up can hold the k best.
            lowest = int(np.searchsorted(self._before, self.n - k, side="right")) - 1
            at_least = np.flatnonzero(self._bucket_of >= lowest)
            kth = np.partition(self.values[at_least], len(at_least) - k)[len(at_least) - k]
        values = self.values[at_least]
        above = at_least[values > kth]
        return np.concatenate([above, at_least[values == kth][: k - len(above)]])

    def count_above(self, thresholds: np.ndarray) -> np.ndarray:
        """How many scores are strictly above each threshold (thresholds cast to the scores' dtype)."""
        thresholds = np.asarray(thresholds, dtype=self.values.dtype)
        if self._nonzero is not None:
            return self._nonzero.count_above(thresholds) + self._n_zero * (thresholds < 0)
        if self._sorted is None and not np.isfinite(thresholds).all():
            self._sorted = np.sort(self.values)
        if self._sorted is not None:
            return self.n - np.searchsorted(self._sorted, thresholds, side="right")
        if len(thresholds) == 0:
            return np.zeros(0, dtype=np.intp)
        # Counted once per distinct threshold: equal ones have equal counts, and each one sharing a bucket
        # would cost a pass below (a page's candidates from the other generators all ask about EASE's
        # exact 0: hundreds of passes over the scores).
        from personalization.recommender import kernels

        distinct, inverse = np.unique(thresholds, return_inverse=True)  # finite, ascending
        at_most = kernels.count_at_most(
            self.values, self._bucket_of, self._before, self._low, self._high, self._scale, distinct
        )
        return (self.n - at_most)[inverse]

    def _top_around_zeros(self, k: int) -> np.ndarray:
        """`top` when the zeros are counted apart (every score finite): the positive scores come first,
        then the zeros by index, then the negative scores."""
        nonzero, at = self._nonzero, self._nonzero_at
        positive = int(np.count_nonzero(nonzero.values > 0))
        if k <= positive:
            return at[nonzero.top(k)]
        if k <= positive + self._n_zero:
            zeros = np.flatnonzero(self.values == 0)[: k - positive]
            return np.concatenate([at[nonzero.top(positive)], zeros])
        return np.concatenate([at[nonzero.top(k - self._n_zero)], np.flatnonzero(self.values == 0)])
