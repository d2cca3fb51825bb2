"""A title's details beyond its own row: its genres and artwork as the pages show them, and what else
is like it."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.selectors import catalog_snapshot
from catalog.snapshot import ArtworkVariant
from personalization.page import Card
from personalization.personal import more_like_this
from personalization.selectors.serving import active_model


def title_more_like_this(*, title_id: int) -> list[Card]:
    """Cards of the titles most like this one (the details modal's "More like this"), each with its
    editorial artwork: they are suggestions inside the modal, not impressions of the bandit's."""
    snapshot = catalog_snapshot()
    serving = active_model()
    positions = more_like_this(title_id, snapshot, serving.model if serving else None)
    return [
        Card.of(snapshot, p, snapshot.default_variant(int(snapshot.title_ids[p])), position=i)
        for i, p in enumerate(positions)
    ]


@dataclass(frozen=True)
class TitleLook:
    """What the details modal shows of a title besides its own fields: its genres and the artwork."""

    genres: tuple[str, ...]
    artwork: ArtworkVariant | None  # None: every variant is retired (the generated default shows)


def title_look(*, title_id: int, artwork_id: int | None = None) -> TitleLook | None:
    """The title's genres and the artwork variant `artwork_id` (the one on the card that was opened),
    else its default, from the catalog snapshot the pages are built from: no query, and the same
    artwork as the cards (an editor's change shows within catalog.selectors.VERSION_CHECK_SECONDS).
    None when the snapshot does not hold the title (added since: the caller reads the database)."""
    snapshot = catalog_snapshot()
    (position,) = snapshot.index_of([title_id])
    if position < 0:
        return None
    chosen = next((v for v in snapshot.artworks.get(title_id, ()) if v.artwork_id == artwork_id), None)
    genres = tuple(name for name, has in zip(snapshot.genre_names, snapshot.genre_matrix[position], strict=True) if has)
    return TitleLook(genres=genres, artwork=chosen or snapshot.default_variant(title_id))
