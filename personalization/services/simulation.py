"""Simulated viewers through the real site code: a session builds a page (`homepage_build`), fetches
the lazy rows the viewer scrolls to (`homepage_rows`), and clicks or plays by the world's hidden truth
(`personalization.simulation.ClickWorld`) through `event_batch_submit`, as a client's batches would.

Three uses (`simulate_traffic`): replaying the same sessions under fixed artwork policies in
transactions that are rolled back (the bandit against random and the oracle); running sessions
through the live experiment path and keeping them (`--experiment`); and comparing an interleaving
design with an A/B test of two row rankers (`--interleave`).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from catalog.models import Title
from catalog.selectors import catalog_snapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization import interleaving
from personalization.abtest import assign
from personalization.bandit import FeatureSpace, PageContext, Policy, fold, fold_rewards, publish, state_new
from personalization.bandit.design import LIVE_DESIGN, BanditDesign
from personalization.bandit.peers import PEER_NAMES, LinTSPeer, VowpalPeer
from personalization.bandit.variants import ArmModel, VariantStats
from personalization.chooser import ArtworkChoice, ArtworkChooser, choose_groups
from personalization.context import DAYPARTS, DEVICES
from personalization.interleaving import preference
from personalization.models import Event, Experiment, Profile
from personalization.page import FIRST_SCREEN_ROWS, HERO_ROW, Card, Page, PagePlan
from personalization.personal import viewer_tastes
from personalization.row_order import RowModel, RowOrdering, RowSpace, row_matrix
from personalization.rows import plan_page
from personalization.selectors.experiments import profile_assignments, running_experiments_forget
from personalization.selectors.serving import (
    bandit_params,
    published_bandit_forget,
    published_row_model_forget,
    serving_model,
)
from personalization.selectors.viewers import viewer_history
from personalization.services.artwork import artwork_chooser, bandit_fresh_start, bandit_learn
from personalization.services.events import (
    EVENT_BATCH_MAX,
    SEEN_REPORT_MAX_CARDS,
    ClientEvent,
    event_batch_submit,
    impressions_seen_submit,
)
from personalization.services.experiments import experiment_start
from personalization.services.homepage import LAZY_ROWS_AT_ONCE, homepage_build, homepage_rows, viewer_signals
from personalization.services.partitions import impressions_analyze
from personalization.services.rows import rows_learn
from personalization.simulation import ClickWorld, OracleChooser, SessionSpec

REWARDS = ("click", "play", "quality_play")
LEARNERS = {
    "bandit": "thompson",
    "random": "uniform",
    "oracle": "oracle",
    "theme_oracle": "theme_oracle",  # the oracle without each variant's own hidden draws: a ceiling for learners
    "vw": "vw",
    "lints": "lints",
}


@dataclass
class Run:
    """One policy's replay: outcomes per *seen* impression, in order, and what learning needs."""

    outcomes: list[int] = field(default_factory=list)  # click 0/1 per seen impression
    play_outcomes: list[int] = field(default_factory=list)  # play 0/1 per seen impression
    quality_outcomes: list[int] = field(default_factory=list)  # quality play 0/1 per seen impression
    expected: list[tuple[float, float, float]] = field(default_factory=list)  # true P(click, play, quality play)
    served: int = 0  # impressions planned (seen or not)
    plays: int = 0
    learning_passes: int = 0
    clicked_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (session, row kind, team) per click
    shown_before: dict = field(default_factory=dict)  # (viewer, variant) -> earlier seen impressions (fatigue)
    pending: list = field(default_factory=list)  # delayed clicks: (due session, profile, title id, token, play)
    # Seen impressions for learning: (session, profile id, theme index, daypart, device, peer decision, artwork id).
    seen: list[tuple] = field(default_factory=list)
    rewards: dict = field(default_factory=dict)  # index into `seen` -> (due session, click, play, quality)
    unseen_ids: list = field(default_factory=list)  # impressions served but never on screen
    decisions: dict = field(default_factory=dict)  # (page view, title id) -> a peer's (arm rows, arm, pmf)
    row_log: list = field(default_factory=list)  # (session, row number, row key, seen cards, clicks) per row shown
    row_features: dict = field(default_factory=dict)  # session -> its row order hook (what it ordered, and how)
    row_propensities: list = field(default_factory=list)  # the PL probability of each learned order


@dataclass(frozen=True)
class Viewer:
    """A simulated viewer's hidden truth: their affinity per artwork theme and their genre taste."""

    themes: np.ndarray
    genres: np.ndarray
    taste: np.ndarray | None = None  # the observed theme taste the policies see
    key: int = 0  # MovieLens user id (stable across databases)
    profile_id: int = 0


