"""Building a viewer's homepage: the one way pages are made, for the site, the API and the simulator.

history + active model -> personal signals -> row plan (rows ordered by ROW_POLICY: the learned row
model's Plackett-Luce draw, or the rules) -> artwork per card (one policy call for the
whole page) -> plain `Page` data, and one impression message for the cards shown. The first rows are
filled now; the rest when the viewer scrolls to them (`homepage_row`, or several at once with
`homepage_rows`), from the `PagePlan` kept in the cache under the page view id, so a lazy row shows
what was decided with the page.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Sequence

import numpy as np
from django.conf import settings
from django.core.cache import cache

from catalog.selectors import catalog_snapshot
from catalog.snapshot import CatalogSnapshot
from personalization.chooser import ArtworkChoice, ChooserFactory, choose_groups, planned_choices
from personalization.context import Context
from personalization.history import History
from personalization.models import Profile
from personalization.page import (
    FIRST_SCREEN_ROWS,
    HERO_ROW,
    PAGE_PLAN_TTL,
    Card,
    Page,
    PageExpired,
    PagePlan,
    PlannedArtwork,
    Row,
    RowPlan,
    impression_id,
)
from personalization.personal import (
    Personal,
    Tastes,
    match_badges,
    onboarding_cards,
    personal_signals,
    viewer_tastes,
)
from personalization.row_order import RowOrdering
from personalization.rows import interleave_top_row, plan_page
from personalization.selectors.experiments import profile_assignments
from personalization.selectors.serving import ServingModel, published_row_model, serving_model
from personalization.selectors.viewers import history_changed_at, viewer_history
from personalization.services.artwork import artwork_chooser
from personalization.services.events import impression_tokens
from personalization.services.impressions import ShownCard, impressions_log_page
from streamflix.cache import add_many
from streamflix.errors import InvalidInput


def homepage_build(
    *,
    profile: Profile,
    context: Context,
    chooser_factory: ChooserFactory = artwork_chooser,
    simulated: bool = False,
    record: bool = True,
    rng: np.random.Generator | None = None,
) -> Page:
    """The viewer's page. `chooser_factory` picks the artwork policy: the live one by default (an
    artwork experiment's variant, else ARTWORK_POLICY); the simulator passes its own. `record=False`
    builds a preview (the compare page): nothing is logged and no lazy row can be fetched from it."""
    snapshot = catalog_snapshot()
    assignments = profile_assignments(profile.pk)
    serving = serving_model(assignments.model_version)
    history, tastes, personal = viewer_signals(
        profile, snapshot, serving, ranked_by_model=assignments.row_policy != "popularity"
    )
    rng = rng if rng is not None else np.random.default_rng()
    ordering = row_ordering(snapshot=snapshot, context=context, rng=rng)
    planned = plan_page(snapshot, personal.signals, context, order=ordering)
    if assignments.interleave:
        planned = interleave_top_row(planned, snapshot, personal.signals, assignments.interleave, rng)
    page_view_id = uuid.uuid4().hex
    chooser = chooser_factory(
        taste=tastes.themes,
        snapshot=snapshot,
        context=context,
        page_view_id=page_view_id,
        policy_name=assignments.artwork_policy,
    )
    # The artwork of every card, lazy rows included, in one policy call: a lazy row later shows
    # what was chosen now, with the propensity it had now.
    hero_ids = [int(snapshot.title_ids[planned.hero])] if planned.hero is not None else []
    hero_choices, *row_choices = choose_groups(chooser, [hero_ids, *(list(r.title_ids) for r in planned.rows)])
    plan = PagePlan(
        page_view_id=page_view_id,
        profile_id=profile.pk,
        context=context,
        policy=chooser.policy_name,
        policy_version=chooser.policy_version,
        model_label=serving.label if serving else "",
        taste=tuple(round(float(t), 4) for t in tastes.themes),
        rows=tuple(planned.rows),
        artwork={
            index: tuple(
                PlannedArtwork(c.variant.artwork_id if c.variant else None, c.propensity, c.candidates, c.probabilities)
                for c in choices
            )
            for index, choices in enumerate(row_choices)
            if index >= FIRST_SCREEN_ROWS
        },
        matches=match_badges(personal.match, snapshot, [t for row in planned.rows for t in row.title_ids]),
        progress=dict(zip(history.in_progress.tolist(), history.progress.round(3).tolist(), strict=True)),
        experiments=assignments.label,
        simulated=simulated,
        row_order_policy=ordering.policy,
        row_order_log_propensity=ordering.log_propensity,
        row_inputs=tuple(tuple(r) for r in ordering.shown([row.key for row in planned.rows])),
    )
    if record:
        cache.set(_plan_key(page_view_id), plan.to_dict(), PAGE_PLAN_TTL)

    shown: list[ShownCard] = []
    hero = _cards(snapshot, plan, hero_ids, hero_choices, HERO_ROW, shown)[0] if hero_ids else None
    rows = tuple(
        _row(snapshot, plan, index, choices, shown) if index < FIRST_SCREEN_ROWS else _lazy_row(row_plan, index)
        for index, (row_plan, choices) in enumerate(zip(planned.rows, row_choices, strict=True))
    )
    if record:
        impressions_log_page(plan, shown)
    onboarding = history.is_empty
    return Page(
        page_view_id=page_view_id,
        profile_id=profile.pk,
        context=context,
        hero=hero,
        rows=rows,
        model_version=plan.model_label,
        onboarding=onboarding,
        onboarding_cards=onboarding_cards(snapshot) if onboarding else (),
    )


SIGNALS_KEPT = 2_000  # viewers per process (~170 KB each: scores and match probabilities over the catalog)
_signals: dict[int, tuple[tuple, History, Tastes, Personal]] = {}
_signals_lock = threading.Lock()


def viewer_signals(
    profile: Profile, snapshot: CatalogSnapshot, serving: ServingModel | None, *, ranked_by_model: bool
) -> tuple[History, Tastes, Personal]:
    """The viewer's history, tastes and personal signals (model scores, match chances, "Because you watched").

    They depend only on the history, the catalog snapshot and the serving model, so a returning viewer
    whose history has not changed reuses the ones computed for their last page. Kept per process, like
    the history itself, and checked by identity: `viewer_history`, `catalog_snapshot` and `serving_model`
    return the very same objects while nothing changed, and new ones when something did.
    """
    history = viewer_history(profile.pk)
    ranked = serving is not None and ranked_by_model
    model_user = profile.pk if serving and history_changed_at(profile.pk) <= serving.trained_at else None
    inputs = (profile.name, snapshot, serving if ranked else None, model_user)
    kept = _signals.get(profile.pk)
    if kept is not None and kept[1] is history and _same(kept[0], inputs):
        return kept[1:]
    tastes = viewer_tastes(history, snapshot)  # once per page: rows and artwork share it
    personal = personal_signals(
        name=profile.name,
        history=history,
        tastes=tastes,
        snapshot=snapshot,
        model=serving.model if ranked else None,
        alignment=serving.alignment(snapshot) if ranked else None,
        model_user=model_user,
    )
    with _signals_lock:  # (threaded web workers)
        _signals.pop(profile.pk, None)
        while len(_signals) >= SIGNALS_KEPT:
            _signals.pop(next(iter(_signals)))  # the least recently computed
        _signals[profile.pk] = (inputs, history, _read_only(tastes), _read_only(personal))
    return history, tastes, personal


def _same(kept: tuple, inputs: tuple) -> bool:
    return all(a is b or (isinstance(a, str | int) and a == b) for a, b in zip(kept, inputs, strict=True))


def _read_only(kept: Tastes | Personal) -> Tastes | Personal:
    """Shared between pages from now on: an accidental in-place change would leak into the next page."""
    if isinstance(kept, Tastes):
        arrays = [kept.genres, kept.themes]
    else:
        signals = kept.signals
        arrays = [kept.match, signals.scores, signals.genre_affinity, signals.seen, *(s for _, s in signals.because)]
    for array in arrays:
        if array is not None:
            array.setflags(write=False)
    return kept


def row_ordering(*, snapshot: CatalogSnapshot, context: Context, rng: np.random.Generator) -> RowOrdering:
    """The page's row order hook (ROW_POLICY): the learned model's Plackett-Luce draw with the page view's
    rng (the prior, i.e. the rules up to exploration noise, before the first learning pass), or the rules."""
    policy = settings.ROW_POLICY
    model = published_row_model(snapshot.genre_names) if policy == "learned" else None
    return RowOrdering(policy, context.daypart, context.device, model=model, rng=rng)  # refuses an unknown policy


def homepage_row(
    *, profile: Profile, page_view_id: str, index: int, chooser_factory: ChooserFactory = artwork_chooser
) -> Row:
    """Fill one lazy row of an earlier page view (and log its impressions)."""
    (row,) = homepage_rows(profile=profile, page_view_id=page_view_id, indexes=[index], chooser_factory=chooser_factory)
    return row


PAGE_VIEW_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex, as `homepage_build` names a page view
LAZY_ROWS_AT_ONCE = 10  # a client scrolling fast (a TV's page-down) asks for the next few rows together


def homepage_rows(
    *,
    profile: Profile,
    page_view_id: str,
    indexes: Sequence[int],
    chooser_factory: ChooserFactory = artwork_chooser,
) -> list[Row]:
    """Fill lazy rows of an earlier page view, each as `homepage_row` would, and log the impressions of
    those not logged before as one batch."""
    if not 0 < len(indexes) <= LAZY_ROWS_AT_ONCE:
        raise InvalidInput(f"Ask for 1-{LAZY_ROWS_AT_ONCE} rows at once ({len(indexes)} asked).", code="bad_rows")
    plan = _stored_plan(page_view_id)
    if plan.profile_id != profile.pk:  # a stranger's page view is as good as gone
        raise PageExpired(f"This page was built for another profile; you are watching as {profile.name} now.")
    row_plans = [plan.row(index) for index in indexes]
    snapshot = catalog_snapshot()
    rows: list[Row] = []
    shown_by_row: list[list[ShownCard]] = []
    for index, row_plan in zip(indexes, row_plans, strict=True):
        choices = planned_choices(snapshot, row_plan.title_ids, plan.artwork.get(index, ()))
        stale = [i for i, choice in enumerate(choices) if choice is None]
        if stale:  # artwork retired since the page was planned: choose afresh for those cards
            chooser = chooser_factory(
                taste=np.asarray(plan.taste),
                snapshot=snapshot,
                context=plan.context,
                page_view_id=page_view_id,
                policy_name=plan.policy,
            )
            for i, choice in zip(stale, chooser.choose([row_plan.title_ids[i] for i in stale]), strict=True):
                choices[i] = choice
        shown_by_row.append([])
        rows.append(_row(snapshot, plan, index, choices, shown_by_row[-1]))
    # A row is logged once per page view, however often it is fetched again (a reload, a retry); its
    # cards' impression ids are the same each time, so even a second batch would insert nothing.
    # (One round trip to Redis for all the rows' marks.)
    first_time = add_many(cache, [f"{_plan_key(page_view_id)}:row:{index}" for index in indexes], True, PAGE_PLAN_TTL)
    shown = [card for cards, new in zip(shown_by_row, first_time, strict=True) if new for card in cards]
    impressions_log_page(plan, shown)
    return rows


def homepage_rows_between(
    *, profile: Profile, page_view_id: str, first: int, last: int, chooser_factory: ChooserFactory = artwork_chooser
) -> list[Row]:
    """Lazy rows `first` to `last` (inclusive) of an earlier page view: a group of the page's placeholders."""
    if not 0 <= last - first < LAZY_ROWS_AT_ONCE:
        raise InvalidInput(
            f"Ask for rows first-last, first <= last, at most {LAZY_ROWS_AT_ONCE} rows at once ({first}-{last} asked).",
            code="bad_rows",
        )
    indexes = range(first, last + 1)
    return homepage_rows(profile=profile, page_view_id=page_view_id, indexes=indexes, chooser_factory=chooser_factory)


