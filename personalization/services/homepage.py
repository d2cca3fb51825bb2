"""Building a viewer's homepage: the one way pages are made, for the site and the API alike.

history + active model -> row plan -> artwork per card (the bandit) -> plain `Page` data, and one
impression message for the cards shown. The first rows are filled now; the rest when the viewer
scrolls to them (`homepage_row`), from the plan kept in the cache under the page view id, so a
lazy row never repeats a title of the rows above it.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

import numpy as np
from django.core.cache import cache
from django.utils import timezone

from catalog.selectors import CatalogSnapshot, catalog_snapshot
from personalization.models import Profile
from personalization.page import Card, Context, Page, Row, RowPlan
from personalization.rows import ViewerSignals, plan_page, popularity_scores
from personalization.selectors import History, ServingModel, active_model, history_weights, viewer_history
from personalization.services.artwork import (
    ArtworkChoice,
    ArtworkChooser,
    ChooserFactory,
    artwork_chooser,
    choose_groups,
    theme_taste,
)
from personalization.services.events import history_changed_at, impression_token
from personalization.services.impressions import ShownCard, impression_batch, impressions_publish
from personalization.taste import lift_from_history

FIRST_SCREEN_ROWS = 4
PAGE_PLAN_TTL = 3 * 3600  # a tab left open this long gets a "refresh" prompt for its lazy rows
BECAUSE_ROWS = 2
SIMILAR_DEPTH = 60
ONBOARDING_GENRES = 8
MATCH_MIN = 60  # below this the badge would put viewers off rather than help


class PageExpired(Exception):
    """The lazy row's page plan is gone (or belongs to another profile): reload the page."""


@dataclass(frozen=True)
class _Personal:
    """What the recommender says about this viewer, aligned with the snapshot's positions."""

    signals: ViewerSignals
    predicted: np.ndarray | None  # stars per position (nan where unknown)
    model_label: str


def homepage_build(*, profile: Profile, context: Context, chooser_factory: ChooserFactory = artwork_chooser) -> Page:
    """The viewer's page. `chooser_factory` picks the artwork policy: the live mix by default; the
    simulator passes its own (a fixed policy, a seeded generator, the oracle)."""
    snapshot = catalog_snapshot()
    history = viewer_history(profile)
    personal = _personalize(profile, history, snapshot)
    planned = plan_page(snapshot, personal.signals, context)
    page_view_id = uuid.uuid4().hex
    taste = theme_taste(history, snapshot)
    chooser = chooser_factory(taste=taste, snapshot=snapshot, context=context, page_view_id=page_view_id)
    # The artwork of every card, lazy rows included, in one policy call: a lazy row later shows
    # what was chosen now, with the propensity it had now.
    hero_ids = [int(snapshot.title_ids[planned.hero])] if planned.hero is not None else []
    hero_choices, *row_choices = choose_groups(chooser, [hero_ids, *(list(r.title_ids) for r in planned.rows)])
    state = {
        "profile": profile.pk,
        "context": context.as_dict(),
        "policy": chooser.policy_name,
        "policy_version": chooser.policy_version,
        "taste": taste.round(4).tolist(),
        "model": personal.model_label,
        "rows": [asdict(r) for r in planned.rows],
        "artwork": {
            str(index): [[c.variant.artwork_id if c.variant else None, c.propensity] for c in choices]
            for index, choices in enumerate(row_choices)
            if index >= FIRST_SCREEN_ROWS
        },
        "matches": _matches(personal, snapshot, planned.rows),
    }
    cache.set(_plan_key(page_view_id), state, PAGE_PLAN_TTL)

    shown: list[ShownCard] = []
    hero = None
    if hero_ids:
        hero = _cards(snapshot, hero_ids, hero_choices, profile, state, row_index=-1, shown=shown, hero=True)[0]
    rows = tuple(
        _row(snapshot, plan, index, choices, profile, state, shown, lazy=index >= FIRST_SCREEN_ROWS)
        for index, (plan, choices) in enumerate(zip(planned.rows, row_choices, strict=True))
    )
    _log(page_view_id, profile, context, state, planned.rows, shown)
    extras = {"onboarding": _onboarding_cards(snapshot, chooser)} if history.is_empty else {}
    return Page(
        page_view_id=page_view_id,
        profile_id=profile.pk,
        context=context,
        hero=hero,
        rows=rows,
        model_version=personal.model_label,
        onboarding=history.is_empty,
        extras=extras,
    )


