"""The learned row order on the live site: what a page logs of its row order, and what `rows_learn` folds.

Checked against independent references: the features are rebuilt here from the documented layout (not
with RowSpace.features), the statistics refitted by brute force from the log, the Plackett-Luce
probability multiplied out term by term."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from django.db.models import F
from django.urls import reverse

from catalog.selectors import catalog_snapshot
from personalization.context import DAYPARTS, DEVICES, Context
from personalization.models import Event, Impression, ImpressionOutbox, PageView, RowSnapshot
from personalization.page import FIRST_SCREEN_ROWS, impression_id
from personalization.row_order import (
    ANCHORED_KINDS,
    MAX_POSITIONS,
    PRIOR_PRECISION,
    PRIOR_RULES_WEIGHT,
    ROW_KINDS,
    TEMPERATURE,
    RowModel,
    RowSpace,
)
from personalization.rows import plan_page
from personalization.selectors.serving import published_row_model_forget
from personalization.services import locks
from personalization.services.events import event_submit
from personalization.services.homepage import homepage_build, homepage_row
from personalization.services.impressions import impressions_mark_seen
from personalization.services.rows import rows_learn
from personalization.services.simulation import fast_signals
from personalization.tasks import rows_learn_task
from tests.conftest import advisory_lock_held
from tests.factories import make_catalog, make_profile, rate

pytestmark = pytest.mark.django_db

EVENING_DESKTOP = Context(hour=20, daypart="evening", device="desktop")
NIGHT_MOBILE = Context(hour=23, daypart="night", device="mobile")
NOW = timedelta(0)


@pytest.fixture
def catalog():
    return make_catalog()


@pytest.fixture
def viewers(catalog):
    """A horror fan and a viewer with no history."""
    fan = make_profile("Fan")
    for title in catalog:
        if title.name.startswith("Horror Film") and int(title.name.rsplit(" ", 1)[1]) < 8:
            rate(fan, title, 5.0)
    return [fan, make_profile("New")]


def x_of(genres: tuple[str, ...], kind, genre, lift, rules, daypart, device, position) -> np.ndarray:
    """A row's features, written out from the layout documented in `row_order` (independently of RowSpace)."""
    clipped = min(position, MAX_POSITIONS - 1) if position is not None else None
    parts = {
        "kind": np.array([kind == k for k in ROW_KINDS], dtype=float),
        "kind x device": np.array([kind == k and device == d for k in ROW_KINDS for d in DEVICES], dtype=float),
        "genre x daypart": np.array([genre == g and daypart == p for g in genres for p in DAYPARTS], dtype=float),
        "genre x device": np.array([genre == g and device == d for g in genres for d in DEVICES], dtype=float),
        "taste": np.array([min(max(lift, -2.0), 2.0) if genre in genres else 0.0]),
        "rules": np.array([rules]),
        "position": np.array([clipped == p for p in range(MAX_POSITIONS)], dtype=float),
    }
    return np.concatenate(list(parts.values()))


def shown_rows(page_view: PageView) -> dict[int, list]:
    """Row index -> [kind, genre, lift, rules] of the rows the page view logged as shown."""
    return {row[4]: row[:4] for row in page_view.row_inputs if row[4] is not None}


def browse(profile, context, seed: int, *, lazy_rows=1, seen_per_row=3, clicks=2, simulated=False):
    """A visit: the page, its first lazy rows, a few cards of each row reported seen, some of them clicked."""
    page = homepage_build(profile=profile, context=context, rng=np.random.default_rng(seed), simulated=simulated)
    rows = [r for r in page.rows if not r.lazy]
    for row in page.rows[FIRST_SCREEN_ROWS : FIRST_SCREEN_ROWS + lazy_rows]:
        rows.append(homepage_row(profile=profile, page_view_id=page.page_view_id, index=row.index))
    rng = np.random.default_rng(seed + 1000)
    seen = [c for row in rows for c in row.cards[: int(rng.integers(0, seen_per_row + 1))]]
    impressions_mark_seen([impression_id(page.page_view_id, row.index, c.position) for row in rows
                           for c in row.cards if c in seen])  # fmt: skip
    for card in rng.permutation(len(seen))[:clicks]:
        card = seen[card]
        event_submit(profile=profile, title_id=card.title_id, kind="click", impression=card.impression)
    return page


