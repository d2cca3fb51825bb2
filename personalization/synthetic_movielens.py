"""MovieLens-shaped synthetic data F times the size of a source data set (ml-latest-small), deterministic by seed.

How a data set of factor F is made from a source with U viewers, T titles and R ratings:

- Catalogue: T' = min(cap, round(T * sqrt(F))) titles (sqrt: a service with 10x the viewers does not
  have 10x the films; ml-latest-small grown 10x gives ~31k titles, 250x reaches ml-25m's 62,423, the
  default cap). The T' - T new titles are clones of source titles (drawn in a seeded random order,
  round after round): same year and genres, the source's tags, a new movieId above the source's
  largest and a title "Name #k (year)". Every title gets a popularity rank: the source titles by their
  number of ratings, each clone right after the title it copies (so clones sit among titles as
  popular as their original).
- Viewers: U' = round(F * U). For F >= 1 the first U are the real viewers, unchanged (factor 1 gives the
  source back); the other U' - U are each a real viewer drawn at random (with replacement) whose
  ratings are copied with their stars and dates (plus a jitter of up to a day), except that a share
  `swap` of them (0.3 by default) moves to another title of similar popularity: the title whose
  popularity rank is within +-`window` ranks of the original's (`window` grows with the catalogue).
  A swap landing on a title the viewer already rated is drawn again (up to 8 times, then dropped),
  so R' is F * R to within a small fraction of a percent. For F < 1 a random subset of round(F * U)
  real viewers is kept.
- So per-viewer history lengths, the star distribution and the long tail of title popularity follow
  the source, while the resampled viewers are not copies of real ones. New viewers get ids above the
  source's largest. Tags (tags.csv) are the source's, plus each clone's copy of its original's tags.

Pure pandas/numpy: frames in, frames out (`read_source`, `grow`, `write`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ML_25M_TITLES = 62_423  # the default cap on the catalogue: the size of MovieLens 25M
DEFAULT_SWAP = 0.3
DAY = 86_400
SWAP_ATTEMPTS = 8


@dataclass(frozen=True)
class Source:
    """The four MovieLens files as frames (columns as in the CSV headers)."""

    ratings: pd.DataFrame  # userId, movieId, rating, timestamp
    movies: pd.DataFrame  # movieId, title, genres
    links: pd.DataFrame  # movieId, imdbId, tmdbId (as strings, blanks kept)
    tags: pd.DataFrame  # userId, movieId, tag, timestamp


@dataclass(frozen=True)
class SyntheticSpec:
    factor: float
    seed: int = 0
    swap: float = DEFAULT_SWAP
    max_titles: int = ML_25M_TITLES

    def __post_init__(self) -> None:
        if not (math.isfinite(self.factor) and self.factor > 0):
            raise ValueError(f"factor must be a positive number, got {self.factor}")
        if not 0 <= self.swap <= 1:
            raise ValueError(f"swap must be between 0 and 1, got {self.swap}")
        if self.max_titles < 1:
            raise ValueError(f"max_titles must be >= 1, got {self.max_titles}")


def read_source(directory: str | Path) -> Source:
    directory = Path(directory)
    missing = [name for name in ("ratings.csv", "movies.csv") if not (directory / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{directory} is not a MovieLens directory: missing {', '.join(missing)}")
    ratings = pd.read_csv(
        directory / "ratings.csv", dtype={"userId": np.int64, "movieId": np.int64, "rating": np.float64}
    )
    movies = pd.read_csv(directory / "movies.csv", dtype={"movieId": np.int64, "title": str, "genres": str})
    links_path, tags_path = directory / "links.csv", directory / "tags.csv"
    links = (
        pd.read_csv(links_path, dtype=str, keep_default_na=False)
        if links_path.is_file()
        else pd.DataFrame({"movieId": movies["movieId"].astype(str), "imdbId": "", "tmdbId": ""})
    )
    tags = (
        pd.read_csv(tags_path, dtype={"userId": np.int64, "movieId": np.int64, "tag": str})
        if tags_path.is_file()
        else pd.DataFrame({"userId": [], "movieId": [], "tag": [], "timestamp": []})
    )
    return Source(ratings=ratings, movies=movies, links=links, tags=tags)


def title_count(source_titles: int, factor: float, cap: int) -> int:
    """Titles in the grown catalogue: sqrt growth, never fewer than the source, never above the cap."""
    return max(source_titles, min(cap, round(source_titles * math.sqrt(max(factor, 1.0)))))


def grow(source: Source, spec: SyntheticSpec) -> Source:
    """The synthetic data set (see the module docstring)."""
    rng = np.random.default_rng(spec.seed)
    movies = source.movies.sort_values("movieId", kind="stable").reset_index(drop=True)
    if spec.max_titles < len(movies):
        raise ValueError(f"max_titles ({spec.max_titles}) is below the source's {len(movies)} titles")
    movies, links, tags, rank_order = _grow_catalogue(source, movies, spec, rng)
    ratings = _grow_viewers(source.ratings, spec, rng, rank_order)
    return Source(ratings=ratings, movies=movies, links=links, tags=tags)


def _grow_catalogue(
    source: Source, movies: pd.DataFrame, spec: SyntheticSpec, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    n_source = len(movies)
    n_clones = title_count(n_source, spec.factor, spec.max_titles) - n_source
    rounds = -(-n_clones // n_source) if n_clones else 0
    # Clone sources: a seeded permutation of the source titles per round; clone k of a title is round k.
    permutations = [rng.permutation(n_source) for _ in range(rounds)]
    picks = np.concatenate([np.empty(0, dtype=np.int64), *permutations])[:n_clones].astype(np.int64)
    round_of = np.repeat(np.arange(1, rounds + 1), n_source)[:n_clones]
    first_new = int(movies["movieId"].max()) + 1
    clone_ids = first_new + np.arange(n_clones, dtype=np.int64)
    clone_titles = [_clone_title(movies["title"].iat[pick], k) for pick, k in zip(picks, round_of, strict=True)]
    clones = pd.DataFrame({"movieId": clone_ids, "title": clone_titles, "genres": movies["genres"].to_numpy()[picks]})
    grown_movies = pd.concat([movies, clones], ignore_index=True)

    links = source.links[["movieId", "imdbId", "tmdbId"]]
    # Clones are not real films: no IMDb/TMDB ids (blank, as MovieLens leaves unknown links).
    grown_links = pd.concat(
        [links, pd.DataFrame({"movieId": clone_ids.astype(str), "imdbId": "", "tmdbId": ""})], ignore_index=True
    )

    tags = source.tags[["userId", "movieId", "tag", "timestamp"]]
    clone_of = pd.Series(clone_ids, index=movies["movieId"].to_numpy()[picks], name="clone")
    copied = tags.merge(clone_of, left_on="movieId", right_index=True)
    copied = copied.assign(movieId=copied.pop("clone"))
    grown_tags = pd.concat([tags, copied[tags.columns]], ignore_index=True)

    # Popularity rank: source titles by rating count (most rated first, ties by movieId), each
    # source followed by its clones.
    counts = source.ratings["movieId"].value_counts()
    order = np.lexsort((movies["movieId"].to_numpy(), -counts.reindex(movies["movieId"]).fillna(0).to_numpy()))
    source_rank = np.empty(n_source, dtype=np.int64)
    source_rank[order] = np.arange(n_source)
    # Sort key: (rank of the original, round) -> a single order over all titles.
    keys = np.concatenate([source_rank * (rounds + 1), source_rank[picks] * (rounds + 1) + round_of])
    ids = np.concatenate([movies["movieId"].to_numpy(), clone_ids])
    rank_order = ids[np.argsort(keys, kind="stable")]
    return grown_movies, grown_links, grown_tags, rank_order


def _clone_title(title: str, k: int) -> str:
    """ "Heat (1995)" -> "Heat #2 (1995)"; titles without a trailing year get " #k" at the end."""
    stripped = title.rstrip()
    if stripped.endswith(")") and "(" in stripped:
        head, _, year = stripped.rpartition("(")
        if year[:-1].strip().isdigit():
            return f"{head.rstrip()} #{k + 1} ({year}"
    return f"{stripped} #{k + 1}"


def _grow_viewers(
    ratings: pd.DataFrame, spec: SyntheticSpec, rng: np.random.Generator, rank_order: np.ndarray
) -> pd.DataFrame:
    ratings = ratings.sort_values(["userId", "timestamp", "movieId"], kind="stable").reset_index(drop=True)
    users, starts, lengths = np.unique(ratings["userId"].to_numpy(), return_index=True, return_counts=True)
    n_target = max(1, round(spec.factor * len(users)))
    if n_target <= len(users):
        kept = np.sort(rng.choice(users, size=n_target, replace=False))
        subset = ratings[ratings["userId"].isin(kept)]
        return subset.sort_values(["userId", "movieId"], kind="stable").reset_index(drop=True)

    extra = n_target - len(users)
    picks = rng.integers(0, len(users), size=extra)
    counts = lengths[picks]
    # Row indices of every picked viewer's ratings, in their order.
    offsets = np.repeat(starts[picks] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    rows = np.arange(int(counts.sum()), dtype=np.int64) + offsets
    new_users = int(users.max()) + 1 + np.repeat(np.arange(extra, dtype=np.int64), counts)
    items = ratings["movieId"].to_numpy()[rows].copy()

    swapped = rng.random(len(rows)) < spec.swap
    position = pd.Series(np.arange(len(rank_order)), index=rank_order)
    ranks = position.reindex(items).to_numpy()
    window = _window(len(rank_order))
    redo = swapped
    # A swap landing on a title the viewer already has is drawn again (a few times at most).
    for _ in range(SWAP_ATTEMPTS):
        offsets = rng.integers(-window, window + 1, size=int(redo.sum()))
        items[redo] = rank_order[np.clip(ranks[redo] + offsets, 0, len(rank_order) - 1)]
        redo = swapped & _duplicates(new_users, items, first=~swapped)
        if not redo.any():
            break
    jitter = rng.integers(0, DAY, size=len(rows))
    synthetic = pd.DataFrame(
        {
            "userId": new_users,
            "movieId": items,
            "rating": ratings["rating"].to_numpy()[rows],
            "timestamp": ratings["timestamp"].to_numpy()[rows] + jitter,
        }
    )
    synthetic = synthetic[~_duplicates(new_users, items, first=~swapped)]
    grown = pd.concat([ratings, synthetic], ignore_index=True)
    return grown.sort_values(["userId", "movieId"], kind="stable").reset_index(drop=True)


def _duplicates(users: np.ndarray, items: np.ndarray, *, first: np.ndarray) -> np.ndarray:
    """Rows whose (user, item) an earlier row already has, rows marked `first` counted before the others."""
    keys = users.astype(np.int64) * (int(items.max(initial=0)) + 1) + items
    order = np.argsort(~first, kind="stable")
    out = np.empty(len(keys), dtype=bool)
    out[order] = pd.Series(keys[order]).duplicated().to_numpy()
    return out


def _window(n_titles: int) -> int:
    """Half-width of a swap in popularity ranks: 1% of the catalogue, at least 10 ranks."""
    return max(10, n_titles // 100)


def write(data: Source, directory: str | Path, *, spec: SyntheticSpec, source_dir: str | Path) -> dict[str, int]:
    """The four CSV files (MovieLens headers and formats) and a README.txt saying how they were made."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ratings = data.ratings.assign(rating=data.ratings["rating"].map("{:.1f}".format))
    ratings.to_csv(directory / "ratings.csv", index=False, columns=["userId", "movieId", "rating", "timestamp"])
    data.movies.to_csv(directory / "movies.csv", index=False, columns=["movieId", "title", "genres"])
    data.links.to_csv(directory / "links.csv", index=False, columns=["movieId", "imdbId", "tmdbId"])
    data.tags.to_csv(directory / "tags.csv", index=False, columns=["userId", "movieId", "tag", "timestamp"])
    counts = {
        "ratings": len(data.ratings),
        "viewers": int(data.ratings["userId"].nunique()),
        "titles": len(data.movies),
        "rated_titles": int(data.ratings["movieId"].nunique()),
        "tags": len(data.tags),
    }
    (directory / "README.txt").write_text(
        "Synthetic MovieLens-format data made by `python manage.py make_synthetic` (Streamflix).\n"
        f"Source: {source_dir}\nfactor {spec.factor}, seed {spec.seed}, swap {spec.swap}, "
        f"max titles {spec.max_titles}\n"
        + "".join(f"{name}: {value}\n" for name, value in counts.items())
        + "\nHow it is made: personalization/synthetic_movielens.py (module docstring). Not real people's ratings.\n"
    )
    return counts
