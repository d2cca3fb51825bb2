"""The live bandit's design: its feature layout and how it models the reward.

Serving, the learning pass and the simulator's replays all read it from here, so what the replays
measure is what the site runs. Chosen in the replays on seeds 1-50 and the shipped worlds only
(README, "Learning that holds on worlds it was not tuned on"):

* layout 2: per-theme daypart and device indicators beside the taste terms, with their own prior
  precision `context_lambda` (many small effects: sd ~ noise / 55);
* stages: when the reward is a play (or a quality play), the bandit scores P(click) * P(reward | click),
  each stage a ridge regression on the same features: the click model learns from every seen card,
  the second stage from the clicked ones, so the dense click signal and the sparse play signal are
  both used and clickbait (clicked, then abandoned) does not win;
* variants: each artwork variant's own offset from its theme, per stage (`bandit.variants`): the
  residual reward its impressions earned beyond the theme-level prediction, shrunk toward its theme
  by kappa impressions (the click stage) or clicks (the P(reward | click) stage), so a picture that
  is simply better, or clickbait, earns its own score as its impressions pile up. Kappa is learned
  from the data (`learn_kappa`: empirical Bayes, how much the variants' residuals spread beyond the
  noise), never below `click_kappa` / `play_kappa`: where variants do not differ it goes to the
  ceiling and the offsets cost nothing; fixed kappas (300 / 20) gained 0.06 of the oracle's lift in
  `clickbait` but lost 0.02 in `default` and `context` (seed 7, 2,000 sessions; README). The offsets
  move the sampled means only (`offset_scale` 0: their own uncertainty is not explored); the draws
  stay independent per arm, so the logged propensity stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personalization.bandit.model import BanditState, PublishedModel, state_new
from personalization.bandit.params import BanditParams
from personalization.bandit.variants import ArmModel, VariantStats


@dataclass(frozen=True)
class BanditDesign:
    layout: int = 2
    context_lambda: float = 3000.0
    stages: bool = True
    variants: bool = True
    click_kappa: float = 300.0
    play_kappa: float = 20.0
    offset_scale: float = 0.0
    learn_kappa: bool = True  # kappas from the data (VariantStats.learned_kappa); the fixed ones are the floors
    kappa_ceiling: float = 1e6

    def staged(self, reward: str) -> bool:
        """Whether a bandit optimising `reward` keeps a second, P(reward | click), stage."""
        return self.stages and reward != "click"

    def prior(self, n_themes: int, params: BanditParams) -> BanditState:
        return state_new(
            n_themes=n_themes,
            params=params,
            layout=self.layout,
            context_lambda=self.context_lambda if self.layout == 2 else None,
        )

    def fits(
        self, state: BanditState, play_state: BanditState | None, reward: str, *, has_offsets: bool = True
    ) -> bool:
        """Whether states saved earlier can go on learning under this design (else: rebuild). A snapshot
        learned without per-variant sums (`has_offsets` False) cannot continue a design that has them."""
        stages_match = (play_state is not None) == self.staged(reward)
        layouts = {state.layout} | ({play_state.layout} if play_state is not None else set())
        return stages_match and layouts == {self.layout} and (has_offsets or not self.variants)

    def model(
        self,
        click: PublishedModel,
        play: PublishedModel | None,
        *,
        click_stats: VariantStats | None = None,
        play_stats: VariantStats | None = None,
        version: str,
    ) -> PublishedModel | ArmModel:
        """What serving scores arms with: the click model alone, or an `ArmModel` (the P(reward | click)
        stage and, under `variants`, each variant's learned offsets)."""
        if not self.variants:
            if play is None:
                return click
            return ArmModel(
                click=click, play=play, click_kappa=np.inf, play_kappa=np.inf, offset_scale=0.0, version=version
            )
        click_stats, play_stats = click_stats or VariantStats(), play_stats or VariantStats()
        kappa_c, kappa_p = self.click_kappa, self.play_kappa
        if self.learn_kappa:
            kappa_c = click_stats.learned_kappa(click.noise**2, floor=kappa_c, ceiling=self.kappa_ceiling)
            if play is not None:
                kappa_p = play_stats.learned_kappa(play.noise**2, floor=kappa_p, ceiling=self.kappa_ceiling)
        return ArmModel(
            click=click,
            play=play,
            click_offsets=click_stats.offsets(kappa_c),
            play_offsets=play_stats.offsets(kappa_p) if play is not None else {},
            click_kappa=kappa_c,
            play_kappa=kappa_p,
            offset_scale=self.offset_scale,
            version=version,
        )


LIVE_DESIGN = BanditDesign()