def viewers_truth(profile_ids: set[int], world: ClickWorld) -> dict[int, Viewer]:
    """Each viewer's truth, fixed before any run from their history as it is now; their hidden noise
    is seeded by their MovieLens user id, never by a database id."""
    snapshot = catalog_snapshot()
    keys = dict(Profile.objects.filter(pk__in=profile_ids).values_list("pk", "movielens_user_id"))
    truth = {}
    for profile_id in profile_ids:
        tastes = viewer_tastes(viewer_history(profile_id), snapshot)
        key = keys.get(profile_id) or profile_id
        truth[profile_id] = Viewer(world.affinity(key, tastes.themes), tastes.genres, tastes.themes, key, profile_id)
    return truth


def title_keys(snapshot) -> dict[int, tuple[int, str]]:
    """Title id -> (MovieLens id, first genre): the stable keys of per-variant and per-genre draws."""
    return snapshot.memo("simulation_title_keys", lambda: _title_keys(snapshot))


def _title_keys(snapshot) -> dict[int, tuple[int, str]]:
    movielens = dict(Title.objects.values_list("pk", "movielens_id"))
    out = {}
    for index, title_id in enumerate(snapshot.title_ids.tolist()):
        genres = snapshot.genres_of(index)
        out[title_id] = (movielens.get(title_id) or title_id, genres[0] if genres else "")
    return out


def _row_genre(key: str) -> str:
    return key.partition(":")[2] if key.startswith("genre:") else ""


def session_run(
    spec: SessionSpec,
    profile: Profile,
    *,
    factory,
    viewer: Viewer,
    world: ClickWorld,
    run: Run,
    number: int = 0,
    simulated: bool = True,
    interleaved: bool = False,
) -> Page:
    """One visit: the page, the lazy rows the viewer reaches, the cards they see, their clicks and plays.

    Only cards on screen count (`cards_seen`, `row_scroll_p`); a click reaches the log now or up to
    `click_delay_sessions` later (`deliver_events`)."""
    click_rng = np.random.default_rng([spec.seed, 2])
    seen_rng = np.random.default_rng([spec.seed, 4])
    context = spec.context
    page = homepage_build(
        profile=profile,
        context=context,
        chooser_factory=factory,
        simulated=simulated,
        rng=np.random.default_rng([spec.seed, 3]),
    )
    rows: list[tuple[int, str, str, tuple[Card, ...], tuple[str, ...]]] = []
    plan: list = []  # the page's plan, read from the cache once and only if a row is interleaved

    def teams_of(index: int) -> tuple[str, ...]:
        if not page_interleaved:
            return ()
        if not plan:
            plan.append(PagePlan.from_dict(cache.get(f"pageview:{page.page_view_id}")))
        return plan[0].rows[index].teams if index != HERO_ROW else ()

    page_interleaved = interleaved
    if page.hero:
        rows.append((0, "hero", "", (page.hero,), ()))
    # The viewer scrolls through spec.lazy_rows lazy rows: fetched together, as a client that asks for
    # the next few rows at once does (the same rows and impressions as one request each).
    reached = [row.index for row in page.rows if row.lazy][: spec.lazy_rows]
    filled = {}
    for start in range(0, len(reached), LAZY_ROWS_AT_ONCE):
        indexes = reached[start : start + LAZY_ROWS_AT_ONCE]
        fetched = homepage_rows(
            profile=profile, page_view_id=page.page_view_id, indexes=indexes, chooser_factory=factory
        )
        filled.update(zip(indexes, fetched, strict=True))
    for row in page.rows:
        if row.lazy:
            if row.index not in filled:
                break
            row = filled[row.index]
        rows.append((row.index + 1, row.kind, _row_genre(row.key), row.cards, teams_of(row.index)))
    shown = [
        (row_number, kind, genre, [(c.title_id, c.theme, c.artwork_id, c.position, c.impression) for c in cards], teams)
        for row_number, kind, genre, cards, teams in rows
    ]
    observe(run, world, viewer, shown, context, number, page.page_view_id, profile, seen_rng, click_rng)
    deliver_events(run, number)
    return page


def fast_signals(profile: Profile):
    """The row planner's view of a viewer, computed as `homepage_build` does (fixed for a fast run)."""
    assignments = profile_assignments(profile.pk)
    _, _, personal = viewer_signals(
        profile,
        catalog_snapshot(),
        serving_model(assignments.model_version),
        ranked_by_model=assignments.row_policy != "popularity",
    )
    return personal.signals


