"""Item-to-item similarities for "Because you watched X", each a function of plain arrays.

Four kinds are measured by the protocol (`because_hit_rate_at_20`) and one, `blend`, serves:

- `factors`:  cosine of the rating model's item factors q_i (taste);
- `ease`:     row X of EASE's B, how much having watched X predicts each title;
- `cowatch`:  cosine of the titles' viewer sets, |V_x & V_j| / sqrt(|V_x| |V_j|);
- `content`:  cosine of genre + tag vectors (`ItemContent.combined`);
- `blend`:    (1 - a) cowatch + a content with a = shrink / (shrink + |V_x|): a seed with few
              viewers leans on what it is about, a well-watched one on who watches it. Titles with
              fewer than `min_viewers` viewers are never neighbours, and neighbours below `floor`
              are dropped: the row is shorter, or empty, rather than noise.

`blend_table` computes every title's blend neighbours at once, in blocks of titles (the nightly
training stores them with the model: a web process then looks a seed up instead of computing it).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

SIMILARITIES = ("factors", "ease", "cowatch", "content", "blend")


def row_norms(matrix: np.ndarray | sp.csr_matrix) -> np.ndarray:
    """The Euclidean norm of every row."""
    if sp.issparse(matrix):
        return np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).reshape(-1))
    return np.linalg.norm(matrix, axis=1)


def cosine_rows(matrix: np.ndarray | sp.csr_matrix, position: int, *, norms: np.ndarray | None = None) -> np.ndarray:
    """Cosine of row `position` with every row (0 where either row is all zeros); `norms` are the
    rows' norms when the caller keeps them."""
    if sp.issparse(matrix):
        row = matrix[position]
        dots = np.asarray((matrix @ row.T).todense()).reshape(-1)
    else:
        dots = matrix @ matrix[position]
    if norms is None:
        norms = row_norms(matrix)
    scale = norms * norms[position]
    return np.divide(dots, scale, out=np.zeros(len(dots)), where=scale > 0)


def cowatch_cosine(watched_by_item: sp.csr_matrix, watched_by_user: sp.csr_matrix, position: int) -> np.ndarray:
    """Cosine of item `position`'s viewer set with every item's, from the 0/1 users x items matrix
    given both ways (items x users CSR for the seed's viewers, users x items CSR to count)."""
    viewers = watched_by_item.indices[watched_by_item.indptr[position] : watched_by_item.indptr[position + 1]]
    counts = np.diff(watched_by_item.indptr).astype(np.float64)
    if len(viewers) == 0:
        return np.zeros(len(counts))
    together = np.bincount(watched_by_user[viewers].indices, minlength=len(counts)).astype(np.float64)
    scale = np.sqrt(counts * counts[position])
    return np.divide(together, scale, out=np.zeros(len(counts)), where=scale > 0)


def blend(cowatch: np.ndarray, content: np.ndarray, seed_viewers: float, shrink: float) -> np.ndarray:
    share = shrink / (shrink + seed_viewers) if shrink + seed_viewers > 0 else 1.0
    return (1.0 - share) * cowatch + share * content


def neighbours(
    similarity: np.ndarray, position: int, popularity: np.ndarray, k: int, *, min_viewers: float, floor: float
) -> np.ndarray:
    """Positions of up to k most similar titles: never the seed, never below the floor or too rare."""
    similarity = np.asarray(similarity, dtype=np.float64).copy()
    similarity[popularity < min_viewers] = -np.inf
    similarity[similarity < floor] = -np.inf
    similarity[position] = -np.inf
    candidates = np.flatnonzero(np.isfinite(similarity))
    order = np.lexsort((candidates, -similarity[candidates]))
    return candidates[order[:k]]


def blend_table(
    watched_by_item: sp.csr_matrix,
    watched_by_user: sp.csr_matrix,
    content: sp.csr_matrix,
    content_norms: np.ndarray,
    popularity: np.ndarray,
    k: int,
    *,
    shrink: float,
    min_viewers: float,
    floor: float,
    block: int = 256,
) -> np.ndarray:
    """(n_items, k) positions: row x is `neighbours(blend(...), x, ...)` for seed x, -1 padded where
    fewer than k clear the floor. The same arithmetic as the one-seed functions above, a block of
    seeds at a time (co-watching counts are whole numbers; a dot product sums the same terms in the
    same order), so the same neighbours in the same order."""
    n_items = len(popularity)
    counts = np.diff(watched_by_item.indptr).astype(np.float64)
    # Only titles with enough viewers can be anyone's neighbours: the others' columns are never computed.
    eligible = np.flatnonzero(np.asarray(popularity) >= min_viewers)
    by_item = watched_by_item.astype(np.float64)
    by_user = watched_by_user[:, eligible].astype(np.float64).tocsc()
    content_t = content[eligible].T.tocsc()
    column_of = np.full(n_items, -1)
    column_of[eligible] = np.arange(len(eligible))
    out = np.full((n_items, k), -1, dtype=np.int64)
    for start in range(0, n_items, block):
        seeds = np.arange(start, min(start + block, n_items))
        scale = np.sqrt(counts[seeds, None] * counts[None, eligible])
        together = (by_item[seeds] @ by_user).toarray()
        cowatch = np.divide(together, scale, out=np.zeros_like(together), where=scale > 0)
        dots = (content[seeds] @ content_t).toarray()
        scale = content_norms[seeds, None] * content_norms[None, eligible]
        similar = np.divide(dots, scale, out=np.zeros_like(dots), where=scale > 0)
        viewers = np.asarray(popularity[seeds], dtype=np.float64)
        denominator = shrink + viewers
        share = np.divide(shrink, denominator, out=np.ones_like(viewers), where=denominator > 0)
        similarity = (1.0 - share)[:, None] * cowatch + share[:, None] * similar
        similarity[similarity < floor] = -np.inf
        own = column_of[seeds] >= 0
        similarity[np.flatnonzero(own), column_of[seeds[own]]] = -np.inf
        # Each seed's k-th highest similarity (-inf when fewer than k clear the floor): only titles at or
        # above it can be neighbours (ties included, so the order below decides between them).
        if k <= len(eligible):
            kth = -np.partition(-similarity, k - 1, axis=1)[:, k - 1]
        else:
            kth = np.full(len(seeds), -np.inf)
        rows, columns = np.nonzero(np.isfinite(similarity) & (similarity >= kth[:, None]))
        # By seed, then most similar first, then lower position: each seed's first k are its neighbours.
        order = np.lexsort((columns, -similarity[rows, columns], rows))
        rows, columns = rows[order], columns[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, np.arange(len(seeds)))[rows]
        kept = rank < k
        out[seeds[rows[kept]], rank[kept]] = eligible[columns[kept]]
    return out
