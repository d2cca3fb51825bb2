"""One viewer's matrix-vector products on one BLAS thread.

A page scores one viewer: a few products of a (titles x factors) matrix with a vector. Handing
those to a threaded BLAS costs more than it saves on a busy web server (the threads wait for cores
the other requests hold), and numpy's own loop (einsum) is 3-4x slower than single-threaded BLAS on
a transposed, contiguous copy of the matrix (62k x 50 float32: ~1.2 ms against ~5 ms under load,
`bench/serving_scale.py`). Blocks of many viewers (training, evaluation) keep every thread.

The limit is process-wide while it lasts (threadpoolctl sets the BLAS library's thread count): a
concurrent thread's product may run on one thread too, which is the point on a web server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

_libraries: list | None = None  # threadpoolctl's controllers of the loaded BLAS libraries
_local = threading.local()  # how deep this thread is in `one_thread` sections


def _blas_libraries() -> list:
    global _libraries
    if _libraries is None:  # inspecting the loaded libraries takes a few ms: once per process
        _libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    return _libraries


@contextmanager
def one_thread() -> Iterator[None]:
    """BLAS on one thread for the section; nested sections (a product inside) keep the outer limit
    rather than setting it again.

    Each library's count is read and set directly through threadpoolctl's controllers, found once:
    `ThreadpoolController.limit` does the same with ~150 us of bookkeeping a page (measured after a
    page's other work, bench/serving_scale.py's model)."""
    depth = getattr(_local, "depth", 0)
    if depth:
        _local.depth = depth + 1
        try:
            yield
        finally:
            _local.depth = depth
        return
    libraries = _blas_libraries()
    before = [library.num_threads for library in libraries]
    for library, threads in zip(libraries, before, strict=True):
        if threads != 1:
            library.set_num_threads(1)
    _local.depth = 1
    try:
        yield
    finally:
        _local.depth = 0
        for library, threads in zip(libraries, before, strict=True):
            if threads != 1:
                library.set_num_threads(threads)


def matvec(transposed: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """`transposed.T @ vector` for a C-contiguous (k, n) `transposed`, on one BLAS thread: (n,)."""
    with one_thread():
        return vector @ transposed
