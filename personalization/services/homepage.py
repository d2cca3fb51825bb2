"""Building a viewer's homepage: the one way pages are made, for the site and the API alike.

plan (rows of titles) -> artwork per card -> plain `Page` data. The first rows are filled now;
the rest are filled when the viewer scrolls to them (`homepage_row`), from the plan kept in the
cache under the page view id, so a lazy row never repeats a title of the rows above it.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict

import numpy as np
from django.core.cache import cache

from catalog.selectors import CatalogSnapshot, catalog_snapshot
from personalization.models import Profile, Rating
from personalization.page import Card, Context, Page, Row, RowPlan
from personalization.rows import ViewerSignals, plan_page

FIRST_SCREEN_ROWS = 4
PAGE_PLAN_TTL = 3 * 3600  # a tab left open this long gets a "refresh" prompt for its lazy rows


class PageExpired(Exception):
    """The lazy row's page plan is gone (or belongs to another profile): reload the page."""


def homepage_build(*, profile: Profile, context: Context) -> Page:
    snapshot = catalog_snapshot()
    viewer = _viewer_signals(profile, snapshot)
    planned = plan_page(snapshot, viewer, context)
    page_view_id = uuid.uuid4().hex
    cache.set(
        _plan_key(page_view_id),
        {"profile": profile.pk, "context": context.as_dict(), "rows": [asdict(r) for r in planned.rows]},
        PAGE_PLAN_TTL,
    )
    hero = None
    if planned.hero is not None:
        hero = _cards(snapshot, [int(snapshot.title_ids[planned.hero])], hero=True)[0]
    rows = tuple(
        _row(snapshot, plan, index, lazy=index >= FIRST_SCREEN_ROWS) for index, plan in enumerate(planned.rows)
    )
    return Page(
        page_view_id=page_view_id,
        profile_id=profile.pk,
        context=context,
        hero=hero,
        rows=rows,
        onboarding=not viewer.has_history and not len(viewer.seen),
    )


def homepage_row(*, profile: Profile, page_view_id: str, index: int) -> Row:
    """Fill one lazy row of an earlier page view."""
    stored = cache.get(_plan_key(page_view_id))
    if not stored or stored["profile"] != profile.pk:
        raise PageExpired(page_view_id)
    if not 0 <= index < len(stored["rows"]):
        raise IndexError(index)
    plan = RowPlan(**{**stored["rows"][index], "title_ids": tuple(stored["rows"][index]["title_ids"])})
    return _row(catalog_snapshot(), plan, index, lazy=False)


def _plan_key(page_view_id: str) -> str:
    return f"pageview:{page_view_id}"


def _row(snapshot: CatalogSnapshot, plan: RowPlan, index: int, *, lazy: bool) -> Row:
    cards = () if lazy else tuple(_cards(snapshot, list(plan.title_ids)))
    return Row(key=plan.key, label=plan.label, kind=plan.kind, index=index, cards=cards, lazy=lazy, reason=plan.reason)


def _cards(snapshot: CatalogSnapshot, title_ids: list[int], *, hero: bool = False) -> list[Card]:
    positions = snapshot.index_of(title_ids)
    cards = []
    for position, (title_id, index) in enumerate(zip(title_ids, positions, strict=True)):
        if index < 0:
            continue  # retired since the plan was made
        variants = snapshot.artworks.get(title_id, ())
        variant = variants[0] if variants else None  # the editorial default comes first
        year = int(snapshot.years[index])
        cards.append(
            Card(
                title_id=title_id,
                name=snapshot.names[index],
                year=year or None,
                genres=tuple(snapshot.genres_of(index)),
                artwork_id=variant.artwork_id if variant else None,
                theme=variant.theme if variant else "",
                image_url=(variant.hero_url if hero else variant.card_url) if variant else "",
                position=position,
            )
        )
    return cards


def _viewer_signals(profile: Profile, snapshot: CatalogSnapshot) -> ViewerSignals:
    rated = np.fromiter(Rating.objects.filter(profile=profile).values_list("title_id", flat=True), dtype=np.int64)
    seen = snapshot.index_of(rated)
    return ViewerSignals(name=profile.name, seen=seen[seen >= 0])
