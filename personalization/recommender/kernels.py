"""The loops one viewer's page runs that numpy would make in several passes and temporaries, or
that a library's call costs more than, compiled with numba (nopython, cached on disk beside this
file; `NUMBA_CACHE_DIR` moves the cache where the code is read-only).

`order.ScoreCounts` buckets and counts a generator's scores with them (every catalogue for the
unranked generators, and the ranked ones above the sort's break-even, `features.COUNT_FROM_TITLES`),
`item_model` sums a viewer's rows of EASE or of the spark engine's sparse neighbour lists,
`features` searches the "popular then" keys of a large data set, and `ranker` sums one viewer's
trees. Importing numba costs ~0.3 s, so callers import this module inside the functions that use
it: a process pays it on its first scored page (`warm` pays it ahead). Every loop computes in the
dtypes of its inputs, as the code it replaced did; the tests compare each with brute force or
with that code.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def bucket_index(value, low, high, scale):
    """floor((min(max(v, low), high) - low) * scale). Each step rounds monotonically, so v <= w gives
    bucket(v) <= bucket(w): a higher bucket holds only strictly higher scores."""
    return int((min(max(value, low), high) - low) * scale)


@numba.njit(cache=True, nogil=True)
def bucketize(values, low, scale, n_buckets):
    """Each score's bucket (int32; scores lie in [low, high]: `bucket_index` without the clamp, which keeps
    the loop vectorised) and the scores per bucket."""
    bucket_of = np.empty(len(values), dtype=np.int32)
    for i in range(len(values)):
        bucket_of[i] = np.int32((values[i] - low) * scale)
    counts = np.zeros(n_buckets, dtype=np.int64)
    for slot in bucket_of:
        if slot < 0 or slot >= n_buckets:
            raise AssertionError("a score fell outside the buckets")
        counts[slot] += 1
    return bucket_of, counts


@numba.njit(cache=True, nogil=True)
def count_at_most(values, bucket_of, before, low, high, scale, thresholds):
    """How many scores are <= each threshold (finite, distinct, ascending): every score of a lower
    bucket, and of the threshold's own bucket those compared one by one (one pass over the scores;
    a bucket rarely holds more than one or two thresholds)."""
    n_thresholds = len(thresholds)
    first = np.full(len(before), -1, dtype=np.int64)  # per bucket, its thresholds' first and last index
    last = np.empty(len(before), dtype=np.int64)
    at_most = np.empty(n_thresholds, dtype=np.int64)
    for j in range(n_thresholds):
        bucket = bucket_index(thresholds[j], low, high, scale)
        if first[bucket] < 0:
            first[bucket] = j
        last[bucket] = j
        at_most[j] = before[bucket]
    for i in range(len(values)):
        bucket = bucket_of[i]
        start = first[bucket]
        if start >= 0:
            value = values[i]
            for j in range(start, last[bucket] + 1):
                if value <= thresholds[j]:
                    at_most[j] += 1
    return at_most


@numba.njit(cache=True, nogil=True)
def row_sums(matrix, rows, weights):
    """weights . matrix[rows] for a dense float32 matrix, summed row after row in their order (as
    numpy's einsum sums them) where the rows lie: only the history's rows are read, none copied."""
    out = np.zeros(matrix.shape[1], dtype=np.float32)
    for r in range(len(rows)):
        row, weight = matrix[rows[r]], weights[r]
        for j in range(len(out)):
            out[j] += weight * row[j]
    return out


@numba.njit(cache=True, nogil=True)
def neighbour_sums(indptr, indices, data, rows, weights):
    """weights . W[rows] for a CSR W (float32): only the history's rows are read, summed in their order
    (as scipy's `W[rows].T @ weights` sums them, without building the slice and its transpose)."""
    out = np.zeros(len(indptr) - 1, dtype=np.float32)
    for r in range(len(rows)):
        row, weight = rows[r], weights[r]
        for k in range(indptr[row], indptr[row + 1]):
            out[indices[k]] += weight * data[k]
    return out


@numba.njit(cache=True, nogil=True)
def transposed_matvec(indptr, indices, data, x, n_cols):
    """A CSR matrix's transpose times x (float64): its rows in order, each added as scipy's
    `matrix.T @ x` adds them (the same products, summed in the same order), rows with x = 0 skipped
    (they add nothing). For a viewer's tag profile: a dozen rows instead of a pass over every title."""
    out = np.zeros(n_cols)
    for row in range(len(indptr) - 1):
        value = x[row]
        if value == 0.0:
            continue
        for k in range(indptr[row], indptr[row + 1]):
            out[indices[k]] += data[k] * value
    return out


@numba.njit(cache=True, nogil=True)
def csr_matvec(indptr, indices, data, x):
    """A CSR matrix times x (float64), each row summed in its stored order as scipy's `matrix @ x` sums it."""
    out = np.zeros(len(indptr) - 1)
    for row in range(len(indptr) - 1):
        total = 0.0
        for k in range(indptr[row], indptr[row + 1]):
            total += data[k] * x[indices[k]]
        out[row] = total
    return out


# LightGBM's split rules (`Tree::NumericalDecision`): a feature with |x| <= 1e-35f reads as 0 (the C
# API's dense rows drop such entries); NaN reads as 0 unless the split's missing type sends missing
# values to its default side ("NaN", or "Zero", which sends zeros there too). `ranker._Forest` folds
# them into two sides per split, where NaN goes and where 0 goes; any other value goes left when
# <= the threshold.
ZERO_THRESHOLD = float(np.float32(1e-35))  # LightGBM's kZeroThreshold is the float 1e-35f


@numba.njit(cache=True, nogil=True)
def forest_sums(features, roots, split_feature, threshold, nan_left, zero_left, children, leaf_value):
    """Each row's sum of its leaves' values over the trees, in tree order (LightGBM's raw score).

    Nodes are numbered from 0 across all trees; node n's children are children[2n] (left) and
    children[2n + 1] (right), a child < 0 being leaf -child - 1. The side is an index, not a branch
    (a mispredicted branch per split cost more than the split), and the trees are walked one at a
    time over all rows, so a tree's nodes stay in cache."""
    out = np.zeros(features.shape[0])
    for tree in range(len(roots)):
        for i in range(features.shape[0]):
            node = roots[tree]
            while node >= 0:
                value = np.float64(features[i, split_feature[node]])
                right = not value <= threshold[node]
                if -ZERO_THRESHOLD <= value <= ZERO_THRESHOLD:
                    right = not zero_left[node]
                elif np.isnan(value):
                    right = not nan_left[node]
                node = children[2 * node + right]
            out[i] += leaf_value[-node - 1]
    return out


@numba.njit(cache=True, nogil=True)
def search_within(keys, lo, hi, queries):
    """`np.searchsorted(keys, queries)` (side left) for answers known to lie in [lo, hi] (len(keys) > 0):
    binary searches of every query in step, a step of all of them before the next."""
    base, size = lo.copy(), hi - lo  # each answer lies in [base, base + size]
    last = len(keys) - 1
    for _ in range(64):
        if len(size) == 0 or size.max() <= 1:
            break
        for q in range(len(queries)):
            half = size[q] >> 1
            middle = base[q] + half
            if keys[min(middle, last)] < queries[q]:
                base[q] = middle
            size[q] -= half
    for q in range(len(queries)):
        if size[q] > 0 and keys[min(base[q], last)] < queries[q]:
            base[q] += 1
    return base