def homepage_row(
    *, profile: Profile, page_view_id: str, index: int, chooser_factory: ChooserFactory = artwork_chooser
) -> Row:
    """Fill one lazy row of an earlier page view (and log its impressions)."""
    state = cache.get(_plan_key(page_view_id))
    if not state or state["profile"] != profile.pk or "artwork" not in state:  # gone, a stranger's, or pre-dates
        raise PageExpired(page_view_id)  # the plan's artwork choices (a tab left open across a deploy)
    if not 0 <= index < len(state["rows"]):
        raise IndexError(index)
    stored = state["rows"][index]
    plan = RowPlan(**{**stored, "title_ids": tuple(stored["title_ids"])})
    snapshot = catalog_snapshot()
    context = Context(**state["context"])
    choices = _planned_choices(snapshot, plan.title_ids, state["artwork"].get(str(index)))
    stale = [i for i, choice in enumerate(choices) if choice is None]
    if stale:  # artwork retired since the page was planned: choose afresh for those cards
        chooser = chooser_factory(
            taste=np.array(state["taste"]),
            snapshot=snapshot,
            context=context,
            page_view_id=page_view_id,
            policy_name=state["policy"],
        )
        for i, choice in zip(stale, chooser.choose([plan.title_ids[i] for i in stale]), strict=True):
            choices[i] = choice
    shown: list[ShownCard] = []
    row = _row(snapshot, plan, index, choices, profile, state, shown, lazy=False)
    _log(page_view_id, profile, context, state, [plan], shown, row_offset=index)
    return row


def _planned_choices(
    snapshot: CatalogSnapshot, title_ids: tuple[int, ...], stored: list | None
) -> list[ArtworkChoice | None]:
    """The choices made when the page was planned; None where that variant is no longer active."""
    if stored is None or len(stored) != len(title_ids):
        return [None] * len(title_ids)
    choices: list[ArtworkChoice | None] = []
    for title_id, (artwork_id, propensity) in zip(title_ids, stored, strict=True):
        variants = snapshot.artworks.get(title_id, ())
        if artwork_id is None:
            choices.append(ArtworkChoice(None, propensity) if not variants else None)
            continue
        variant = next((v for v in variants if v.artwork_id == artwork_id), None)
        choices.append(ArtworkChoice(variant, propensity) if variant else None)
    return choices


def _plan_key(page_view_id: str) -> str:
    return f"pageview:{page_view_id}"


def _row(snapshot, plan, index, choices, profile, state, shown, *, lazy: bool) -> Row:
    cards = () if lazy else tuple(_cards(snapshot, list(plan.title_ids), choices, profile, state, index, shown))
    return Row(key=plan.key, label=plan.label, kind=plan.kind, index=index, cards=cards, lazy=lazy, reason=plan.reason)


def _cards(
    snapshot: CatalogSnapshot,
    title_ids: list[int],
    choices: list[ArtworkChoice],
    profile: Profile,
    state: dict,
    row_index: int,
    shown: list[ShownCard],
    *,
    hero: bool = False,
) -> list[Card]:
    positions = snapshot.index_of(title_ids)
    # A title retired since the page was planned is left out.
    present = [(t, int(p), c) for t, p, c in zip(title_ids, positions, choices, strict=True) if p >= 0]
    matches = state["matches"]
    cards = []
    for position, (title_id, index, choice) in enumerate(present):
        impression_id = uuid.uuid4()
        variant = choice.variant
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
                match=matches.get(str(title_id)),
                impression=impression_token(impression_id=impression_id, profile_id=profile.pk, title_id=title_id),
            )
        )
        shown.append(
            ShownCard(
                impression_id=impression_id,
                title_id=title_id,
                artwork_id=variant.artwork_id if variant else None,
                theme=variant.theme if variant else "",
                row_index=row_index if row_index >= 0 else 0,
                position=position if row_index >= 0 else 0,
                propensity=choice.propensity,
            )
        )
    return cards


def _log(page_view_id, profile, context, state, plans, shown, *, row_offset: int = 0) -> None:
    if not shown:
        return
    row_keys = {row_offset + i: plan.key for i, plan in enumerate(plans)}
    row_keys.setdefault(0, plans[0].key if plans else "hero")
    batch = impression_batch(
        page_view_id=page_view_id,
        profile_id=profile.pk,
        shown_at=timezone.now(),
        daypart=context.daypart,
        device=context.device,
        policy=state["policy"],
        policy_version=state["policy_version"],
        model_version=state["model"],
        experiment_variant="",
        row_keys=row_keys,
        cards=shown,
    )
    impressions_publish(batch)


# Personalization ---------------------------------------------------------------------------


