"""Off-policy value estimates from logged impressions and their propensities. Pure.

What a policy's click-through would have been on the impressions logged under another one: IPS
(unbiased when the logging policy could show everything the target can), self-normalised IPS (less
variance), doubly robust (a reward model plus IPS on its residuals: unbiased if either is right) and
replay (keep the impressions where the target picks what was shown), each with an interval from a
bootstrap over page views.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def ips_estimate(
    rewards: np.ndarray, logged_propensity: np.ndarray, target_propensity: np.ndarray
) -> tuple[float, float]:
    """Inverse-propensity estimate of the target policy's mean reward, and its standard error.

    `target_propensity[i]` is the probability the target policy picks the arm actually shown in
    impression i. Unbiased whenever the logging policy could show every arm the target can.
    """
    r, weights = _check(rewards, logged_propensity, target_propensity)
    terms = weights * r
    return float(terms.mean()), _stderr(terms)


def snips_estimate(
    rewards: np.ndarray, logged_propensity: np.ndarray, target_propensity: np.ndarray
) -> tuple[float, float]:
    """Self-normalised IPS: sum(w r) / sum(w). Slightly biased, far less variance when weights
    are uneven; the standard error is the delta-method one."""
    r, weights = _check(rewards, logged_propensity, target_propensity)
    total = weights.sum()
    if total <= 0:
        raise ValueError("the target policy gives zero probability to every logged action")
    value = float((weights * r).sum() / total)
    residual = weights * (r - value)
    stderr = float(np.sqrt((residual**2).sum()) / total)
    return value, stderr


def _stderr(terms: np.ndarray) -> float:
    if len(terms) < 2:
        return float("inf")
    return float(terms.std(ddof=1) / np.sqrt(len(terms)))


def _check(
    rewards: np.ndarray, logged_propensity: np.ndarray, target_propensity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(rewards, dtype=np.float64)
    logged = np.asarray(logged_propensity, dtype=np.float64)
    target = np.asarray(target_propensity, dtype=np.float64)
    if r.ndim != 1 or logged.shape != r.shape or target.shape != r.shape or len(r) == 0:
        raise ValueError("rewards and propensities must be non-empty 1-D arrays of the same length")
    if not (np.all(logged > 0) and np.all(logged <= 1)):
        raise ValueError("logged propensities must be in (0, 1]")
    if not (np.all(target >= 0) and np.all(target <= 1)):
        raise ValueError("target propensities must be in [0, 1]")
    return r, target / logged


# Estimates from a log of decisions ---------------------------------------------------------------


@dataclass(frozen=True)
class Decisions:
    """Logged decisions, one per impression: what was shown among which candidates, with what
    probability, what happened, and what the target policy would have done.

    Arrays over n impressions; per-candidate arrays are (n, width) with `mask` marking real candidates.
    """

    rewards: np.ndarray  # 0/1 (or any bounded reward)
    shown: np.ndarray  # index of the shown candidate
    logged: np.ndarray  # (n, width) the logging policy's probability per candidate
    target: np.ndarray  # (n, width) the target policy's probability per candidate
    mask: np.ndarray  # (n, width) bool
    clusters: np.ndarray  # page view index: impressions of one page view are resampled together
    rewards_model: np.ndarray | None = None  # (n, width) cross-fitted q(x, a); None skips DR

    def __post_init__(self) -> None:
        n = len(self.rewards)
        same = self.logged.shape == self.target.shape == self.mask.shape
        if not (self.shown.shape == self.clusters.shape == (n,) and same):
            raise ValueError("decision arrays must agree in shape")
        rows = np.arange(n)
        if n and not np.all(self.logged[rows, self.shown] > 0):
            raise ValueError("every shown candidate needs a positive logged probability")


def off_policy_estimates(
    decisions: Decisions, *, replay_choice: np.ndarray | None = None, resamples: int = 1000, seed: int = 0
) -> dict[str, float | int | None]:
    """IPS, self-normalised IPS, doubly robust and replay estimates of the target's mean reward, each
    with a 95% percentile interval from a bootstrap that resamples page views (clusters).

    `replay_choice[i]` is the candidate the target picks for impression i (sampled once, seeded, when
    it is stochastic); replay keeps the impressions where it is the one shown (Li et al. 2011).
    """
    n = len(decisions.rewards)
    rows = np.arange(n)
    weights = decisions.target[rows, decisions.shown] / decisions.logged[rows, decisions.shown]
    r = decisions.rewards.astype(np.float64)
    parts = {"ips": (weights * r, np.ones(n)), "snips": (weights * r, weights)}
    if decisions.rewards_model is not None:
        q = np.where(decisions.mask, decisions.rewards_model, 0.0)
        direct = (decisions.target * q).sum(axis=1)
        parts["dr"] = (direct + weights * (r - q[rows, decisions.shown]), np.ones(n))
    if replay_choice is not None:
        matched = (replay_choice == decisions.shown).astype(np.float64)
        parts["replay"] = (matched * r, matched)
    clusters, index = np.unique(decisions.clusters, return_inverse=True)
    k = len(clusters)
    sums = {name: (np.bincount(index, num, k), np.bincount(index, den, k)) for name, (num, den) in parts.items()}
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, k, size=(resamples, k)) if k else np.zeros((resamples, 0), dtype=int)
    out: dict[str, float | int | None] = {}
    for name, (num, den) in sums.items():
        value = num.sum() / den.sum() if den.sum() > 0 else float("nan")
        boot_den = den[draws].sum(axis=1)
        boot = np.where(boot_den > 0, num[draws].sum(axis=1) / np.where(boot_den > 0, boot_den, 1), np.nan)
        low, high = np.nanpercentile(boot, [2.5, 97.5]) if np.isfinite(boot).any() else (np.nan, np.nan)
        out[name], out[f"{name}_ci_low"], out[f"{name}_ci_high"] = _finite(value), _finite(low), _finite(high)
    for name in ("dr", "replay"):
        out.setdefault(name, None)
        out.setdefault(f"{name}_ci_low", None)
        out.setdefault(f"{name}_ci_high", None)
    out["n_impressions"] = n
    out["n_replay_matched"] = int((replay_choice == decisions.shown).sum()) if replay_choice is not None else 0
    out["effective_sample_size"] = float(weights.sum() ** 2 / (weights**2).sum()) if (weights**2).sum() > 0 else 0.0
    return out


def cross_fitted_rewards(
    features: np.ndarray,
    mask: np.ndarray,
    shown: np.ndarray,
    rewards: np.ndarray,
    folds: np.ndarray,
    *,
    ridge: float = 1.0,
) -> np.ndarray:
    """q(x, a) for every candidate of every impression from a ridge regression of the reward on the
    shown candidate's features, fitted on the other folds (so DR's correction is not fitted to itself).

    `features` is (n, width, d); the estimates are clipped to [0, 1].
    """
    n, width, d = features.shape
    rows = np.arange(n)
    x_shown = features[rows, shown]
    out = np.zeros((n, width))
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        xtx = x_shown[train].T @ x_shown[train] + ridge * np.eye(d)
        theta = np.linalg.solve(xtx, x_shown[train].T @ rewards[train].astype(np.float64))
        out[test] = features[test] @ theta
    return np.clip(np.where(mask, out, 0.0), 0.0, 1.0)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
