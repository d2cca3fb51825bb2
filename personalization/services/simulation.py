"""Simulated viewers through the real site code: a session builds a page (`homepage_build`), fetches
the lazy rows the viewer scrolls to (`homepage_row`), and clicks or plays by the world's hidden truth
(`personalization.simulation.ClickWorld`) through `event_submit`, as a browser would.

Three uses (`simulate_traffic`): replaying the same sessions under fixed artwork policies in
transactions that are rolled back (the bandit against random and the oracle); running sessions
through the live experiment path and keeping them (`--experiment`); and comparing an interleaving
design with an A/B test of two row rankers (`--interleave`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db import transaction

from catalog.selectors import catalog_snapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization import interleaving
from personalization.abtest import assign
from personalization.bandit import BanditState, PageContext, Policy, publish, state_new
from personalization.chooser import ArtworkChooser
from personalization.interleaving import preference
from personalization.models import BanditSnapshot, Event, Experiment, Profile
from personalization.page import HERO_ROW, Card, Page, PagePlan
from personalization.personal import viewer_tastes
from personalization.selectors.experiments import running_experiments_forget
from personalization.selectors.serving import bandit_params, published_bandit_forget
from personalization.selectors.viewers import viewer_history
from personalization.services.artwork import artwork_chooser, bandit_fresh_start, bandit_learn
from personalization.services.events import SEEN_REPORT_MAX_CARDS, event_submit, impressions_seen_submit
from personalization.services.experiments import experiment_start
from personalization.services.homepage import homepage_build, homepage_row
from personalization.simulation import ClickWorld, OracleChooser, SessionSpec

PLAY_AFTER_CLICK = 0.35  # share of clicks that go on to press Play


@dataclass
class Run:
    outcomes: list[int] = field(default_factory=list)  # 0/1 per impression, in order
    plays: int = 0
    learning_passes: int = 0
    clicked_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (session, row kind, team) per click


@dataclass(frozen=True)
class Viewer:
    """A simulated viewer's hidden truth: their affinity per artwork theme and their genre taste."""

    themes: np.ndarray
    genres: np.ndarray


def viewers_truth(profile_ids: set[int], world: ClickWorld) -> dict[int, Viewer]:
    """Each viewer's truth, fixed before any run from their history as it is now."""
    snapshot = catalog_snapshot()
    truth = {}
    for profile_id in profile_ids:
        tastes = viewer_tastes(viewer_history(profile_id), snapshot)
        truth[profile_id] = Viewer(world.affinity(profile_id, tastes.themes), tastes.genres)
    return truth


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
) -> Page:
    """One visit: the page, the lazy rows the viewer reaches, and their clicks and plays."""
    click_rng = np.random.default_rng([spec.seed, 2])
    snapshot = catalog_snapshot()
    page = homepage_build(
        profile=profile,
        context=spec.context,
        chooser_factory=factory,
        simulated=simulated,
        rng=np.random.default_rng([spec.seed, 3]),
    )
    rows: list[tuple[int, str, tuple[Card, ...], tuple[str, ...]]] = []
    if page.hero:
        rows.append((0, "hero", (page.hero,), ()))
    lazy_seen = 0
    for row in page.rows:
        if row.lazy:
            if lazy_seen == spec.lazy_rows:
                break
            lazy_seen += 1
            row = homepage_row(
                profile=profile, page_view_id=page.page_view_id, index=row.index, chooser_factory=factory
            )
        rows.append((row.index + 1, row.kind, row.cards, page_teams(page, row.index)))
    report_seen(profile, [card for *_, cards, _ in rows for card in cards])
    for row_number, kind, cards, teams in rows:
        for card in cards:
            if not card.theme:
                continue
            relevance = 0.0
            if world.title_weight:
                relevance = world.relevance(viewer.genres, snapshot.genre_matrix[snapshot.index_of([card.title_id])[0]])
            p = world.click_probability(viewer.themes, THEME_INDEX[card.theme], row_number, card.position, relevance)
            clicked = click_rng.random() < p
            run.outcomes.append(int(clicked))
            if clicked:
                team = teams[card.position] if card.position < len(teams) else ""
                run.clicked_rows.append((number, kind, team))
                event_submit(profile=profile, title_id=card.title_id, kind=Event.Kind.CLICK, impression=card.impression)
                if click_rng.random() < PLAY_AFTER_CLICK:
                    event_submit(
                        profile=profile, title_id=card.title_id, kind=Event.Kind.PLAY, impression=card.impression
                    )
                    run.plays += 1
    return page


