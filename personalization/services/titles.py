"""A title's details beyond its own row: what else is like it."""

from __future__ import annotations

from catalog.selectors import catalog_snapshot
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
