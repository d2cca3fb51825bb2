"""The catalogue as numpy arrays: what pages, the recommender's alignment and the bandit read. Pure.

A homepage touches a few hundred titles out of ~10,000; querying them per request would cost more
than everything else on the page. `catalog.selectors.catalog_snapshot` builds one of these per
process from the database and rebuilds it when the catalogue changes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from catalog.themes import THEME_INDEX


@dataclass(frozen=True)
class ArtworkVariant:
    artwork_id: int
    theme: str
    is_default: bool
    card_url: str  # the stored rendition, or the view that draws it on first request
    hero_url: str
    exploring: bool = False  # new (Artwork.explore_until ahead): the chooser gives it extra tries
    painted: bool = True  # the title is painted on the card (generated art); uploads and video frames have none


class TitleArms(NamedTuple):
    """A title's active artwork variants, in variant order, as the bandit reads them."""

    themes: np.ndarray  # int64 theme index of each (THEME_INDEX)
    ids: tuple[int, ...]  # artwork ids
    exploring: tuple[bool, ...]  # ArtworkVariant.exploring of each
    any_exploring: bool


@dataclass
class CatalogSnapshot:
    """Every available title as arrays (index = position) plus the display fields pages need."""

    version: int
    title_ids: np.ndarray  # int64, ascending
    names: list[str]
    years: np.ndarray  # int32, 0 when unknown
    rating_count: np.ndarray  # int64
    rating_mean: np.ndarray  # float64, nan when unrated
    trending: np.ndarray  # activity in the most recent window (see catalog.models.Title.trending)
    genre_names: tuple[str, ...]
    genre_matrix: np.ndarray  # bool (n_titles, n_genres)
    theme_matrix: np.ndarray  # bool (n_titles, len(ALL_THEMES)): what each title is about (genre + tag themes)
    artworks: dict[int, tuple[ArtworkVariant, ...]]  # active variants per title id, default first
    aka: list[str] = field(default_factory=list)  # other titles ("Le Fabuleux destin d'Amélie Poulain"), "" if none
    # A title whose artwork is all retired shows a generated default card: str.format patterns of its URLs.
    default_card_pattern: str = ""
    default_hero_pattern: str = ""
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)
    _arms: dict[int, TitleArms] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.title_ids)

    def index_of(self, title_ids: np.ndarray | list[int]) -> np.ndarray:
        """Positions of the given title ids; -1 for ids not in the snapshot."""
        ids = np.asarray(title_ids, dtype=np.int64)
        positions = np.searchsorted(self.title_ids, ids)
        positions = np.clip(positions, 0, max(len(self.title_ids) - 1, 0))
        found = len(self.title_ids) > 0 and self.title_ids[positions] == ids
        return np.where(found, positions, -1)

    def positions_of(self, title_ids: np.ndarray | list[int]) -> np.ndarray:
        """Positions of the given title ids that are in the snapshot, in order (unknown ones dropped)."""
        positions = self.index_of(title_ids)
        return positions[positions >= 0]

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """A value derived from this snapshot, computed once: it lives and dies with the snapshot."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def arms(self, title_id: int) -> TitleArms:
        """A title's active variants as the bandit reads them (the chooser asks for ~270 titles a page):
        derived once per title and kept in a plain dict, one lookup a card."""
        arms = self._arms.get(title_id)
        if arms is None:
            variants = self.artworks.get(title_id, ())
            exploring = tuple(v.exploring for v in variants)
            themes = np.fromiter((THEME_INDEX[v.theme] for v in variants), dtype=np.int64, count=len(variants))
            themes.setflags(write=False)  # shared by every page of the process
            arms = self._arms[title_id] = TitleArms(
                themes=themes,
                ids=tuple(v.artwork_id for v in variants),
                exploring=exploring,
                any_exploring=any(exploring),
            )
        return arms

    def artwork_themes(self, title_id: int) -> np.ndarray:
        """Theme index of each active variant of a title, in variant order."""
        return self.arms(title_id).themes

    def artwork_ids(self, title_id: int) -> tuple[int, ...]:
        """Artwork id of each active variant of a title, in variant order."""
        return self.arms(title_id).ids

    def exploring(self, title_id: int) -> tuple[bool, ...]:
        """Whether each active variant of a title is new and explored (`ArtworkVariant.exploring`)."""
        return self.arms(title_id).exploring

    def default_variant(self, title_id: int) -> ArtworkVariant | None:
        """The editor's default (sorted first), or None for a title without active artwork."""
        variants = self.artworks.get(title_id, ())
        return variants[0] if variants else None

    def default_art_url(self, title_id: int, *, hero: bool = False) -> str:
        """The generated default card (or billboard) of a title without active artwork."""
        pattern = self.default_hero_pattern if hero else self.default_card_pattern
        return pattern.format(title_id) if pattern else ""

    def genre_positions(self) -> tuple[np.ndarray, ...]:
        """Per genre (in `genre_names` order), the positions of its titles, ascending: a page's genre rows
        read these instead of a strided column of `genre_matrix` each."""
        return self.memo(
            "genre_positions",
            lambda: tuple(np.flatnonzero(self.genre_matrix[:, j]) for j in range(len(self.genre_names))),
        )

    def genres_of(self, index: int) -> tuple[str, ...]:
        return self.memo(
            ("genres", index), lambda: tuple(self.genre_names[j] for j in np.flatnonzero(self.genre_matrix[index]))
        )
