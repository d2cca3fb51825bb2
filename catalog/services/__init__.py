"""Writes to the catalog: importing MovieLens titles, creating artwork and its renditions."""

from __future__ import annotations

import logging
import os
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from PIL import Image

from catalog.artwork import DEFAULT_THEME, render_artwork
from catalog.images import encode_jpeg, fit
from catalog.models import Artwork, Genre, Title
from catalog.movielens import MovieLensData
from catalog.selectors import CATALOG_VERSION_KEY
from catalog.themes import themes_for_title

logger = logging.getLogger(__name__)

Rendition = Literal["card", "hero"]
RENDITION_SIZES: dict[str, tuple[int, int]] = {"card": Artwork.CARD_SIZE, "hero": Artwork.HERO_SIZE}
MAX_TAGS_PER_TITLE = 12


@dataclass
class CatalogImportStats:
    genres_created: int = 0
    titles_created: int = 0
    titles_updated: int = 0
    artworks_created: int = 0


@transaction.atomic
def catalog_import(*, data: MovieLensData) -> CatalogImportStats:
    """Create or update genres, titles, their tags and generated artwork rows. Idempotent."""
    stats = CatalogImportStats()
    genres = _genres_upsert(sorted({g for movie in data.movies for g in movie.genres}), stats)
    links = {link.movie_id: link for link in data.links}
    tags = _tags_by_movie(data)

    existing = {t.movielens_id: t for t in Title.objects.filter(movielens_id__isnull=False)}
    names_before = {t.pk: t.name for t in existing.values()}
    years_before = {t.pk: t.year for t in existing.values()}
    to_create, to_update = [], []
    for movie in data.movies:
        link = links.get(movie.movie_id)
        fields = {
            "name": movie.name,
            "aka": movie.aka,
            "year": movie.year,
            "tags": tags.get(movie.movie_id, []),
            "imdb_id": link.imdb_id if link else "",
            "tmdb_id": link.tmdb_id if link else None,
        }
        title = existing.get(movie.movie_id)
        if title is None:
            to_create.append(Title(movielens_id=movie.movie_id, **fields))
        elif any(getattr(title, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(title, key, value)
            to_update.append(title)
    Title.objects.bulk_create(to_create, batch_size=2000)
    Title.objects.bulk_update(to_update, ["name", "aka", "year", "tags", "imdb_id", "tmdb_id"], batch_size=2000)
    # Cards carry the title painted on them: a renamed title's generated renditions are drawn again.
    renamed = [t.pk for t in to_update if t.name != names_before[t.pk] or t.year != years_before[t.pk]]
    artwork_renditions_forget(title_ids=renamed)
    stats.titles_created, stats.titles_updated = len(to_create), len(to_update)

    title_ids = dict(Title.objects.filter(movielens_id__isnull=False).values_list("movielens_id", "id"))
    _title_genres_sync(
        {title_ids[m.movie_id]: {genres[g] for g in m.genres} for m in data.movies},
    )
    stats.artworks_created = artwork_generated_ensure(
        title_ids=[title_ids[m.movie_id] for m in data.movies],
    )
    catalog_changed()
    return stats


def _genres_upsert(names: Iterable[str], stats: CatalogImportStats) -> dict[str, int]:
    ids = dict(Genre.objects.values_list("name", "id"))
    missing = [Genre(name=n, slug=slugify(n)) for n in names if n not in ids]
    Genre.objects.bulk_create(missing)
    stats.genres_created = len(missing)
    return dict(Genre.objects.values_list("name", "id"))


def _tags_by_movie(data: MovieLensData) -> dict[int, list[str]]:
    """Each title's tags, most used first; ties broken alphabetically so re-imports are stable."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for row in data.tags:
        counts[row.movie_id][row.tag] += 1
    return {
        movie_id: [tag for tag, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TAGS_PER_TITLE]]
        for movie_id, c in counts.items()
    }


def _title_genres_sync(wanted: dict[int, set[int]]) -> None:
    through = Title.genres.through
    current: dict[int, set[int]] = defaultdict(set)
    for title_id, genre_id in through.objects.filter(title_id__in=wanted).values_list("title_id", "genre_id"):
        current[title_id].add(genre_id)
    to_add = [through(title_id=t, genre_id=g) for t, genre_ids in wanted.items() for g in genre_ids - current[t]]
    stale = [(t, g) for t, genre_ids in current.items() for g in genre_ids - wanted.get(t, set())]
    through.objects.bulk_create(to_add, batch_size=5000)
    for title_id, genre_id in stale:
        through.objects.filter(title_id=title_id, genre_id=genre_id).delete()


def artwork_generated_ensure(*, title_ids: list[int]) -> int:
    """Make sure every title has its generated variants (>= 3 themes); returns how many were created.

    Only database rows are made here; the images are drawn on first need or by the background
    task, so importing the catalog never waits on Pillow.
    """
    titles = Title.objects.filter(id__in=title_ids).prefetch_related("genres").only("id", "tags")
    have: dict[int, set[str]] = defaultdict(set)
    with_default: set[int] = set()
    for title_id, theme, is_default in Artwork.objects.filter(title_id__in=title_ids).values_list(
        "title_id", "theme", "is_default"
    ):
        have[title_id].add(theme)
        if is_default:
            with_default.add(title_id)
    new = []
    for title in titles:
        themes = themes_for_title([g.name for g in title.genres.all()], title.tags)
        for theme in themes:
            if theme not in have[title.id]:
                is_default = title.id not in with_default
                with_default.add(title.id)
                new.append(Artwork(title_id=title.id, theme=theme, is_default=is_default))
    Artwork.objects.bulk_create(new, batch_size=5000)
    return len(new)


def title_stats_update(stats: dict[int, tuple[int, float | None, int]]) -> int:
    """Set each title's (rating count, mean rating, trending) from viewers' activity; others get zeros.

    The catalog knows nothing of viewers: personalization computes these and hands them over here.
    Returns how many titles changed.
    """
    changed = []
    for title in Title.objects.only("id", "rating_count", "rating_mean", "trending"):
        count, mean, trending = stats.get(title.id, (0, None, 0))
        mean = round(mean, 4) if mean is not None else None
        if (title.rating_count, title.rating_mean, title.trending) != (count, mean, trending):
            title.rating_count, title.rating_mean, title.trending = count, mean, trending
            changed.append(title)
    Title.objects.bulk_update(changed, ["rating_count", "rating_mean", "trending"], batch_size=2000)
    if changed:
        catalog_changed()
    return len(changed)


def catalog_changed() -> None:
    """Tell every web process that its in-memory catalog snapshot is stale."""
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:
        cache.set(CATALOG_VERSION_KEY, 1, timeout=None)


# Renditions ------------------------------------------------------------------------


def artwork_rendition_ensure(*, artwork: Artwork, kind: Rendition) -> str:
    """Return the storage name of the rendition, drawing and saving it on first need."""
    field = getattr(artwork, kind)
    if field and default_storage.exists(field.name):
        return field.name
    image = _rendition_image(artwork, kind)
    name = getattr(Artwork, kind).field.generate_filename(artwork, f"{kind}.jpg")
    _write_atomically(name, encode_jpeg(image))
    try:
        Artwork.objects.filter(pk=artwork.pk).update(**{kind: name})
    except DatabaseError as exc:
        # The file is written and will be served; recording it can wait for a later request.
        logger.warning("Drew %s for artwork %s but could not record it: %s", kind, artwork.pk, exc)
    setattr(artwork, kind, name)
    return name


def artwork_renditions_forget(*, title_ids: list[int] | None = None) -> int:
    """Forget the generated renditions of these titles (all titles: None) so they are drawn again, on
    first request or by the background task (renamed titles, a new release of the painters). The files
    keep their names and are overwritten when redrawn. Uploaded and video-frame artwork is left alone."""
    artworks = Artwork.objects.filter(source=Artwork.Source.GENERATED, original="").exclude(card="", hero="")
    if title_ids is not None:
        artworks = artworks.filter(title_id__in=title_ids)
    forgotten = artworks.update(card="", hero="")
    if forgotten:
        catalog_changed()
    return forgotten


def artwork_renditions_reset(*, artwork: Artwork) -> None:
    """Drop stored renditions (after a new upload) and make them again from the original."""
    for kind in RENDITION_SIZES:
        field = getattr(artwork, kind)
        if field:
            default_storage.delete(field.name)
        setattr(artwork, kind, "")
    Artwork.objects.filter(pk=artwork.pk).update(card="", hero="")
    for kind in RENDITION_SIZES:
        artwork_rendition_ensure(artwork=artwork, kind=kind)


def _rendition_image(artwork: Artwork, kind: Rendition) -> Image.Image:
    size = RENDITION_SIZES[kind]
    if artwork.original:
        with artwork.original.open("rb") as handle, Image.open(handle) as original:
            return fit(original, size)
    title = artwork.title
    # Varied per title (the seed); the billboard (also the detail modal's header) is composed for the
    # wide frame and leaves the title to the page's HTML.
    return render_artwork(
        title=title.name,
        year=title.year,
        theme=artwork.theme,
        size=size,
        seed=title.pk,
        with_text=kind == "card",
        billboard=kind == "hero",
    )


def title_default_art_ensure(*, title: Title, kind: Rendition) -> str:
    """The storage name of a title's generated default card or billboard (for when all its artwork is
    retired), drawn on first need. The name carries a hash of what is painted, so a rename draws anew."""
    painted = zlib.crc32(f"{title.name}|{title.year}".encode())
    name = f"artwork/default/{kind}/{title.pk % 100:02d}/{title.pk}-{painted:08x}.jpg"
    if not default_storage.exists(name):
        image = render_artwork(
            title=title.name,
            year=title.year,
            theme=DEFAULT_THEME,
            size=RENDITION_SIZES[kind],
            seed=title.pk,
            with_text=kind == "card",
        )
        _write_atomically(name, encode_jpeg(image))
    return name


def _write_atomically(name: str, payload: bytes) -> None:
    """Write under MEDIA_ROOT with a rename, so concurrent first requests never see half a file."""
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as tmp:
        tmp.write(payload)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)


def artwork_pending_ids(*, limit: int | None = None) -> list[int]:
    """Active artwork still without a card, most popular titles first."""
    queryset = (
        Artwork.objects.active()
        .filter(card="")
        .order_by("-title__rating_count", "title_id", "-is_default", "id")
        .values_list("id", flat=True)
    )
    return list(queryset[:limit] if limit else queryset)


def artwork_cards_generate(*, limit: int, include_hero_for_top: int = 0) -> int:
    """Draw the next `limit` missing cards (most popular titles first); returns how many were drawn.

    The first `include_hero_for_top` of them also get their billboard rendition, since the hero
    slot only ever shows popular titles.
    """
    ids = artwork_pending_ids(limit=limit)
    artworks = Artwork.objects.select_related("title").in_bulk(ids)
    for position, artwork_id in enumerate(ids):
        artwork = artworks[artwork_id]
        artwork_rendition_ensure(artwork=artwork, kind="card")
        if position < include_hero_for_top:
            artwork_rendition_ensure(artwork=artwork, kind="hero")
    return len(ids)


@transaction.atomic
def artwork_save(*, artwork: Artwork, original_changed: bool) -> Artwork:
    """Save an admin's edit; a new upload replaces the variant's renditions with ones cut from it."""
    if original_changed and artwork.original:
        artwork.source = Artwork.Source.UPLOADED
    if artwork.is_default:
        Artwork.objects.filter(title_id=artwork.title_id, is_default=True).exclude(pk=artwork.pk).update(
            is_default=False
        )
    artwork.save()
    if original_changed:
        transaction.on_commit(lambda: artwork_renditions_reset(artwork=artwork))
    catalog_changed()
    return artwork


def artwork_set_active(*, artwork_ids: list[int], active: bool) -> int:
    """Bulk activate or retire variants; retired ones are never shown but keep their history."""
    updated = Artwork.objects.filter(pk__in=artwork_ids).exclude(is_active=active).update(is_active=active)
    if updated:
        catalog_changed()
    return updated