def _plan_key(page_view_id: str) -> str:
    return f"pageview:{page_view_id}"


def _stored_plan(page_view_id: str) -> PagePlan:
    """The plan of an earlier page view; `PageExpired` if it is gone or the id could never be one (a
    page view id is 32 hex digits: anything else is not looked up, so it never reaches a cache key)."""
    stored = cache.get(_plan_key(page_view_id)) if PAGE_VIEW_ID.fullmatch(page_view_id) else None
    return PagePlan.from_dict(stored)


def _lazy_row(plan: RowPlan, index: int) -> Row:
    return Row(plan.key, plan.label, plan.kind, index, lazy=True, reason=plan.reason)


def _row(snapshot: CatalogSnapshot, plan: PagePlan, index: int, choices: list, shown: list[ShownCard]) -> Row:
    row_plan = plan.rows[index]
    cards = tuple(_cards(snapshot, plan, list(row_plan.title_ids), choices, index, shown))
    return Row(row_plan.key, row_plan.label, row_plan.kind, index, cards, reason=row_plan.reason)


def _cards(
    snapshot: CatalogSnapshot,
    plan: PagePlan,
    title_ids: list[int],
    choices: list[ArtworkChoice],
    row_index: int,
    shown: list[ShownCard],
) -> list[Card]:
    """The cards of one row (or the hero), each also added to the page view's impressions."""
    positions = snapshot.index_of(title_ids)
    teams = plan.rows[row_index].teams if row_index != HERO_ROW else ()
    present = [(t, int(p), c) for t, p, c in zip(title_ids, positions, choices, strict=True) if p >= 0]
    cards = []
    impressions = [impression_id(plan.page_view_id, row_index, position) for position in range(len(present))]
    tokens = impression_tokens(impressions, profile_id=plan.profile_id, title_ids=[t for t, _, _ in present])
    # Titles retired since planning are left out (`present`).
    for position, ((title_id, index, choice), impression, token) in enumerate(
        zip(present, impressions, tokens, strict=True)
    ):
        variant = choice.variant
        cards.append(plan.card(snapshot, index, row_index, position, variant, choice.propensity, token))
        artwork_id, theme = (variant.artwork_id, variant.theme) if variant else (None, "")
        decision = (choice.propensity, choice.candidates, choice.probabilities, teams[position] if teams else "")
        shown.append(ShownCard(impression, title_id, artwork_id, theme, row_index, position, *decision))
    return cards
