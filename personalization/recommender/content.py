"""What titles are about, as plain arrays: release year, genres and viewers' tags.

`train` takes it as an optional `items` frame (columns item, year, genres, tags; genres and tags are
lists of strings or "|"-joined strings). The site fills it from the catalog tables
(`services.training.training_frames`), the offline protocol from MovieLens's movies.csv and tags.csv
(`movielens_items`). Titles without content get an empty row: the content features are then 0 and
"Because you watched" relies on co-watching alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

_YEAR = re.compile(r"\((\d{4})\)\s*$")
NO_GENRES = "(no genres listed)"


@dataclass(frozen=True)
class ItemContent:
    """Per item of the model's index: release year (NaN unknown), genre and tag vectors (rows L2-normalised)."""

    year: np.ndarray  # (n_items,)
    genres: sp.csr_matrix  # (n_items, n_genres) binary / sqrt(genres of the item)
    tags: sp.csr_matrix  # (n_items, n_tags) tf-idf, L2-normalised

    @classmethod
    def empty(cls, n_items: int) -> ItemContent:
        return cls(np.full(n_items, np.nan), sp.csr_matrix((n_items, 0)), sp.csr_matrix((n_items, 0)))

    @property
    def n_items(self) -> int:
        return len(self.year)

    def combined(self) -> sp.csr_matrix:
        """Genres and tags side by side, each half weighted equally, rows L2-normalised (for cosines)."""
        return unit_rows(sp.hstack([self.genres, self.tags], format="csr"))

    def profile(self, positions: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A viewer's genre and tag profiles: the weighted mean of their titles' vectors, L2-normalised."""
        return _weighted_unit(self.genres, positions, weights), self.tag_profile(positions, weights)

    def tag_profile(self, positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return _weighted_unit(self.tags, positions, weights)

    def tag_scores(self, positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """`tags @ tag_profile(...)`: every title's tag vector times the viewer's profile, the same floats
        in a compiled loop (scipy's call costs more than the arithmetic for one viewer)."""
        from personalization.recommender import kernels  # numba: imported where a viewer is first scored

        tags = self.tags
        return kernels.csr_matvec(tags.indptr, tags.indices, tags.data, self.tag_profile(positions, weights))


def _weighted_unit(matrix: sp.csr_matrix, positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    if matrix.shape[1] == 0 or len(positions) == 0:
        return np.zeros(matrix.shape[1])
    spread = np.zeros(matrix.shape[0])
    np.add.at(spread, positions, np.asarray(weights, dtype=np.float64))
    from personalization.recommender import kernels  # numba: imported where a viewer is first scored

    # matrix.T @ spread as scipy sums it, visiting only the history's rows (no row slicing, no pass over every title)
    vector = kernels.transposed_matvec(matrix.indptr, matrix.indices, matrix.data, spread, matrix.shape[1])
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def build_content(items: pd.DataFrame | None, item_ids: np.ndarray) -> ItemContent:
    """Align an items frame with the model's (sorted) item ids; items it does not mention stay empty."""
    n_items = len(item_ids)
    if items is None or len(items) == 0:
        return ItemContent.empty(n_items)
    missing = {"item"} - set(items.columns)
    if missing:
        raise ValueError("items needs an item column (and any of year, genres, tags)")
    frame = items.drop_duplicates("item", keep="last")
    frame = frame[frame["item"].isin(item_ids)]
    positions = np.searchsorted(item_ids, frame["item"].to_numpy(dtype=np.int64))
    year = np.full(n_items, np.nan)
    if "year" in frame:
        year[positions] = pd.to_numeric(frame["year"], errors="coerce").to_numpy(dtype=np.float64)
    genres = _bag(frame.get("genres"), positions, n_items, ignore={NO_GENRES.lower()})
    tags = _bag(frame.get("tags"), positions, n_items)
    genres = unit_rows(genres)
    # Tags: tf-idf, so "atmospheric" on 200 titles says less than "time travel" on 12.
    document_frequency = np.bincount(tags.indices, minlength=tags.shape[1])
    idf = np.log((1 + n_items) / (1 + document_frequency)) + 1.0
    tags = unit_rows(tags @ sp.diags(idf))
    return ItemContent(year=year, genres=genres, tags=tags)


def movielens_items(movies: pd.DataFrame, tags: pd.DataFrame | None = None) -> pd.DataFrame:
    """MovieLens movies.csv (+ tags.csv) -> the items frame `train` takes (year from "Title (1995)")."""
    year = movies["title"].astype(str).str.extract(_YEAR)[0].astype(float)
    frame = pd.DataFrame({"item": movies["movieId"].astype(np.int64), "year": year, "genres": movies["genres"]})
    if tags is not None and len(tags):
        cleaned = tags.assign(tag=tags["tag"].astype(str).str.strip().str.lower())
        per_item = cleaned.groupby("movieId")["tag"].agg(lambda values: sorted(set(values)))
        frame["tags"] = frame["item"].map(per_item)
    else:
        frame["tags"] = None
    frame["tags"] = frame["tags"].apply(lambda value: value if isinstance(value, list) else [])
    return frame


def _split(value: object) -> list[str]:
    if isinstance(value, str):
        parts = value.split("|")
    elif isinstance(value, list | tuple | np.ndarray):
        parts = list(value)
    else:
        return []
    return [str(part).strip().lower() for part in parts if str(part).strip()]


def _bag(
    column: pd.Series | None, positions: np.ndarray, n_items: int, ignore: set[str] = frozenset()
) -> sp.csr_matrix:
    """Binary item x word matrix of a column of word lists (vocabulary in sorted order)."""
    if column is None:
        return sp.csr_matrix((n_items, 0))
    words = [[word for word in dict.fromkeys(_split(value)) if word not in ignore] for value in column]
    vocabulary = sorted({word for bag in words for word in bag})
    index = {word: column_index for column_index, word in enumerate(vocabulary)}
    rows = np.repeat(positions, [len(bag) for bag in words])
    cols = np.array([index[word] for bag in words for word in bag], dtype=np.int64)
    matrix = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(n_items, len(vocabulary)))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def unit_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Each row divided by its L2 norm (all-zero rows stay zero)."""
    matrix = sp.csr_matrix(matrix)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).reshape(-1))
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)
