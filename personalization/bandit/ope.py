"""Off-policy value estimates from logged impressions and their propensities."""

from __future__ import annotations

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
