"""The item model: EASE, a closed-form item-item regression (Steck, "Embarrassingly Shallow Autoencoders").

B = argmin ||X - X B||^2 + lambda ||B||^2 with diag(B) = 0, solved as B = -P / diag(P), P = (X'X + lambda I)^-1.
Row a of B says how much having watched a predicts each other title, so it doubles as the
"Because you watched a" similarity. It only covers titles with at least `min_count` interactions,
and at most the `max_items` most-watched of them: rarer ones add noise and cost (the matrix is m x m,
the solve m^3: 62k titles would take ~15 GB and a quarter of an hour) but almost never reach a top-10;
the ALS/Surprise candidates reach every title.

The same class holds the spark engine's item-item model: sparse neighbour lists (co-occurrence
cosine, the top k per title) instead of a dense B, scored the same way (x . W).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class ItemModel:
    """B over a subset of the recommender's items (`columns`, positions into its `item_ids`): a dense
    (len(columns), len(columns)) array (EASE) or a sparse CSR one (neighbour lists)."""

    def __init__(self, columns: np.ndarray, weights: np.ndarray | sp.csr_matrix, n_items: int) -> None:
        self.columns = np.asarray(columns, dtype=np.int64)
        if sp.issparse(weights):
            self.weights = sp.csr_matrix(weights, dtype=np.float32)
        else:
            self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.n_items = int(n_items)
        # item position -> row/column of B, -1 where the item model has no opinion
        self.local = np.full(self.n_items, -1, dtype=np.int64)
        self.local[self.columns] = np.arange(len(self.columns))

    def scores(self, positions: np.ndarray, input_weights: np.ndarray) -> np.ndarray:
        """x . B for one viewer, as float32 (n_items,) with 0 for uncovered items; reads only the history's rows."""
        local = self.local[positions]
        covered = local >= 0
        out = np.zeros(self.n_items, dtype=np.float32)
        if covered.any():
            # numba, imported where a viewer is first scored: the history's rows summed where they lie,
            # never gathered into a copy first (a long history's copy was most of the cost: 13 MB and
            # 1.5 ms for 1,500 of EASE's 2,269 rows).
            from personalization.recommender import kernels

            rows, weights, matrix = local[covered], input_weights[covered].astype(np.float32), self.weights
            if self.sparse:
                out[self.columns] = kernels.neighbour_sums(matrix.indptr, matrix.indices, matrix.data, rows, weights)
            else:
                out[self.columns] = kernels.row_sums(matrix, rows, weights)
        return out

    def score_matrix(self, inputs: sp.csr_matrix) -> np.ndarray:
        """X . B for a block of viewers (rows of `inputs`, users x n_items input weights), float32."""
        block = inputs[:, self.columns].astype(np.float32)
        out = np.zeros((inputs.shape[0], self.n_items), dtype=np.float32)
        product = block @ self.weights
        out[:, self.columns] = product.toarray() if sp.issparse(product) else product
        return out

    @property
    def sparse(self) -> bool:
        return sp.issparse(self.weights)

    def neighbours(self, position: int) -> np.ndarray | None:
        """How strongly the item at `position` predicts every item (n_items,), or None if uncovered."""
        local = self.local[position]
        if local < 0:
            return None
        out = np.zeros(self.n_items)
        row = self.weights[local]
        out[self.columns] = row.toarray().reshape(-1) if sp.issparse(row) else row
        return out


def fit_item_model(
    weights: sp.csr_matrix, counts: np.ndarray, *, lam: float, min_count: int, max_items: int | None = None
) -> ItemModel:
    """EASE on the weighted users x items matrix, restricted to items with >= min_count interactions
    and, of those, the `max_items` with the most (ties to the lower position)."""
    columns = covered_items(counts, min_count=min_count, max_items=max_items)
    matrix = weights[:, columns].astype(np.float64).tocsr()
    precision = _inverse_gram(matrix, lam)
    b = -precision / np.diag(precision)
    np.fill_diagonal(b, 0.0)
    return ItemModel(columns, b, weights.shape[1])


def covered_items(counts: np.ndarray, *, min_count: int, max_items: int | None) -> np.ndarray:
    """Sorted positions of the items an item model covers: >= min_count, the max_items most counted."""
    counts = np.asarray(counts)
    columns = np.flatnonzero(counts >= min_count)
    if max_items is not None and len(columns) > max_items:
        order = np.lexsort((columns, -counts[columns]))
        columns = np.sort(columns[order[:max_items]])
    return columns


def _inverse_gram(matrix: sp.csr_matrix, lam: float) -> np.ndarray:
    """(X'X + lam I)^-1, through the smaller of the two systems.

    With fewer users than items (MovieLens small: 610 x ~2,300) the Woodbury identity
    (X'X + lam I)^-1 = (I - X' (lam I + X X')^-1 X) / lam solves an n_users-sized system instead,
    several times faster than inverting the m x m Gram matrix.
    """
    n_users, m = matrix.shape
    if n_users < m:
        inner = (matrix @ matrix.T).toarray() + lam * np.eye(n_users)
        solved = np.linalg.solve(inner, matrix.toarray())
        return (np.eye(m) - np.asarray(matrix.T @ solved)) / lam
    gram = (matrix.T @ matrix).toarray() + lam * np.eye(m)
    return np.linalg.inv(gram)
