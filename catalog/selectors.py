"""Reads of the catalog, shaped for building pages fast: the process's `CatalogSnapshot`.

Each process keeps one snapshot (numpy arrays plus display fields, see `catalog.snapshot`) and
rebuilds it when `catalog.services.catalog_changed()` bumps the version in the cache, or when it is
older than MAX_SNAPSHOT_AGE_SECONDS (renditions drawn in the background change its URLs).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.core.cache import cache
from django.utils import timezone

from catalog.models import Artwork, FrameCandidate, FrameProposalJob, Genre, Title, artwork_image_url, default_art_url
from catalog.snapshot import ArtworkVariant, CatalogSnapshot
from catalog.themes import ALL_THEMES, THEME_INDEX, title_theme_set
from streamflix.refreshed import Refreshed

CATALOG_VERSION_KEY = "catalog:version"
VERSION_CHECK_SECONDS = 5.0
MAX_SNAPSHOT_AGE_SECONDS = 600.0

_snapshots: Refreshed[CatalogSnapshot] = Refreshed(
    "catalog snapshot",
    version=lambda: cache.get(CATALOG_VERSION_KEY, 0),
    load=lambda version: _build(version),
    check_seconds=VERSION_CHECK_SECONDS,
    max_age_seconds=MAX_SNAPSHOT_AGE_SECONDS,
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
        .values_list("id", "name", "year", "rating_count", "rating_mean", "trending", "tags", "aka")
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
        for theme in title_theme_set(title_genres[row[0]], row[6] or []):
            theme_matrix[i, THEME_INDEX[theme]] = True
    return CatalogSnapshot(
        version=version,
        title_ids=title_ids,
        names=[r[1] for r in rows],
        years=np.array([r[2] or 0 for r in rows], dtype=np.int32),
        rating_count=np.array([r[3] for r in rows], dtype=np.int64),
        rating_mean=np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=np.float64),
        trending=np.array([r[5] for r in rows], dtype=np.float64),
        genre_names=genres,
        genre_matrix=genre_matrix,
        theme_matrix=theme_matrix,
        artworks=_artworks(position),
        aka=[r[7] for r in rows],
        default_card_pattern=default_art_url("{}", "card"),
        default_hero_pattern=default_art_url("{}", "hero"),
    )


def _artworks(position: dict[int, int]) -> dict[int, tuple[ArtworkVariant, ...]]:
    variants: dict[int, list[ArtworkVariant]] = defaultdict(list)
    now = timezone.now()
    for artwork_id, title_id, theme, is_default, card, hero, explore_until, source, original in (
        Artwork.objects.active()
        .order_by("title_id", "-is_default", "id")
        .values_list("id", "title_id", "theme", "is_default", "card", "hero", "explore_until", "source", "original")
    ):
        if title_id not in position:
            continue
        variants[title_id].append(
            ArtworkVariant(
                artwork_id=artwork_id,
                theme=theme,
                is_default=is_default,
                card_url=artwork_image_url(artwork_id, "card", card),
                hero_url=artwork_image_url(artwork_id, "hero", hero),
                # Snapshots live minutes (MAX_SNAPSHOT_AGE_SECONDS), so exploration ends within that of its date.
                exploring=explore_until is not None and explore_until > now,
                painted=source == Artwork.Source.GENERATED and not original,
            )
        )
    return {title_id: tuple(v) for title_id, v in variants.items()}


def frame_jobs_recent(title: Title, *, limit: int = 5) -> list[FrameProposalJob]:
    """The title's latest artwork-discovery uploads, newest first."""
    return list(title.frame_jobs.order_by("-created_at", "-id")[:limit])


def frame_candidates_latest(title: Title) -> list[FrameCandidate]:
    """The candidates of the title's newest finished job, best first (what the contact sheet shows)."""
    job = title.frame_jobs.filter(state=FrameProposalJob.State.DONE).order_by("-created_at", "-id").first()
    if job is None:
        return []
    return list(job.candidates.select_related("artwork").order_by("rank"))