def report_seen(profile: Profile, cards: list[Card]) -> None:
    """The viewer's screen reports the cards they looked at, as the page does (only seen cards are
    learned from and counted)."""
    reported = [{"impression": card.impression, "title": card.title_id} for card in cards if card.impression]
    for start in range(0, len(reported), SEEN_REPORT_MAX_CARDS):
        impressions_seen_submit(profile=profile, cards=reported[start : start + SEEN_REPORT_MAX_CARDS])


def page_teams(page: Page, row_index: int) -> tuple[str, ...]:
    """The interleaving teams of a row's cards, from the plan the page left in the cache."""
    if row_index == HERO_ROW:
        return ()
    plan = PagePlan.from_dict(cache.get(f"pageview:{page.page_view_id}"))
    return plan.rows[row_index].teams


def replay(
    policy: str,
    specs: list[SessionSpec],
    profiles: dict[int, Profile],
    viewers: dict[int, Viewer],
    world: ClickWorld,
    *,
    learn_every: int,
    progress: Callable = lambda items, **kwargs: items,
    label: str = "",
) -> Run:
    """The sessions under one fixed artwork policy ("thompson" learning as it goes, "uniform",
    "oracle"), from a fresh bandit, with no live experiment; everything is rolled back."""
    run = Run()
    served = {"model": publish(state_new(n_themes=len(ALL_THEMES), params=bandit_params()), version="prior")}
    with transaction.atomic():
        bandit_fresh_start()  # a bandit that knows nothing logged before (the rollback restores the real one)
        Experiment.objects.filter(status=Experiment.Status.RUNNING).update(status=Experiment.Status.STOPPED)
        running_experiments_forget()
        try:
            for number, spec in enumerate(progress(specs, desc=f"{label:>6}", unit="session"), start=1):
                profile = profiles[spec.profile_id]
                rng = np.random.default_rng([spec.seed, 1])
                factory = fixed_policy_factory(policy, served, world, viewers[profile.pk].themes, rng)
                session_run(spec, profile, factory=factory, viewer=viewers[profile.pk], world=world, run=run)
                if policy == "thompson" and number % learn_every == 0:
                    bandit_learn(lag=timedelta(0))
                    state = BanditState.from_bytes(bytes(BanditSnapshot.objects.first().state))
                    served["model"] = publish(state, bandit_params(), version=f"sim{number}")
                    run.learning_passes += 1
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
    """The sessions through the live path (the running experiments' assignments, the published bandit
    learning every `learn_every` sessions), kept in the database as real traffic would be."""
    run = Run()
    running_experiments_forget()
    for number, spec in enumerate(progress(specs, desc="  live", unit="session"), start=1):
        profile = profiles[spec.profile_id]
        rng = np.random.default_rng([spec.seed, 1])

        def factory(*, rng=rng, **kwargs):
            return artwork_chooser(rng=rng, **kwargs)

        session_run(spec, profile, factory=factory, viewer=viewers[profile.pk], world=world, run=run, simulated=False)
        if number % learn_every == 0:
            bandit_learn(lag=timedelta(0))
            # Web processes pick the new snapshot up within seconds; simulated sessions are minutes
            # apart, so at once (waiting on the wall clock made each run's figures differ).
            published_bandit_forget()
            run.learning_passes += 1
    return run


def fixed_policy_factory(policy: str, served: dict, world: ClickWorld, affinity: np.ndarray, rng: np.random.Generator):
    """The chooser every page of a session uses: a fixed policy, seeded, or the oracle."""

    def factory(*, taste, snapshot, context, page_view_id, policy_name=None):
        if policy == "oracle":
            return OracleChooser(snapshot, world, affinity)
        return ArtworkChooser(
            snapshot,
            policy=Policy(policy, bandit_params()),
            model=served["model"] if policy == "thompson" else None,
            context=PageContext.from_labels(taste, daypart=context.daypart, device=context.device),
            rng=rng,
        )

    return factory


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
                        world=world, run=run, number=number,
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