def fast_session_run(spec: SessionSpec, *, factory, viewer: Viewer, world: ClickWorld, run: Run, number: int,
                     signals, plans: dict | None = None, order=None) -> None:  # fmt: skip
    """One visit without the database: the same row plan (`rows.plan_page`), the same chooser call
    for the rows the viewer reaches, the same truth; nothing is logged and no event is posted."""
    click_rng = np.random.default_rng([spec.seed, 2])
    seen_rng = np.random.default_rng([spec.seed, 4])
    snapshot = catalog_snapshot()
    if order is not None:  # a row policy orders this page's rows
        planned = plan_page(snapshot, signals, spec.context, order=order)
    else:
        planned = plans.get(number) if plans is not None else None
        if planned is None:  # the plan depends on the viewer and context only: every policy shares it
            planned = plan_page(snapshot, signals, spec.context)
            if plans is not None:
                plans[number] = planned
    page_view_id = f"fast-{number}"
    chooser = factory(taste=viewer.taste, snapshot=snapshot, context=spec.context, page_view_id=page_view_id)
    visible = planned.rows[: FIRST_SCREEN_ROWS + spec.lazy_rows]
    hero_ids = [int(snapshot.title_ids[planned.hero])] if planned.hero is not None else []
    hero_choices, *row_choices = choose_groups(chooser, [hero_ids, *(list(r.title_ids) for r in visible)])

    def cards(title_ids, choices):
        return [
            (t, c.variant.theme if c.variant else "", c.variant.artwork_id if c.variant else None, i, "")
            for i, (t, c) in enumerate(zip(title_ids, choices, strict=True))
        ]

    rows = [(0, "hero", "", cards(hero_ids, hero_choices), ())] if hero_ids else []
    for index, (row, choices) in enumerate(zip(visible, row_choices, strict=True)):
        rows.append((index + 1, row.kind, _row_genre(row.key), cards(row.title_ids, choices), (), row.key))
    observe(run, world, viewer, rows, spec.context, number, page_view_id, None, seen_rng, click_rng)


def observe(run: Run, world: ClickWorld, viewer: Viewer, rows, context, number: int, page_view_id: str, profile,
            seen_rng: np.random.Generator, click_rng: np.random.Generator) -> None:  # fmt: skip
    """What the viewer sees of the page's rows and what they click and play, by the world's truth.

    `rows`: (row number, kind, row genre, cards as (title id, theme, artwork id, position, token),
    interleaving teams). Clicks with a token are queued for `event_batch_submit` (after their delay)."""
    snapshot = catalog_snapshot()
    keys = title_keys(snapshot)
    daypart, device = context.daypart, context.device
    daypart_code, device_code = DAYPARTS.index(daypart), DEVICES.index(device)
    reported: list[dict] = []  # the cards on screen, as the page's viewport reports them
    for row_number, kind, row_genre, cards, teams, *row_key in rows:
        on_screen = world.seen_cards(device, seen_rng) if row_number else None
        row_effect = world.row_effect(kind, row_genre, daypart, device) if world.row_interest else 0.0
        seen_before, clicks_before = len(run.outcomes), _clicks(run)
        for title_id, card_theme, artwork_id, position, token in cards:
            on_screen_now = on_screen is None or position < on_screen
            if token and on_screen_now:
                reported.append({"impression": token, "title": title_id})
            if not card_theme:
                continue
            run.served += 1
            if not on_screen_now:
                continue
            title_key, genre = keys.get(title_id, (title_id, ""))
            variant_key = (title_key, card_theme)
            theme = THEME_INDEX[card_theme]
            relevance = 0.0
            if world.title_weight:
                relevance = world.relevance(viewer.genres, snapshot.genre_matrix[snapshot.index_of([title_id])[0]])
            fatigue_key = (viewer.key, variant_key)
            before = run.shown_before.get(fatigue_key, 0)
            run.shown_before[fatigue_key] = before + 1
            p = world.click_probability(
                viewer.themes, theme, row_number, position, relevance,
                variant_key=variant_key, daypart=daypart, device=device, genre=genre, session=number,
                shown_before=before if (world.fatigue or world.novelty) else None,
            )  # fmt: skip
            if row_effect:
                p = float(1.0 / (1.0 + np.exp(-(np.log(p / (1.0 - p)) + row_effect))))
            p_play = world.play_probability(variant_key)
            run.expected.append((p, p * p_play, p * p_play * world.quality_given_play))
            clicked = click_rng.random() < p
            played = clicked and click_rng.random() < p_play
            lasted = played and click_rng.random() < world.quality_given_play
            run.outcomes.append(int(clicked))
            run.play_outcomes.append(int(played))
            run.quality_outcomes.append(int(lasted))
            decision = run.decisions.get((page_view_id, title_id))
            run.seen.append((number, viewer.profile_id, theme, daypart_code, device_code, decision, artwork_id or -1))
            if clicked:
                team = teams[position] if position < len(teams) else ""
                run.clicked_rows.append((number, kind, team))
                delay = int(click_rng.integers(world.click_delay_sessions + 1)) if world.click_delay_sessions else 0
                run.rewards[len(run.seen) - 1] = (number + delay, 1, int(played), int(lasted))
                if token:
                    run.pending.append((number + delay, profile, title_id, token, played))
                if played:
                    run.plays += 1
        if row_number and row_key:
            run.row_log.append(
                (number, row_number, row_key[0], len(run.outcomes) - seen_before, _clicks(run) - clicks_before)
            )
    if profile is not None:
        report_seen(profile, reported)


def report_seen(profile: Profile, reported: list[dict]) -> None:
    """The viewer's screen reports the cards they looked at, as the page does: only seen cards are
    learned from and counted."""
    for start in range(0, len(reported), SEEN_REPORT_MAX_CARDS):
        impressions_seen_submit(profile=profile, cards=reported[start : start + SEEN_REPORT_MAX_CARDS])


