"""`warm`: every compiled loop is ready, for the types pages pass, before a first page needs it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from personalization.recommender import kernels
from personalization.recommender.content import ItemContent
from personalization.recommender.warm import warm


def test_warming_compiles_every_loop_through_its_callers():
    seconds = warm()

    assert set(seconds) == {"counts", "neighbours", "searches", "trees", "tags"}
    loops = (kernels.bucketize, kernels.count_at_most, kernels.neighbour_sums, kernels.row_sums)
    for loop in (*loops, kernels.search_within, kernels.forest_sums, kernels.transposed_matvec, kernels.csr_matvec):
        assert loop.signatures, loop.__name__
    # float32 (the ranked generators) and float64 (the genre affinity) scores both
    assert {str(signature[0].dtype) for signature in kernels.bucketize.signatures} >= {"float32", "float64"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_viewers_tag_scores_are_scipys_to_the_last_bit(seed):
    """The compiled tag profile and scores add the same products in the same order as scipy."""
    rng = np.random.default_rng(seed)
    tags = sp.random(300, 40, density=0.05, random_state=seed, format="csr")  # most titles untagged
    content = ItemContent(np.zeros(300), sp.csr_matrix((300, 0)), tags)
    positions = rng.integers(0, 300, 25)  # repeats too: a title rated and thumbed
    weights = np.where(rng.random(25) < 0.3, 0.0, rng.random(25))  # a disliked title weighs 0
    # scipy's own sums, written out: the weighted history spread over titles, its transposed product
    # with the tags, L2-normalised, then every title's product with that profile.
    spread = np.zeros(300)
    np.add.at(spread, positions, weights)
    profile = np.asarray(tags.T @ spread).reshape(-1)
    expected = tags @ (profile / np.linalg.norm(profile))
    assert np.array_equal(content.tag_profile(positions, weights), profile / np.linalg.norm(profile))
    assert np.array_equal(content.tag_scores(positions, weights), expected)
    assert np.array_equal(content.tag_scores(positions[:0], weights[:0]), np.zeros(300))
    # A brute-force check of the kernels themselves, apart from scipy:
    dense, x = tags.toarray(), rng.random(300)
    assert np.allclose(kernels.transposed_matvec(tags.indptr, tags.indices, tags.data, x, 40), dense.T @ x)
    assert np.allclose(kernels.csr_matvec(tags.indptr, tags.indices, tags.data, x[:40]), dense @ x[:40])
