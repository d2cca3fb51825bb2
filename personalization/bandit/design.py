"""The live bandit's design: its feature layout and how it models the reward.

Serving, the learning pass and the simulator's replays all read it from here, so what the replays
measure is what the site runs. Chosen in the replays on seeds 1-50 and the shipped worlds only
(README, "Learning that holds on worlds it was not tuned on"):

* layout 2: per-theme daypart and device indicators beside the taste terms, with their own prior
  precision `context_lambda` (many small effects: sd ~ noise / 55);
* stages: when the reward is a play (or a quality play), the bandit scores P(click) * P(reward | click),
  each stage a ridge regression on the same features: the click model learns from every seen card,
  the second stage from the clicked ones, so the dense click signal and the sparse play signal are
  both used and clickbait (clicked, then abandoned) does not win.
"""

from __future__ import annotations

from dataclasses import dataclass

from personalization.bandit.model import BanditState, state_new
from personalization.bandit.params import BanditParams


@dataclass(frozen=True)
class BanditDesign:
    layout: int = 2
    context_lambda: float = 3000.0
    stages: bool = True

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

    def fits(self, state: BanditState, play_state: BanditState | None, reward: str) -> bool:
        """Whether states saved earlier can go on learning under this design (else: rebuild)."""
        stages_match = (play_state is not None) == self.staged(reward)
        layouts = {state.layout} | ({play_state.layout} if play_state is not None else set())
        return stages_match and layouts == {self.layout}


LIVE_DESIGN = BanditDesign()