def _clicks(run: Run) -> int:
    return len(run.clicked_rows)


def deliver_events(run: Run, now: int | None) -> None:
    """Submit the clicks (and plays) due by session `now` (None: all), in order, as a client's batches
    (`event_batch_submit`: one per run of the same viewer's events)."""
    due = [e for e in run.pending if now is None or e[0] <= now]
    if not due:
        return
    run.pending = [e for e in run.pending if not (now is None or e[0] <= now)]
    for _, group in itertools.groupby(due, key=lambda e: e[1].pk):
        group = list(group)
        events = []
        for _, _, title_id, token, played in group:
            events.append(ClientEvent(Event.Kind.CLICK, title_id, token))
            if played:
                events.append(ClientEvent(Event.Kind.PLAY, title_id, token))
        for start in range(0, len(events), EVENT_BATCH_MAX):
            event_batch_submit(profile=group[0][1], events=events[start : start + EVENT_BATCH_MAX])


# The bandit's design in the replays: the live one (bandit.design: layout, context prior, stages,
# per-variant offsets) and what only the replays try (tuned on seeds 1-50 and the shipped worlds only);
# the environment variable STREAMFLIX_SIM_BANDIT (JSON) overrides keys, for tuning runs.
BANDIT_DESIGN = {
    "layout": LIVE_DESIGN.layout,  # FeatureSpace layout: 2 adds theme x daypart and theme x device indicators
    "context_lambda": LIVE_DESIGN.context_lambda,  # their prior precision (sd ~ noise / 55): many small effects
    "stages": LIVE_DESIGN.stages,  # play rewards: P(click) * P(play | click), each with its own model
    "variants": LIVE_DESIGN.variants,  # per-variant offsets shrunk toward the theme (bandit.variants)
    "click_kappa": LIVE_DESIGN.click_kappa,
    "play_kappa": LIVE_DESIGN.play_kappa,
    "offset_scale": LIVE_DESIGN.offset_scale,  # exploration of the per-variant offsets' own uncertainty
    "learn_kappa": LIVE_DESIGN.learn_kappa,  # the kappas from the data (empirical Bayes), the fixed ones floors
    "forget": 1.0,  # evidence kept per learning pass (1: none forgotten; < 1 follows drift)
    "peer_layout": 1,  # the feature layout the peers (vw, lints) are given
}


def bandit_design() -> dict:
    design = dict(BANDIT_DESIGN)
    extra = os.environ.get("STREAMFLIX_SIM_BANDIT")
    if extra:
        overrides = json.loads(extra)
        unknown = set(overrides) - set(design)
        if unknown:
            raise ValueError(f"STREAMFLIX_SIM_BANDIT: unknown keys {sorted(unknown)}; known: {sorted(design)}")
        design.update(overrides)
    return design


