"""The bandit's belief down to each artwork variant, and for a reward beyond the click. Pure numpy.

`ArmModel` scores every arm of every card from three parts:

* the theme-level click model (`PublishedModel`, the ridge regression of `model`), what every variant
  of a theme shares;
* a per-variant offset learned hierarchically: each variant's clicks beyond what its theme-level
  prediction expected, shrunk toward 0 (its theme) by `kappa` pseudo-impressions: mean
  sum(r - x.theta) / (n + kappa) with sd noise / sqrt(n + kappa). A variant seen rarely is its
  theme; a picture that is simply better earns its own score as its impressions pile up;
* for the play and quality-play rewards, a second model of P(reward | click) on the clicked
  impressions (same features, its own per-variant offsets), so that the dense click signal and
  the sparse play signal are both used: score = P(click) * P(reward | click).

Thompson sampling draws each arm's score from N(mean, sd^2) where, for a product, mean and sd
come from the delta method: sd^2 = p^2 s_c^2 + c^2 s_p^2. The draws are independent across arms,
so `quadrature.win_probabilities` gives the exact probability of each pick: the propensity stays
exact for the policy as it samples.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from personalization.bandit.model import PublishedModel, _load, _save

CLICK_KAPPA = 200.0  # prior strength of a variant's click offset, in impressions (sd ~ noise / 14)
PLAY_KAPPA = 20.0  # of its P(reward | click) offset, in clicks


@dataclass
class VariantStats:
    """Additive per-variant sums: impressions and residual reward, by artwork id."""

    n: dict[int, float] = field(default_factory=dict)
    residual: dict[int, float] = field(default_factory=dict)

    def add(self, keys: np.ndarray, residuals: np.ndarray, counts: np.ndarray | None = None) -> None:
        counts = np.ones(len(keys)) if counts is None else counts
        for key, r, c in zip(keys.tolist(), residuals.tolist(), counts.tolist(), strict=True):
            self.n[key] = self.n.get(key, 0.0) + c
            self.residual[key] = self.residual.get(key, 0.0) + r

    def offsets(self, kappa: float) -> dict[int, tuple[float, float]]:
        """artwork id -> (mean offset, its sd in units of the model's noise)."""
        return {k: (self.residual[k] / (n + kappa), 1.0 / np.sqrt(n + kappa)) for k, n in self.n.items()}

    def learned_kappa(self, noise_var: float, *, floor: float, ceiling: float) -> float:
        """The shrinkage, in impressions, that the data themselves ask for (empirical Bayes).

        With K variants, n_k impressions and raw mean residual m_k = r_k / n_k each, a true offset
        ~ N(mu, tau^2) and a per-impression noise variance `noise_var`, the weighted spread
        S = sum n_k (m_k - m)^2 has expectation (K - 1) noise_var + tau^2 (N - sum n_k^2 / N)
        (one-way random effects, N = sum n_k); so tau^2 = (S - (K - 1) noise_var) / (N - sum n_k^2 / N)
        and kappa = noise_var / tau^2. No spread beyond the noise (a world whose variants do not differ)
        gives the ceiling: the offsets stay ~0 and cost no exploration.
        """
        n = np.fromiter(self.n.values(), dtype=np.float64, count=len(self.n))
        r = np.fromiter((self.residual[k] for k in self.n), dtype=np.float64, count=len(self.n))
        seen = n > 0
        n, r = n[seen], r[seen]
        total = n.sum()
        if len(n) < 2 or total <= 0:
            return ceiling
        means = r / n
        spread = float(np.sum(n * (means - r.sum() / total) ** 2))
        denominator = total - float(np.sum(n * n)) / total
        tau2 = (spread - (len(n) - 1) * noise_var) / denominator if denominator > 0 else 0.0
        if tau2 <= 0:
            return ceiling
        return float(np.clip(noise_var / tau2, floor, ceiling))

    def to_bytes(self) -> bytes:
        keys = np.fromiter(self.n, dtype=np.int64, count=len(self.n))
        return _save(
            kind=_STATS_KIND,
            keys=keys,
            n=np.array([self.n[k] for k in keys.tolist()], dtype=np.float64),
            residual=np.array([self.residual[k] for k in keys.tolist()], dtype=np.float64),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> VariantStats:
        arrays = _load(data, _STATS_KIND)
        keys = arrays["keys"].tolist()
        return cls(
            dict(zip(keys, arrays["n"].tolist(), strict=True)),
            dict(zip(keys, arrays["residual"].tolist(), strict=True)),
        )


_STATS_KIND = "streamflix.bandit.variant_stats/1"


@dataclass(frozen=True)
class OffsetTable:
    """One stage's per-variant offsets as arrays, to look a whole page's arms up at once (a dict lookup
    per arm cost ~40% of choosing a page's artwork): the artwork ids sorted, and each one's
    (offset, sd), then the prior (0, 1 / sqrt(kappa)) that any other id gets."""

    keys: np.ndarray  # int64, ascending
    values: np.ndarray  # (len(keys) + 1, 2)

    @classmethod
    def of(cls, offsets: dict[int, tuple[float, float]], kappa: float) -> OffsetTable:
        keys = np.sort(np.fromiter(offsets, dtype=np.int64, count=len(offsets)))
        rows = [offsets[k] for k in keys.tolist()] + [(0.0, 1.0 / np.sqrt(kappa))]
        return cls(keys, np.array(rows, dtype=np.float64))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """(offset, sd) of each artwork id in `keys` (any shape): keys.shape + (2,)."""
        keys = np.asarray(keys, dtype=np.int64)
        n = len(self.keys)
        if n == 0:
            return np.broadcast_to(self.values[0], (*keys.shape, 2))
        i = np.minimum(np.searchsorted(self.keys, keys), n - 1)
        return self.values[np.where(self.keys[i] == keys, i, n)]


@dataclass(frozen=True)
class ArmModel:
    """What the thompson policy needs to score variants rather than themes."""

    click: PublishedModel
    play: PublishedModel | None = None  # P(reward | click); None when the reward is the click
    click_offsets: dict = field(default_factory=dict)
    play_offsets: dict = field(default_factory=dict)
    click_kappa: float = CLICK_KAPPA
    play_kappa: float = PLAY_KAPPA
    offset_scale: float = 1.0  # how much of an offset's own uncertainty the draws explore (0: none)
    version: str = ""

    @property
    def n_themes(self) -> int:
        return self.click.n_themes

    @property
    def space(self):
        return self.click.space

    @property
    def n_impressions(self) -> int:
        return self.click.n_impressions

    @property
    def per_variant(self) -> bool:
        """Whether variants of one theme may score apart (offsets learned, or their prior explored)."""
        finite = np.isfinite(self.click_kappa) or (self.play is not None and np.isfinite(self.play_kappa))
        return bool(self.click_offsets or self.play_offsets) or (finite and self.offset_scale > 0)

    def theme_posterior(self, theme_posterior) -> tuple[np.ndarray, np.ndarray]:
        """Means and sds per theme of the sampled score, for a model whose variants of one theme score
        alike (`per_variant` False): the staged product P(click) * P(reward | click)."""
        mean_c, sd_c = theme_posterior(self.click)
        if self.play is None:
            return mean_c, sd_c
        mean_p, sd_p = theme_posterior(self.play)
        return _product(mean_c, sd_c, mean_p, sd_p)

    def card_posterior(
        self, theme_posterior, themes: np.ndarray, mask: np.ndarray, keys: np.ndarray, v: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Means and sds (n_cards, width) of every arm's sampled score; `theme_posterior(model)`
        gives a published model's (means, exploration sds) per theme for this page."""
        w = v * self.offset_scale
        mean_c, sd_c = self._stage(self.click, self.click_table, theme_posterior, themes, keys, w)
        if self.play is None:
            return mean_c, sd_c
        mean_p, sd_p = self._stage(self.play, self.play_table, theme_posterior, themes, keys, w)
        return _product(mean_c, sd_c, mean_p, sd_p)

    @functools.cached_property
    def click_table(self) -> OffsetTable:
        return OffsetTable.of(self.click_offsets, self.click_kappa)

    @functools.cached_property
    def play_table(self) -> OffsetTable:
        return OffsetTable.of(self.play_offsets, self.play_kappa)

    @staticmethod
    def _stage(model, table: OffsetTable, theme_posterior, themes, keys, w):
        means, sds = theme_posterior(model)
        m = means[themes].copy()
        s2 = sds[themes] ** 2
        off = table.lookup(keys)
        m += off[..., 0]
        s2 += (w * model.noise * off[..., 1]) ** 2
        return m, np.sqrt(s2)


def belief(model: PublishedModel | ArmModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of the reward score of feature rows `x` (per-variant offsets aside)."""
    if isinstance(model, ArmModel):
        mean_c, sd_c = belief(model.click, x)
        return (mean_c, sd_c) if model.play is None else _product(mean_c, sd_c, *belief(model.play, x))
    mean = x @ model.theta
    return mean, model.noise * np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x, model.covariance, x), 0.0))


def _product(mean_c, sd_c, mean_p, sd_p) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd (delta method) of P(click) * P(reward | click), each clipped to a probability."""
    c = np.clip(mean_c, 1e-4, 1.0)
    p = np.clip(mean_p, 1e-3, 1.0)
    return c * p, np.sqrt(p * p * sd_c * sd_c + c * c * sd_p * sd_p)
