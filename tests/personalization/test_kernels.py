"""`warm`: every compiled loop is ready, for the types pages pass, before a first page needs it."""

from __future__ import annotations

from personalization.recommender import kernels
from personalization.recommender.warm import warm


def test_warming_compiles_every_loop_through_its_callers():
    seconds = warm()

    assert set(seconds) == {"counts", "neighbours", "searches", "trees"}
    loops = (kernels.bucketize, kernels.count_at_most, kernels.neighbour_sums, kernels.row_sums)
    for loop in (*loops, kernels.search_within, kernels.forest_sums):
        assert loop.signatures, loop.__name__
    # float32 (the ranked generators) and float64 (the genre affinity) scores both
    assert {str(signature[0].dtype) for signature in kernels.bucketize.signatures} >= {"float32", "float64"}
