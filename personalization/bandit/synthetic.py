"""A synthetic click world with a known answer, to tune and test the bandit without a site.

True click probability of theme k for a viewer: sigmoid(a + beta * taste[k] + gamma_k + noise_vk),
where noise_vk is a small per-viewer, per-theme quirk no feature can see. The best arm of a card is
the one with the highest true probability, so the oracle's click rate is known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from personalization.bandit.model import PublishedModel, fold, fold_rewards, publish, state_new
from personalization.bandit.params import BanditParams
from personalization.bandit.policies import PageContext, Policy, choose_page
from personalization.context import DAYPARTS, DEVICES


@dataclass(frozen=True)
class Viewer:
    """One page view: the context the policy sees and the true click probability per theme."""

    context: PageContext
    click_probability: np.ndarray  # (n_themes,)


@dataclass(frozen=True)
class SyntheticWorld:
    """Ground truth for simulations: taste effect, per-theme appeal and hidden quirks."""

    theme_effects: np.ndarray  # gamma_k
    base_logit: float = -2.5  # ~8% CTR for a neutral viewer and theme
    taste_effect: float = 0.8  # beta: +1 log2 lift in a theme -> +0.8 logit for its artwork
    taste_sd: float = 1.0
    hidden_sd: float = 0.1

    @property
    def n_themes(self) -> int:
        return len(self.theme_effects)

    @classmethod
    def make(cls, rng: np.random.Generator, *, n_themes: int = 45, theme_sd: float = 0.3, **kwargs: float):
        return cls(theme_effects=rng.normal(0.0, theme_sd, n_themes), **kwargs)

    def viewer(self, rng: np.random.Generator) -> Viewer:
        taste = np.clip(rng.normal(0.0, self.taste_sd, self.n_themes), -3.0, 3.0).astype(np.float32)
        logit = self.base_logit + self.taste_effect * taste + self.theme_effects
        logit = logit + rng.normal(0.0, self.hidden_sd, self.n_themes)
        context = PageContext(
            taste=taste, daypart=int(rng.integers(len(DAYPARTS))), device=int(rng.integers(len(DEVICES)))
        )
        return Viewer(context=context, click_probability=expit(logit))

    def cards(
        self, rng: np.random.Generator, n_cards: int, arm_counts: tuple[int, ...] = (3, 4, 5, 6)
    ) -> list[np.ndarray]:
        """Cards with distinct random themes; the number of arms is drawn from `arm_counts`."""
        sizes = rng.choice(arm_counts, size=n_cards)
        shuffled = np.argsort(rng.random((n_cards, self.n_themes)), axis=1)  # a permutation per card
        return [row[:size] for row, size in zip(shuffled, sizes, strict=True)]


@dataclass
class SimulationLog:
    """Per-round averages over the round's cards (true probabilities, not sampled clicks)."""

    ctr: list[float] = field(default_factory=list)  # true click probability of the chosen arms
    oracle_ctr: list[float] = field(default_factory=list)  # of each card's best arm
    uniform_ctr: list[float] = field(default_factory=list)  # of a random arm
    best_share: list[float] = field(default_factory=list)  # chosen arm is the card's best
    near_best_share: list[float] = field(default_factory=list)  # within 1 CTR point of the best
    impressions: list[int] = field(default_factory=list)  # cumulative, after the round


def simulate(
    world: SyntheticWorld,
    policy: Policy,
    rng: np.random.Generator,
    *,
    rounds: int = 40,
    pages_per_round: int = 10,
    cards_per_page: int = 50,
    params: BanditParams | None = None,
) -> tuple[SimulationLog, PublishedModel]:
    """Serve pages round by round, folding each round's impressions and clicks in afterwards.

    Mirrors production: web processes use the model published after the previous round, and the
    batch job folds impressions (reward 0) first and their clicks as reward-only updates.
    Returns the log and the final published model.
    """
    params = params or policy.params
    state = state_new(n_themes=world.n_themes, params=params)
    model = publish(state, params)
    log = SimulationLog()
    for _ in range(rounds):
        rows, clicks, stats = [], [], []
        for _ in range(pages_per_round):
            viewer = world.viewer(rng)
            cards = world.cards(rng, cards_per_page)
            choice = choose_page(policy, model, viewer.context, cards, rng)
            shown, page_stats = _page_outcome(viewer, cards, choice.chosen)
            stats.append(page_stats)
            context = viewer.context
            rows.append(model.space.features(context.taste, shown, context.daypart, context.device))
            clicks.append(rng.random(len(shown)) < viewer.click_probability[shown])
        x, clicked = np.vstack(rows), np.concatenate(clicks)
        state = fold(state, x)
        state = fold_rewards(state, x[clicked], np.ones(int(clicked.sum())))
        model = publish(state, params)
        means = np.vstack(stats).mean(axis=0)
        for series, value in zip(
            (log.ctr, log.oracle_ctr, log.uniform_ctr, log.best_share, log.near_best_share), means, strict=True
        ):
            series.append(float(value))
        log.impressions.append(state.n_impressions)
    return log, model


def _page_outcome(viewer: Viewer, cards: list[np.ndarray], chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Themes shown and, per card, (p shown, p best, p mean, shown is best, shown within 1 pt)."""
    lengths = np.fromiter(map(len, cards), dtype=np.intp, count=len(cards))
    mask = np.arange(lengths.max()) < lengths[:, None]
    themes = np.zeros(mask.shape, dtype=np.intp)
    themes[mask] = np.concatenate(cards)
    p = np.where(mask, viewer.click_probability[themes], np.nan)
    shown = themes[np.arange(len(cards)), chosen]
    p_shown = viewer.click_probability[shown]
    p_best = np.nanmax(p, axis=1)
    stats = np.column_stack([p_shown, p_best, np.nanmean(p, axis=1), p_shown >= p_best, p_shown >= p_best - 0.01])
    return shown, stats