class Learner:
    """The learning passes of a replayed policy, every `learn_every` sessions.

    The bandit folds the seen impressions (reward 0) and then the rewards that have reached the log
    by now, as additive reward-only updates, exactly as `bandit_learn` folds impressions and late
    clicks; it uses the same pure functions (`FeatureSpace.impression_features`, `fold`,
    `fold_rewards`, `publish`) and, by BANDIT_DESIGN, the per-variant offsets and the P(reward |
    click) stage of `bandit.variants`. Served-but-not-seen impressions are never folded. Peers (vw,
    lints) cannot take a reward after the fact, so they learn an impression once every reward it may
    get has arrived (`click_delay_sessions` later), from the same feature rows and rewards.
    """

    def __init__(self, policy: str, viewers: dict[int, Viewer], world: ClickWorld, *, reward: str, seed: int):
        self.policy = policy
        self.viewers = viewers
        self.delay = world.click_delay_sessions
        self.column = 1 + REWARDS.index(reward)
        self.design = design = bandit_design()
        self.params = bandit_params()
        layout = int(design["layout"]) if policy == "thompson" else int(design["peer_layout"])
        self.space = FeatureSpace(len(ALL_THEMES), layout)
        prior = {"n_themes": len(ALL_THEMES), "params": self.params, "layout": layout}
        if layout == 2:
            prior["context_lambda"] = float(design["context_lambda"])
        self.state = state_new(**prior)
        staged = policy == "thompson" and design["stages"] and reward != "click"
        self.play_state = state_new(**prior) if staged else None
        self.click_stats, self.play_stats = VariantStats(), VariantStats()
        self._prior_precision = self.state.precision.copy()
        self.cursor = 0
        self.rewarded: set[int] = set()
        self.peer = {"vw": VowpalPeer, "lints": LinTSPeer}[policy](self.space, seed) if policy in PEER_NAMES else None
        self._publish("prior")

    def _publish(self, version: str) -> None:
        click = publish(self.state, self.params, version=version)
        play = publish(self.play_state, self.params, version=version) if self.play_state is not None else None
        design = BanditDesign(
            variants=bool(self.design["variants"]),
            click_kappa=float(self.design["click_kappa"]),
            play_kappa=float(self.design["play_kappa"]),
            offset_scale=float(self.design["offset_scale"]),
            learn_kappa=bool(self.design["learn_kappa"]),
        )  # what the live site's serving builds from a snapshot (bandit.design)
        stats = {"click_stats": self.click_stats, "play_stats": self.play_stats}
        self.model = design.model(click, play, **stats, version=version)

    def _features(self, rows: list[tuple]) -> np.ndarray:
        profiles, themes, dayparts, devices = (np.asarray(c) for c in list(zip(*rows, strict=True))[1:5])
        tastes = np.stack([self.viewers[p].taste for p in profiles.tolist()])
        return self.space.impression_features(tastes, themes, dayparts, devices)

    def _forget(self, state):
        gamma = float(self.design["forget"])
        if gamma >= 1.0:
            return state
        prior = self._prior_precision
        return replace(
            state,
            precision=prior + gamma * (state.precision - prior),
            moment=gamma * state.moment,
            n_impressions=int(gamma * state.n_impressions),
            sum_sq_rewards=gamma * state.sum_sq_rewards,
        )

    def learn(self, run: Run, now: int) -> None:
        if self.peer is not None:
            self._learn_peer(run, now)
            return
        click_model = self.model.click if isinstance(self.model, ArmModel) else self.model
        play_model = self.model.play if isinstance(self.model, ArmModel) else None
        new = run.seen[self.cursor :]
        state = self._forget(self.state)
        if new:
            x = self._features(new)
            state = fold(state, x)
            if self.design["variants"]:
                self.click_stats.add(np.array([r[6] for r in new]), -(x @ click_model.theta))
        self.cursor = len(run.seen)
        arrived = [i for i, r in run.rewards.items() if r[0] <= now and i < self.cursor and i not in self.rewarded]
        if arrived:
            rows = [run.seen[i] for i in arrived]
            x = self._features(rows)
            keys = np.array([r[6] for r in rows])
            if self.play_state is None:  # one model of the reward itself
                y = np.array([float(run.rewards[i][self.column]) for i in arrived])
                hit = y > 0
                state = fold_rewards(state, x[hit], y[hit])
                if self.design["variants"]:
                    self.click_stats.add(keys[hit], y[hit], np.zeros(int(hit.sum())))
            else:  # P(click), and P(reward | click) on the clicked impressions
                state = fold_rewards(state, x, np.ones(len(x)))
                y = np.array([float(run.rewards[i][self.column]) for i in arrived])
                self.play_state = fold(self._forget(self.play_state), x, y)
                if self.design["variants"]:
                    self.click_stats.add(keys, np.ones(len(keys)), np.zeros(len(keys)))
                    self.play_stats.add(keys, y - x @ play_model.theta)
            self.rewarded.update(arrived)
        self.state = state
        self._publish(f"sim{now}")

    def _learn_peer(self, run: Run, now: int) -> None:
        end = self.cursor
        while end < len(run.seen) and run.seen[end][0] <= now - self.delay:
            end += 1
        rows = run.seen[self.cursor : end]
        self.cursor = end
        if not rows:
            return
        start = end - len(rows)
        rewards = np.array([float(run.rewards[i][self.column]) if i in run.rewards else 0.0 for i in range(start, end)])
        if isinstance(self.peer, VowpalPeer):
            cards = [(r[5][0], r[5][1], y, float(r[5][2][r[5][1]])) for r, y in zip(rows, rewards, strict=True)]
            self.peer.learn_cards(cards)
        else:
            themes = np.array([r[2] for r in rows])
            self.peer.learn(self._features(rows), themes, rewards, np.ones(len(rows)))


class PeerChooser:
    """Artwork chosen by a peer bandit (vw, lints) from the bandit's own features, with its pmf."""

    def __init__(self, snapshot, peer, context: PageContext, rng, decisions: dict, page_view_id: str) -> None:
        self.snapshot, self.peer, self.context, self.rng = snapshot, peer, context, rng
        self.decisions, self.page_view_id = decisions, page_view_id
        self.policy_name = peer.name
        self.policy_version = f"{peer.name}/1"

    def choose(self, title_ids: list[int]) -> list[ArtworkChoice]:
        variants = [self.snapshot.artworks.get(t, ()) for t in title_ids]
        with_art = [i for i, v in enumerate(variants) if v]
        choices = [ArtworkChoice(None, 1.0)] * len(title_ids)
        if not with_art:
            return choices
        themes = [self.snapshot.artwork_themes(title_ids[i]) for i in with_art]
        c = self.context
        rows = [self.peer.space.features(c.taste, t, c.daypart, c.device) for t in themes]
        for i, card_rows, (arm, pmf) in zip(with_art, rows, self.peer.choose(rows, themes, self.rng), strict=True):
            self.decisions[(self.page_view_id, title_ids[i])] = (card_rows, arm, pmf)
            arms = variants[i]
            choices[i] = ArtworkChoice(
                arms[arm], float(pmf[arm]), tuple(v.artwork_id for v in arms), tuple(float(p) for p in pmf)
            )
        return choices


