"""Peer contextual bandits the artwork bandit is measured against (dev/test only): Vowpal Wabbit's
`--cb_explore_adf` (the engine behind Azure Personalizer) and MABWiser's LinTS.

Both see exactly what the bandit sees, the feature rows of `FeatureSpace` (one per arm: the theme
indicator, the viewer's taste for that theme and its context splits, the curvature term and the
intercept), and learn from the same rewards on the same schedule (the simulator calls `learn`
when the bandit learns). Both return, for every card, the arm and the probability they had of
picking each arm, so their impressions are logged with exact propensities:

* vw: the pmf of cb_explore_adf (epsilon-greedy over its cost regression, `VW_ARGS`); sampled
  with our own generator.
* lints: MABWiser fits one ridge regression per theme (its disjoint-arm LinTS); LinTS draws
  beta_k ~ N(beta_k, alpha^2 A_k^-1), so arm k's score x_k . beta_k is N(x_k beta_k, alpha^2
  x_k' A_k^-1 x_k), independent across arms: we draw from those marginals and compute each arm's
  win probability exactly with `quadrature.win_probabilities`.

`vowpalwabbit` and `mabwiser` are imported when a peer is made, so the site never needs them.
"""

from __future__ import annotations

import numpy as np

from personalization.bandit.features import FeatureSpace
from personalization.bandit.quadrature import win_probabilities

PEER_NAMES = ("vw", "lints")
VW_ARGS = "--cb_explore_adf --epsilon 0.03 --cb_type mtr -l 0.5 --power_t 0.3 --quiet --random_seed {seed}"
LINTS_ALPHA = 0.25  # the bandit's exploration scale v, for a like-for-like comparison
LINTS_LAMBDA = 1.0


class Peer:
    """A learner choosing one arm per card from the feature rows of its arms."""

    name = "peer"

    def __init__(self, space: FeatureSpace, seed: int) -> None:
        self.space = space
        self.seed = seed

    def choose(self, rows: list[np.ndarray], themes: list[np.ndarray], rng: np.random.Generator):
        """Per card (its arms' feature rows and themes): (chosen arm, probabilities of its arms)."""
        raise NotImplementedError

    def learn(self, x: np.ndarray, themes: np.ndarray, rewards: np.ndarray, propensities: np.ndarray) -> None:
        raise NotImplementedError


class VowpalPeer(Peer):
    name = "vw"

    def __init__(self, space: FeatureSpace, seed: int, args: str = VW_ARGS) -> None:
        super().__init__(space, seed)
        import vowpalwabbit

        self.vw = vowpalwabbit.Workspace(args.format(seed=seed))
        self._candidates: dict[int, list[np.ndarray]] = {}

    def _action(self, row: np.ndarray, label: str = "") -> str:
        nz = np.flatnonzero(row)
        return f"{label}|a " + " ".join(f"f{j}:{row[j]:.5g}" for j in nz)

    def choose(self, rows, themes, rng):
        out = []
        for card in rows:
            pmf = np.asarray(self.vw.predict([self._action(r) for r in card]), dtype=np.float64)
            pmf = pmf / pmf.sum()
            arm = int(min(np.searchsorted(np.cumsum(pmf), rng.random(), side="right"), len(pmf) - 1))
            out.append((arm, pmf))
        return out

    def learn_cards(self, cards: list[tuple[np.ndarray, int, float, float]]) -> None:
        """Each card: (its arms' feature rows, the arm shown, its reward, its propensity)."""
        for rows, arm, reward, propensity in cards:
            lines = [
                self._action(r, f"0:{-reward:g}:{propensity:.6g} " if a == arm else "") for a, r in enumerate(rows)
            ]
            self.vw.learn(lines)


class LinTSPeer(Peer):
    name = "lints"

    def __init__(self, space: FeatureSpace, seed: int, alpha: float = LINTS_ALPHA, l2_lambda: float = LINTS_LAMBDA):
        super().__init__(space, seed)
        from mabwiser.mab import MAB, LearningPolicy

        self.mab = MAB(list(range(space.n_themes)), LearningPolicy.LinTS(alpha=alpha, l2_lambda=l2_lambda), seed=seed)
        self.alpha = alpha
        self.fitted = False
        self._ridge = l2_lambda

    def _posterior(self, rows: np.ndarray, themes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.fitted:
            return np.zeros(len(themes)), np.full(len(themes), self.alpha * np.sqrt(1.0 / self._ridge) * 1.0)
        models = self.mab._imp.arm_to_model
        means = np.array([rows[i] @ models[int(t)].beta for i, t in enumerate(themes)])
        var = np.array([rows[i] @ models[int(t)].A_inv @ rows[i] for i, t in enumerate(themes)])
        return means, self.alpha * np.sqrt(np.maximum(var, 1e-12))

    def choose(self, rows, themes, rng):
        if not rows:
            return []
        lengths = np.array([len(t) for t in themes])
        means = np.zeros((len(rows), lengths.max()))
        sds = np.ones_like(means)
        for c, (card_rows, card_themes) in enumerate(zip(rows, themes, strict=True)):
            means[c, : lengths[c]], sds[c, : lengths[c]] = self._posterior(card_rows, card_themes)
        mask = np.arange(means.shape[1]) < lengths[:, None]
        scores = np.where(mask, means + sds * rng.standard_normal(means.shape), -np.inf)
        chosen = np.argmax(scores, axis=1)
        wins = win_probabilities(means, sds, lengths)
        return [(int(chosen[c]), wins[c, : lengths[c]]) for c in range(len(rows))]

    def learn(self, x, themes, rewards, propensities) -> None:
        if not len(x):
            return
        if self.fitted:
            self.mab.partial_fit(themes.tolist(), rewards, x)
        else:
            self.mab.fit(themes.tolist(), rewards, x)
            self.fitted = True
