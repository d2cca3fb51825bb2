"""`blas.one_thread`: one viewer's products on one BLAS thread, the process's setting restored after."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from personalization.recommender import blas


def _blas_threads() -> list[int]:
    return [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]


def test_one_thread_limits_every_blas_library_inside_and_restores_them_after():
    with threadpool_limits(limits=2, user_api="blas"):  # what a two-core machine runs by default
        assert _blas_threads() and set(_blas_threads()) == {2}

        with blas.one_thread():
            assert set(_blas_threads()) == {1}
            with blas.one_thread():  # nested: still one thread, and the outer section's to restore
                assert set(_blas_threads()) == {1}
            assert set(_blas_threads()) == {1}

        assert set(_blas_threads()) == {2}


def test_the_limit_is_restored_when_the_section_raises():
    with threadpool_limits(limits=2, user_api="blas"):
        try:
            with blas.one_thread():
                raise RuntimeError("a failed product")
        except RuntimeError:
            pass
        assert set(_blas_threads()) == {2}


def test_matvec_is_the_transposed_product():
    rng = np.random.default_rng(0)
    transposed, vector = rng.normal(size=(5, 300)), rng.normal(size=5)

    np.testing.assert_allclose(blas.matvec(transposed, vector), transposed.T @ vector, rtol=1e-12)
