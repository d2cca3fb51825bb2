"""Reads of the catalog, shaped for building pages fast.

A homepage touches a few hundred titles out of ~10,000; querying them per request would cost
more than everything else on the page. Each process keeps one `CatalogSnapshot` (numpy arrays
plus display fields) and rebuilds it when `catalog_changed()` bumps the version in the cache.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max

from catalog.models import Artwork, Genre, Title, artwork_image_url
from catalog.themes import ALL_THEMES, THEME_INDEX, title_theme_set
from streamflix.refreshed import Refreshed

VERSION_CHECK_SECONDS = 5.0
MAX_SNAPSHOT_AGE_SECONDS = 600.0
TRENDING_WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class ArtworkVariant:
    artwork_id: int
    theme: str
    is_default: bool
    card_name: str  # stored rendition, "" until drawn
    hero_name: str

    # URLs are made on use: a page shows ~200 variants, the snapshot holds ~30,000.
    @property
    def card_url(self) -> str:
        return artwork_image_url(self.artwork_id, "card", self.card_name)

    @property
    def hero_url(self) -> str:
        return artwork_image_url(self.artwork_id, "hero", self.hero_name)


@dataclass
class CatalogSnapshot:
    """Every available title as arrays (index = position) plus the display fields pages need."""

    version: int
    title_ids: np.ndarray  # int64, ascending
    names: list[str]
    years: np.ndarray  # int32, 0 when unknown
    rating_count: np.ndarray  # int64
    rating_mean: np.ndarray  # float64, nan when unrated
    trending: np.ndarray  # ratings (and site plays) in the most recent window
    genre_names: tuple[str, ...]
    genre_matrix: np.ndarray  # bool (n_titles, n_genres)
    theme_matrix: np.ndarray  # bool (n_titles, len(ALL_THEMES)): what each title is about (genre + tag themes)
    artworks: dict[int, tuple[ArtworkVariant, ...]]  # active variants per title id, default first
    _artwork_themes: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.title_ids)

    def index_of(self, title_ids: np.ndarray | list[int]) -> np.ndarray:
        """Positions of the given title ids; -1 for ids not in the snapshot."""
        ids = np.asarray(title_ids, dtype=np.int64)
        positions = np.searchsorted(self.title_ids, ids)
        positions = np.clip(positions, 0, max(len(self.title_ids) - 1, 0))
        found = len(self.title_ids) > 0 and self.title_ids[positions] == ids
        return np.where(found, positions, -1)

    def artwork_themes(self, title_id: int) -> np.ndarray:
        """Theme index of each active variant of a title, in variant order (memoised: the bandit
        asks for ~200 titles a page)."""
        themes = self._artwork_themes.get(title_id)
        if themes is None:
            variants = self.artworks.get(title_id, ())
            themes = np.fromiter((THEME_INDEX[v.theme] for v in variants), dtype=np.int64, count=len(variants))
            self._artwork_themes[title_id] = themes
        return themes

    def genres_of(self, index: int) -> list[str]:
        return [self.genre_names[j] for j in np.flatnonzero(self.genre_matrix[index])]


_snapshots: Refreshed[CatalogSnapshot] = Refreshed(
    "catalog snapshot",
    version=lambda: cache.get("catalog:version", 0),
    load=lambda version: _build(version),
    check_seconds=VERSION_CHECK_SECONDS,
    max_age_seconds=MAX_SNAPSHOT_AGE_SECONDS,  # trending and renditions drift without a version bump
)


def catalog_snapshot() -> CatalogSnapshot:
    """The process's snapshot, rebuilt when the catalog version moved or it grew old."""
    return _snapshots.get()


def catalog_snapshot_clear() -> None:
    """Forget the process's snapshot (tests, and after bulk changes in the same process)."""
    _snapshots.forget()


def _build(version: int) -> CatalogSnapshot:
    rows = list(
        Title.objects.available()
        .order_by("id")
        .values_list("id", "name", "year", "rating_count", "rating_mean", "tags")
    )
    title_ids = np.array([r[0] for r in rows], dtype=np.int64)
    genres = tuple(Genre.objects.order_by("name").values_list("name", flat=True))
    genre_col = {name: j for j, name in enumerate(genres)}
    genre_matrix = np.zeros((len(rows), len(genres)), dtype=bool)
    position = {tid: i for i, tid in enumerate(title_ids.tolist())}
    title_genres: dict[int, list[str]] = defaultdict(list)
    for title_id, genre_name in Title.genres.through.objects.values_list("title_id", "genre__name"):
        if title_id in position:
            genre_matrix[position[title_id], genre_col[genre_name]] = True
            title_genres[title_id].append(genre_name)
    theme_matrix = np.zeros((len(rows), len(ALL_THEMES)), dtype=bool)
    for i, row in enumerate(rows):
        for theme in title_theme_set(title_genres[row[0]], row[5] or []):
            theme_matrix[i, THEME_INDEX[theme]] = True
    return CatalogSnapshot(
        version=version,
        title_ids=title_ids,
        names=[r[1] for r in rows],
        years=np.array([r[2] or 0 for r in rows], dtype=np.int32),
        rating_count=np.array([r[3] for r in rows], dtype=np.int64),
        rating_mean=np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=np.float64),
        trending=_trending(position),
        genre_names=genres,
        genre_matrix=genre_matrix,
        theme_matrix=theme_matrix,
        artworks=_artworks(position),
    )


def _trending(position: dict[int, int]) -> np.ndarray:
    """Ratings in the last year of activity: MovieLens' clock stops in 2018, so "now" is its last rating."""
    from personalization.models import Rating  # catalog reads, never writes, viewer data

    counts = np.zeros(len(position), dtype=np.float64)
    latest = Rating.objects.aggregate(latest=Max("rated_at"))["latest"]
    if latest is None:  # nobody has rated anything: all-time popularity is the best guess
        for title_id, rating_count in Title.objects.filter(id__in=position).values_list("id", "rating_count"):
            counts[position[title_id]] = rating_count
        return counts
    recent = Rating.objects.filter(rated_at__gte=latest - TRENDING_WINDOW).values("title_id").annotate(n=Count("id"))
    for row in recent:
        if row["title_id"] in position:
            counts[position[row["title_id"]]] = row["n"]
    return counts


def _artworks(position: dict[int, int]) -> dict[int, tuple[ArtworkVariant, ...]]:
    variants: dict[int, list[ArtworkVariant]] = defaultdict(list)
    for artwork_id, title_id, theme, is_default, card, hero in (
        Artwork.objects.active()
        .order_by("title_id", "-is_default", "id")
        .values_list("id", "title_id", "theme", "is_default", "card", "hero")
    ):
        if title_id not in position:
            continue
        variants[title_id].append(
            ArtworkVariant(
                artwork_id=artwork_id,
                theme=theme,
                is_default=is_default,
                card_name=card,
                hero_name=hero,
            )
        )
    return {title_id: tuple(v) for title_id, v in variants.items()}