def brute_force(genres: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Prior + sum over seen cards of x x', prior moment + sum over folded clicks of x, from the log alone."""
    d = len(x_of(genres, "genre", "", 0.0, 0.0, "evening", "desktop", 0))
    precision, moment = PRIOR_PRECISION * np.eye(d), np.zeros(d)
    moment[d - MAX_POSITIONS - 1] = PRIOR_PRECISION * PRIOR_RULES_WEIGHT
    page_views = {pv.pk: pv for pv in PageView.objects.all()}
    cards = 0
    for pv_id, row_index in Impression.objects.filter(seen_at__isnull=False, row_index__gte=0).values_list(
        "page_view_id", "row_index"
    ):
        pv = page_views[pv_id]
        x = x_of(genres, *shown_rows(pv)[row_index], pv.daypart, pv.device, row_index)
        precision += np.outer(x, x)
        cards += 1
    clicks = 0
    for impression in Event.objects.filter(kind="click", row_folded_at__isnull=False).values_list(
        "impression_id", flat=True
    ):
        pv_id, row_index = Impression.objects.filter(id=impression).values_list("page_view_id", "row_index").get()
        if row_index < 0:
            continue
        pv = page_views[pv_id]
        moment += x_of(genres, *shown_rows(pv)[row_index], pv.daypart, pv.device, row_index)
        clicks += 1
    return precision, moment, cards, clicks


def saved() -> RowModel:
    return RowModel.from_bytes(bytes(RowSnapshot.objects.first().state))


def test_the_learned_statistics_equal_a_brute_force_refit_from_the_log(viewers):
    fan, new = viewers
    for seed, (profile, context) in enumerate([(fan, EVENING_DESKTOP), (new, NIGHT_MOBILE), (fan, NIGHT_MOBILE)]):
        browse(profile, context, seed)
    first = rows_learn(lag=NOW)
    for seed, (profile, context) in enumerate([(new, EVENING_DESKTOP), (fan, EVENING_DESKTOP)], start=10):
        browse(profile, context, seed, lazy_rows=2, simulated=seed == 11)  # the warm-up's pages count too
    second = rows_learn(lag=NOW)
    assert PageView.objects.filter(simulated=True).count() == 1

    genres = tuple(catalog_snapshot().genre_names)
    precision, moment, cards, clicks = brute_force(genres)
    model = saved()
    assert model.space.genres == genres
    np.testing.assert_allclose(model.precision, precision, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(model.moment, moment, rtol=1e-12, atol=1e-12)
    snapshot = RowSnapshot.objects.first()
    assert snapshot.pk == second.snapshot_id != first.snapshot_id
    assert (
        (snapshot.cards_folded, snapshot.clicks_folded)
        == (cards, clicks)
        == (
            first.cards + second.cards,
            first.clicks + second.clicks,
        )
    )
    assert clicks == Event.objects.filter(kind="click").count() > 0  # every click was on a seen card of a shown row
    assert cards > clicks
    rows = Impression.objects.filter(seen_at__isnull=False, row_index__gte=0).values("page_view_id", "row_index")
    assert snapshot.rows_folded == rows.distinct().count()
    np.testing.assert_allclose(model.theta, np.linalg.solve(precision, moment), rtol=1e-9, atol=1e-12)


def test_a_late_click_is_folded_once_into_its_rows_moment(viewers):
    fan = viewers[0]
    page = browse(fan, EVENING_DESKTOP, 1, clicks=0, seen_per_row=4)
    first = rows_learn(lag=NOW)
    assert first.cards > 0 and first.clicks == 0
    before = saved()
    seen = Impression.objects.filter(
        page_view_id=page.page_view_id, seen_at__isnull=False, row_index__gte=0, row_index__lt=FIRST_SCREEN_ROWS
    ).first()
    card = page.rows[seen.row_index].cards[seen.position]

    event_submit(profile=fan, title_id=card.title_id, kind="click", impression=card.impression)  # after the fold
    late = rows_learn(lag=NOW)
    again = rows_learn(lag=NOW)

    assert (late.cards, late.clicks) == (0, 1) and (again.cards, again.clicks) == (0, 0)
    pv = PageView.objects.get(pk=page.page_view_id)
    x = x_of(before.space.genres, *shown_rows(pv)[seen.row_index], "evening", "desktop", seen.row_index)
    after = saved()
    np.testing.assert_allclose(after.moment, before.moment + x, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(after.precision, before.precision)  # the card was counted seen once
    assert RowSnapshot.objects.first().clicks_folded == 1
    assert Event.objects.get(kind="click").row_folded_at is not None


def test_cards_served_but_never_seen_teach_nothing(viewers):
    page = homepage_build(profile=viewers[0], context=EVENING_DESKTOP, rng=np.random.default_rng(0))
    assert Impression.objects.filter(page_view_id=page.page_view_id).count() > 20

    stats = rows_learn(lag=NOW)

    assert (stats.rows, stats.cards, stats.clicks) == (0, 0, 0)
    assert not RowSnapshot.objects.exists()  # nothing seen: no pass worth saving
    impressions_mark_seen([impression_id(page.page_view_id, 0, 0)])
    stats = rows_learn(lag=NOW)
    assert (stats.rows, stats.cards) == (1, 1)
    model, prior = saved(), RowModel(RowSpace(tuple(catalog_snapshot().genre_names)))
    pv = PageView.objects.get(pk=page.page_view_id)
    x = x_of(model.space.genres, *shown_rows(pv)[0], "evening", "desktop", 0)
    np.testing.assert_allclose(model.precision, prior.precision + np.outer(x, x), rtol=1e-12, atol=1e-12)


def test_the_logged_log_propensity_is_the_plackett_luce_probability_of_the_hooks_order(viewers):
    fan = viewers[0]
    for seed in range(4):  # a model that has learned something, so scores are not the rules' alone
        browse(fan, NIGHT_MOBILE, seed, seen_per_row=6, clicks=4)
    rows_learn(lag=NOW)
    published_row_model_forget()
    theta = saved().theta

    page = homepage_build(profile=fan, context=EVENING_DESKTOP, rng=np.random.default_rng(7))

    pv = PageView.objects.get(pk=page.page_view_id)
    assert pv.row_order_policy == "learned"
    genres = tuple(catalog_snapshot().genre_names)
    # The candidates are logged in the hook's order, the anchored rows first in the rules' order, then the
    # drawn ones: P(order) = prod_i exp(s_i/t) / sum_{j >= i} exp(s_j/t) over the drawn ones.
    kinds = [row[0] for row in pv.row_inputs]
    anchored = [k in ANCHORED_KINDS for k in kinds]
    assert anchored == sorted(anchored, reverse=True) and any(anchored) and not all(anchored)
    drawn = [row for row in pv.row_inputs if row[0] not in ANCHORED_KINDS]
    scores = [float(x_of(genres, *row[:4], "evening", "desktop", None) @ theta) / TEMPERATURE for row in drawn]
    top = max(scores)
    log_p = sum(
        math.log(math.exp(scores[i] - top) / sum(math.exp(s - top) for s in scores[i:])) for i in range(len(scores))
    )
    assert pv.row_order_log_propensity == pytest.approx(log_p, abs=1e-9)
    assert log_p < 0.0
    # Every shown row is logged at the row index its impressions carry, with its own kind and genre.
    logged = shown_rows(pv)
    assert sorted(logged) == list(range(len(page.rows)))
    for key, row_index in Impression.objects.filter(page_view_id=pv.pk, row_index__gte=0).values_list(
        "row_key", "row_index"
    ):
        kind, genre = logged[row_index][:2]
        prefix = key.split(":")[0]
        assert {"top-10": "top10", "top-picks": "top_picks", "my-list": "my_list"}.get(prefix, prefix) == kind
        assert key == f"genre:{genre.lower()}" if kind == "genre" else genre == ""


def test_the_rules_policy_gives_todays_order_exactly_and_logs_zero(viewers, settings):
    settings.ROW_POLICY = "rules"
    for profile in viewers:
        for context in (EVENING_DESKTOP, NIGHT_MOBILE):
            page = homepage_build(profile=profile, context=context, rng=np.random.default_rng(3))

            today = plan_page(catalog_snapshot(), fast_signals(profile), context)  # no order hook: the rules
            assert [r.key for r in page.rows] == [r.key for r in today.rows]
            pv = PageView.objects.get(pk=page.page_view_id)
            assert (pv.row_order_policy, pv.row_order_log_propensity) == ("rules", 0.0)
            rules = [row[3] for row in pv.row_inputs]
            assert rules == sorted(rules, reverse=True)  # the candidates, logged in the rules' order


def test_a_cold_model_orders_the_first_rows_like_the_rules(viewers, settings):
    fan = viewers[0]
    settings.ROW_POLICY = "rules"
    rules_page = homepage_build(profile=fan, context=EVENING_DESKTOP, record=False)
    settings.ROW_POLICY = "learned"
    assert not RowSnapshot.objects.exists()
    firsts = [
        homepage_build(profile=fan, context=EVENING_DESKTOP, record=False, rng=np.random.default_rng(seed)).rows[0].key
        for seed in range(200)
    ]
    # The viewer's anchored rows (here Top Picks) keep the rules' places: the first row is always the rules'.
    assert rules_page.rows[0].kind in ANCHORED_KINDS and set(firsts) == {rules_page.rows[0].key}
    # Among the rest, the prior scores rows by the rules' priority: P(the rules' first of them comes first
    # of them) from its PL probability.
    page = homepage_build(profile=fan, context=EVENING_DESKTOP, rng=np.random.default_rng(0))
    rules = [row[3] for row in PageView.objects.get(pk=page.page_view_id).row_inputs if row[0] not in ANCHORED_KINDS]
    weights = [math.exp(PRIOR_RULES_WEIGHT * (r - max(rules)) / TEMPERATURE) for r in rules]
    expected = max(weights) / sum(weights)
    free_rules = next(r.key for r in rules_page.rows if r.kind not in ANCHORED_KINDS)
    firsts = [
        next(r.key for r in homepage_build(profile=fan, context=EVENING_DESKTOP, record=False,
                                          rng=np.random.default_rng(seed)).rows if r.kind not in ANCHORED_KINDS)
        for seed in range(200)
    ]  # fmt: skip
    observed = firsts.count(free_rules) / len(firsts)
    assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / len(firsts)), (observed, expected)
    assert firsts.count(free_rules) == max(map(firsts.count, firsts))  # the likeliest first of the free rows
    # Without the exploration noise the prior's order is the rules': its score is proportional to their priority.
    genres = tuple(catalog_snapshot().genre_names)
    prior = RowModel(RowSpace(genres)).theta
    for row in PageView.objects.get(pk=page.page_view_id).row_inputs:
        x = x_of(genres, *row[:4], "evening", "desktop", None)
        assert float(x @ prior) == pytest.approx(PRIOR_RULES_WEIGHT * row[3], abs=1e-12)


def test_previews_log_nothing(viewers):
    homepage_build(profile=viewers[0], context=EVENING_DESKTOP, record=False)
    assert not PageView.objects.exists() and not Impression.objects.exists() and not ImpressionOutbox.objects.exists()


def test_an_unknown_row_policy_is_refused_clearly(viewers, settings):
    settings.ROW_POLICY = "random"
    with pytest.raises(ValueError, match="unknown row order policy 'random'; use one of learned, rules"):
        homepage_build(profile=viewers[0], context=EVENING_DESKTOP)
    assert not Impression.objects.exists() and not ImpressionOutbox.objects.exists()


def test_a_changed_genre_vocabulary_starts_again_from_the_prior(viewers):
    browse(viewers[0], EVENING_DESKTOP, 0)
    rows_learn(lag=NOW)
    old = saved()
    # A snapshot learned over another vocabulary (a genre since removed from the catalogue).
    stale = RowModel(RowSpace((*old.space.genres, "Western")))
    RowSnapshot.objects.create(state=stale.to_bytes(), cards_folded=999)

    stats = rows_learn(lag=NOW)

    assert stats.rebuilt
    rebuilt = saved()
    assert rebuilt.space.genres == old.space.genres
    np.testing.assert_allclose(rebuilt.precision, old.precision, rtol=1e-12)  # the whole log, once
    np.testing.assert_allclose(rebuilt.moment, old.moment, rtol=1e-12, atol=1e-12)
    assert RowSnapshot.objects.first().cards_folded == stats.cards


def test_insights_show_the_learned_row_effects(viewers, admin_client):
    browse(viewers[0], NIGHT_MOBILE, 0, seen_per_row=5, clicks=3)
    rows_learn(lag=NOW)
    snapshot = RowSnapshot.objects.first()

    response = admin_client.get(reverse("personalization:insights"), {"daypart": "night", "device": "mobile"})

    body = response.content.decode()
    assert "No learned row model yet" not in body
    assert f"learned from {snapshot.rows_folded} rows shown, {snapshot.cards_folded} seen" in body
    effects = response.context["row_model"]["effects"]
    model = saved()
    top_picks = next(e for e in effects if e.label == "top picks")
    x = x_of(model.space.genres, "top_picks", "", 0.0, top_picks.rules, "night", "mobile", None)
    assert top_picks.learned == pytest.approx(float(x @ model.theta), abs=1e-12)
    assert top_picks.prior == pytest.approx(PRIOR_RULES_WEIGHT * top_picks.rules, abs=1e-12)
    assert top_picks.rules == pytest.approx(0.95)  # no boost for top picks at night on a phone


def test_a_second_row_learning_pass_skips_while_one_is_running(viewers):
    """Two overlapping passes would fold the same rows twice; the second must skip (PostgreSQL)."""
    browse(viewers[0], EVENING_DESKTOP, 0)
    with advisory_lock_held(locks.ROWS_LEARNING):
        skipped = rows_learn(lag=NOW)
    assert skipped.skipped and not RowSnapshot.objects.exists()
    assert not Event.objects.filter(row_folded_at__isnull=False).exists()


def test_the_minute_task_runs_the_pass(viewers):
    browse(viewers[0], EVENING_DESKTOP, 0)
    Impression.objects.update(seen_at=F("seen_at") - timedelta(minutes=1))  # older than the ingest lag

    cards = rows_learn_task.delay().get()

    assert cards == RowSnapshot.objects.get().cards_folded > 0