def _personalize(profile: Profile, history: History, snapshot: CatalogSnapshot) -> _Personal:
    seen = _positions(snapshot, history.seen)
    base = ViewerSignals(
        name=profile.name,
        seen=seen,
        genre_affinity=_genre_affinity(history, snapshot) if not history.is_empty else None,
        continue_watching=tuple(int(p) for p in _positions(snapshot, history.in_progress)),
        my_list=tuple(int(p) for p in _positions(snapshot, history.my_list)),
    )
    serving = active_model()
    if serving is None or history.is_empty:
        return _Personal(signals=base, predicted=None, model_label=serving.label if serving else "")
    known = history_changed_at(profile.pk) <= serving.trained_at
    viewer = history.viewer(profile.pk if known else None)  # changed since training: fold in afresh
    model = serving.model
    aligned = _alignment(serving, snapshot)
    scores = _align(model.scores(viewer), aligned, len(snapshot), fill=-np.inf)
    # Titles the model never saw (added since it trained) rank by popularity, below its picks.
    unknown = ~np.isfinite(scores)
    if unknown.any():
        floor = np.nanmin(np.where(unknown, np.nan, scores)) if (~unknown).any() else 0.0
        popular = popularity_scores(snapshot)
        scores[unknown] = floor - 1.0 + popular[unknown] / (popular.max() + 1e-9) * 0.5
    predicted = _align(model.predicted_ratings(viewer), aligned, len(snapshot), fill=np.nan)
    because = []
    for anchor in history.recent_likes[:10]:
        if len(because) == BECAUSE_ROWS:
            break
        anchor_position = snapshot.index_of([anchor])[0]
        if anchor_position < 0:
            continue
        try:
            similar = model.similar_items(int(anchor), k=SIMILAR_DEPTH)
        except KeyError:
            continue  # too new or too rare for the model
        similar_positions = _positions(snapshot, similar)
        because.append((int(anchor_position), similar_positions))
    signals = ViewerSignals(
        name=base.name,
        scores=scores,
        genre_affinity=base.genre_affinity,
        seen=base.seen,
        continue_watching=base.continue_watching,
        my_list=base.my_list,
        because=tuple(because),
    )
    return _Personal(signals=signals, predicted=predicted, model_label=serving.label)


_alignments: dict[tuple[int, int], np.ndarray] = {}


def _alignment(serving: ServingModel, snapshot: CatalogSnapshot) -> np.ndarray:
    """Snapshot position of each of the model's items (-1 for titles no longer available)."""
    key = (serving.version_id, id(snapshot))
    if key not in _alignments:
        _alignments.clear()  # one model and one snapshot serve at a time
        _alignments[key] = snapshot.index_of(serving.model.item_ids)
    return _alignments[key]


def _align(values: np.ndarray, positions: np.ndarray, n: int, *, fill: float) -> np.ndarray:
    out = np.full(n, fill, dtype=np.float64)
    keep = positions >= 0
    out[positions[keep]] = values[keep]
    return out


def _positions(snapshot: CatalogSnapshot, title_ids: np.ndarray) -> np.ndarray:
    positions = snapshot.index_of(title_ids)
    return positions[positions >= 0]


def _genre_affinity(history: History, snapshot: CatalogSnapshot) -> np.ndarray:
    """log2 lift of each genre among what the viewer liked, over the catalogue's watched mix."""
    positions, weights = history_weights(history, snapshot)
    return lift_from_history(
        positions=positions, weights=weights, item_features=snapshot.genre_matrix, item_popularity=snapshot.rating_count
    )


def _matches(personal: _Personal, snapshot: CatalogSnapshot, plans: list[RowPlan]) -> dict[str, int]:
    """ "NN% match" per planned title: predicted stars out of five, shown only when promising."""
    if personal.predicted is None:
        return {}
    title_ids = [t for plan in plans for t in plan.title_ids]
    stars = personal.predicted[snapshot.index_of(title_ids)]
    return {
        str(t): min(99, round(20 * s))
        for t, s in zip(title_ids, stars, strict=True)
        if np.isfinite(s) and 20 * s >= MATCH_MIN
    }


def _onboarding_cards(snapshot: CatalogSnapshot, chooser: ArtworkChooser) -> list[Card]:
    """Popular titles across the most watched genres, for "pick three titles you like"."""
    popular = popularity_scores(snapshot)
    genre_weight = snapshot.rating_count @ snapshot.genre_matrix
    picks: list[int] = []
    for column in np.argsort(-genre_weight)[:ONBOARDING_GENRES]:
        in_genre = np.flatnonzero(snapshot.genre_matrix[:, column])
        ranked = in_genre[np.argsort(-popular[in_genre], kind="stable")]
        for p in ranked:
            if int(p) not in picks:
                picks.append(int(p))
                if sum(1 for q in picks if snapshot.genre_matrix[q, column]) >= 3:
                    break
    cards = []
    for index in picks[: ONBOARDING_GENRES * 3]:
        title_id = int(snapshot.title_ids[index])
        variant = chooser.default_variant(title_id)
        cards.append(
            Card(
                title_id=title_id,
                name=snapshot.names[index],
                year=int(snapshot.years[index]) or None,
                genres=tuple(snapshot.genres_of(index)),
                artwork_id=variant.artwork_id if variant else None,
                theme=variant.theme if variant else "",
                image_url=variant.card_url if variant else "",
                position=len(cards),
            )
        )
    return cards