ROW_POLICIES = ("rules", "learned", "oracle")
ROW_ORACLE_TITLES = 6  # the oracle values a row by its first screenful of titles


class RowLearner:
    """The row policies of a replay: the rules (today's boosts), the learned order (`row_order`,
    Plackett-Luce over the model's scores, learning every `learn_every` sessions from the rows
    shown: their seen cards and clicks, the row's position as a nuisance column) and the oracle
    (rows by their true engagement for this viewer and context)."""

    def __init__(self, policy: str, world: ClickWorld) -> None:
        if policy not in ROW_POLICIES:
            raise ValueError(f"unknown row policy {policy!r}; use one of {', '.join(ROW_POLICIES)}")
        self.policy = policy
        self.world = world
        snapshot = catalog_snapshot()
        self.space = RowSpace(tuple(snapshot.genre_names))
        self.model = RowModel(self.space)
        self.cursor = 0

    def order_for(self, run: Run, number: int, context, viewer: Viewer, rng: np.random.Generator):
        """The page's order hook: the oracle's, or the live site's (`row_order.RowOrdering`, kept for learning)."""
        snapshot = catalog_snapshot()
        if self.policy == "oracle":

            def oracle(candidates, priorities):
                truth = np.array([self._truth(c, snapshot, context, viewer, number) for c in candidates])
                return [candidates[i] for i in np.argsort(-truth, kind="stable")]

            return oracle
        learned = self.policy == "learned"
        ordering = RowOrdering(
            self.policy, context.daypart, context.device, model=self.model if learned else None, rng=rng
        )
        run.row_features[number] = ordering

        def order(candidates, priorities):
            ordered = ordering(candidates, priorities)
            if learned:
                run.row_propensities.append(float(np.exp(ordering.log_propensity)))
            return ordered

        return order

    def _truth(self, candidate, snapshot, context, viewer: Viewer, number: int) -> float:
        keys = title_keys(snapshot)
        effect = self.world.row_effect(candidate.kind, candidate.genre.lower(), context.daypart, context.device)
        values = []
        for position in candidate.positions[:ROW_ORACLE_TITLES].tolist():
            title_id = int(snapshot.title_ids[position])
            title_key, genre = keys.get(title_id, (title_id, ""))
            for v in snapshot.artworks.get(title_id, ()):
                p = self.world.click_probability(
                    viewer.themes, THEME_INDEX[v.theme], 0, 0, variant_key=(title_key, v.theme),
                    daypart=context.daypart, device=context.device, genre=genre, session=number,
                )  # fmt: skip
                values.append(1.0 / (1.0 + np.exp(-(np.log(p / (1.0 - p)) + effect))))
        return float(np.mean(values)) if values else 0.0

    def learn(self, run: Run) -> None:
        """Fold the rows shown since the last pass as the live learner does (`services.rows.rows_learn`): x
        from the row's inputs and the row index it was shown at, its seen cards and its clicks."""
        if self.policy != "learned":
            return
        rows = run.row_log[self.cursor :]
        self.cursor = len(run.row_log)
        xs, seen, clicks = [], [], []
        for number, row_number, key, n_seen, n_clicks in rows:
            ordering = run.row_features.get(number)
            if ordering is None or key not in ordering.keys or not n_seen:
                continue
            inputs = ordering.inputs[ordering.keys.index(key)]
            xs.append(row_matrix(self.space, [inputs], ordering.daypart, ordering.device, [row_number - 1]))
            seen.append(n_seen)
            clicks.append(n_clicks)
        if xs:
            self.model.fold(np.vstack(xs), np.array(seen), np.array(clicks))
            self.model.refit()


def replay(
    label: str,
    specs: list[SessionSpec],
    profiles: dict[int, Profile],
    viewers: dict[int, Viewer],
    world: ClickWorld,
    *,
    learn_every: int,
    reward: str = "play",
    progress: Callable = lambda items, **kwargs: items,
    seed: int = 0,
    engine: str = "site",
    shared: dict | None = None,
    row_policy: str | None = None,
) -> Run:
    """The sessions under one artwork policy (LEARNERS: the bandit and its peers learning as they
    go, random, the oracle), from a fresh state, with no live experiment; everything is rolled back.

    engine "site": every page through `homepage_build`/`homepage_rows`, impressions logged, clicks and
    plays through `event_batch_submit`. engine "fast": the same plans, choosers, truth and learners without
    the database (`fast_session_run`), for tuning and multi-seed reports."""
    policy = LEARNERS.get(label, label)
    if reward not in REWARDS:
        raise ValueError(f"unknown reward {reward!r}; use one of {', '.join(REWARDS)}")
    run = Run()
    rows = RowLearner(row_policy, world) if row_policy else None
    if rows is not None and engine != "fast":
        raise ValueError("row policies are replayed with the fast engine only")
    shared = shared if shared is not None else {}
    signals, plans = shared.setdefault("signals", {}), shared.setdefault("plans", {})
    learner = Learner(policy, viewers, world, reward=reward, seed=seed) if policy in ("thompson", *PEER_NAMES) else None
    with transaction.atomic():
        bandit_fresh_start()  # a bandit that knows nothing logged before (the rollback restores the real one)
        Experiment.objects.filter(status=Experiment.Status.RUNNING).update(status=Experiment.Status.STOPPED)
        running_experiments_forget()
        try:
            for number, spec in enumerate(progress(specs, desc=f"{label:>6}", unit="session"), start=1):
                profile = profiles[spec.profile_id]
                rng = np.random.default_rng([spec.seed, 1])
                factory = policy_factory(
                    policy, learner, world, viewers[profile.pk], rng, run=run, session=number, reward=reward
                )
                viewer = viewers[profile.pk]
                if engine == "fast":
                    if profile.pk not in signals:
                        signals[profile.pk] = fast_signals(profile)
                    fast_session_run(
                        spec, factory=factory, viewer=viewer, world=world, run=run, number=number,
                        signals=signals[profile.pk], plans=plans,
                        order=rows.order_for(run, number, spec.context, viewer, np.random.default_rng([spec.seed, 5]))
                        if rows is not None else None,
                    )  # fmt: skip
                else:
                    session_run(spec, profile, factory=factory, viewer=viewer, world=world, run=run, number=number)
                    if number == 1:
                        impressions_analyze(timezone.now())  # no statistics see the replay's uncommitted rows
                if learner is not None and number % learn_every == 0:
                    learner.learn(run, number)
                    run.learning_passes += 1
                if rows is not None and number % learn_every == 0:
                    rows.learn(run)
        finally:
            transaction.set_rollback(True)
    running_experiments_forget()
    return run


def live(
    specs: list[SessionSpec],
    profiles: dict[int, Profile],
    viewers: dict[int, Viewer],
    world: ClickWorld,
    *,
    learn_every: int,
    progress: Callable = lambda items, **kwargs: items,
) -> Run:
    """The sessions through the live path (the running experiments' assignments, the published bandit and
    row model learning every `learn_every` sessions with `bandit_learn` and `rows_learn`), kept in the
    database as real traffic would be."""
    run = Run()
    running_experiments_forget()
    for number, spec in enumerate(progress(specs, desc="  live", unit="session"), start=1):
        profile = profiles[spec.profile_id]
        rng = np.random.default_rng([spec.seed, 1])

        def factory(*, rng=rng, **kwargs):
            return artwork_chooser(rng=rng, **kwargs)

        session_run(
            spec, profile, factory=factory, viewer=viewers[profile.pk], world=world, run=run, number=number,
            simulated=False, interleaved=True,
        )  # fmt: skip
        if number % learn_every == 0:
            bandit_learn(lag=timedelta(0))
            rows_learn(lag=timedelta(0))  # the row order learns from the same traffic, as the minute job does
            # Web processes pick the new snapshots up within seconds; simulated sessions are minutes
            # apart, so at once (waiting on the wall clock made each run's figures differ).
            published_bandit_forget()
            published_row_model_forget()
            run.learning_passes += 1
    deliver_events(run, None)
    return run


def policy_factory(
    policy: str,
    learner: Learner | None,
    world: ClickWorld,
    viewer: Viewer,
    rng: np.random.Generator,
    *,
    run: Run | None = None,
    session: int = 0,
    reward: str = "click",
):
    """The chooser every page of a session uses: a bandit policy, a peer, or the oracle."""

    def factory(*, taste, snapshot, context, page_view_id, policy_name=None):
        page_context = PageContext.from_labels(taste, daypart=context.daypart, device=context.device)
        if policy in ("oracle", "theme_oracle"):
            return OracleChooser(
                snapshot, world, viewer.themes, name=policy,
                score=oracle_score(
                    world, viewer, context, session, run, reward, title_keys(snapshot), variants=policy == "oracle"
                ),
            )  # fmt: skip
        if policy in PEER_NAMES:
            return PeerChooser(snapshot, learner.peer, page_context, rng, run.decisions, page_view_id)
        return ArtworkChooser(
            snapshot,
            policy=Policy(policy, bandit_params()),
            model=learner.model if policy == "thompson" else None,
            context=page_context,
            rng=rng,
        )

    return factory


def fixed_policy_factory(policy: str, served: dict, world: ClickWorld, affinity: np.ndarray, rng: np.random.Generator):
    """A fixed policy's chooser (uniform, or the oracle on the theme alone), for interleaving runs."""
    viewer = Viewer(affinity, np.zeros(0))
    return policy_factory(policy, None, world, viewer, rng)


def oracle_score(
    world: ClickWorld,
    viewer: Viewer,
    context,
    session: int,
    run: Run | None,
    reward: str,
    keys: dict,
    *,
    variants: bool = True,
):
    """What the oracle maximises for a card's variant: the truth's probability of the reward the
    policies optimise, at the top of the page (attention shifts every variant of a card alike).
    `variants=False` (the theme oracle): everything but the variant's own hidden draws, which it
    averages over their prior, so variants of one theme look alike to it, as they do to a learner
    that has not yet seen enough of each."""

    def score(title_id: int, variant) -> float:
        title_key, genre = keys.get(title_id, (title_id, ""))
        variant_key = (title_key, variant.theme)
        before = run.shown_before.get((viewer.key, variant_key), 0) if run is not None else 0
        p = world.click_probability(
            viewer.themes, THEME_INDEX[variant.theme], 0, 0, variant_key=variant_key if variants else (),
            daypart=context.daypart, device=context.device, genre=genre, session=session,
            shown_before=before if (world.fatigue or world.novelty) else None,
        )  # fmt: skip
        play = world.play_probability(variant_key, with_variant=variants) if reward != "click" else None
        if not variants:
            return world.expected_over_variant(p, play)
        return p * play if play is not None else p

    return score


def interleaving_against_ab(
    rankers: tuple[str, str],
    specs: list[SessionSpec],
    profiles: dict[int, Profile],
    viewers: dict[int, Viewer],
    world: ClickWorld,
    *,
    progress: Callable = lambda items, **kwargs: items,
    resample_seed: int = 0,
) -> dict:
    """The same sessions twice, each time rolled back: once with the two rankers interleaved in the
    top row for everyone, once as an A/B test (half the viewers each). After each session, the p-value
    each design has reached: interleaving's binomial test on the sessions a ranker won, the A/B test's
    Welch t-test on clicks per session in that row."""
    designs = {}
    for kind in ("interleave", "ab"):
        run = Run()
        with transaction.atomic():
            Experiment.objects.filter(status=Experiment.Status.RUNNING).update(status=Experiment.Status.STOPPED)
            experiment_start(
                name=f"simulated-{kind}", surface="rows", kind=kind, variants=f"{rankers[0]}=0.5,{rankers[1]}=0.5"
            )
            running_experiments_forget()
            try:
                for number, spec in enumerate(progress(specs, desc=f"{kind:>10}", unit="session")):
                    rng = np.random.default_rng([spec.seed, 1])
                    factory = fixed_policy_factory("uniform", {}, world, viewers[spec.profile_id].themes, rng)
                    session_run(
                        spec, profiles[spec.profile_id], factory=factory, viewer=viewers[spec.profile_id],
                        world=world, run=run, number=number, interleaved=kind == "interleave",
                    )  # fmt: skip
                if kind == "ab":
                    variant_of = {p: assign(f"simulated-{kind}", p, [(r, 0.5) for r in rankers]) for p in profiles}
            finally:
                transaction.set_rollback(True)
        running_experiments_forget()
        designs[kind] = run
    sessions = len(specs)
    top = ("top_picks", "popular")
    teams = np.zeros((sessions, 2))
    for number, kind, team in designs["interleave"].clicked_rows:
        if kind in top and team:
            teams[number, 0 if team == "A" else 1] += 1
    clicks = np.zeros(sessions)
    for number, kind, _ in designs["ab"].clicked_rows:
        if kind in top:
            clicks[number] += 1
    arm = np.array([variant_of[spec.profile_id] == rankers[0] for spec in specs])
    interleave_p = interleaving.prefix_preference_p_values(teams[:, 0], teams[:, 1])
    ab_p = interleaving.prefix_welch_p_values(clicks, arm)
    final = preference(teams[:, 0], teams[:, 1])
    sensitivity = interleaving.resampled_sensitivity(teams, clicks, arm, np.random.default_rng(resample_seed))
    return {
        "rankers": {"A": rankers[0], "B": rankers[1]},
        "sessions": sessions,
        "interleaving_share_a": None if np.isnan(final.share_a) else round(final.share_a, 4),
        "interleaving_p_value": round(final.p_value, 6),
        "ab_clicks_per_session": {
            rankers[0]: round(float(clicks[arm].mean()), 4) if arm.any() else None,
            rankers[1]: round(float(clicks[~arm].mean()), 4) if (~arm).any() else None,
        },
        "ab_p_value": round(float(ab_p[-1]), 6) if len(ab_p) else None,
        # In the order the sessions ran (one draw: noisy) ...
        "sessions_to_p05_interleaving": interleaving.sessions_to_significance(interleave_p),
        "sessions_to_p05_ab": interleaving.sessions_to_significance(ab_p),
        # ... and the median over bootstrap orders of the same sessions (None: more than `sessions`).
        "resamples": sensitivity.resamples,
        "sessions_to_p05_interleaving_median": sensitivity.interleaving_median,
        "sessions_to_p05_ab_median": sensitivity.ab_median,
        "reached_p05_share_interleaving": round(sensitivity.interleaving_reached, 4),
        "reached_p05_share_ab": round(sensitivity.ab_reached, 4),
    }
