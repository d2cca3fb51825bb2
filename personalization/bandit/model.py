"""Bayesian linear regression on clicks, kept as additive sufficient statistics.

The batch job folds impressions and clicks into a `BanditState` every minute; web processes read
the `PublishedModel` it derives. Both round-trip through bytes (np.savez) for the DB or cache.
Additivity is the point: impressions and their late clicks can be folded separately, in any order,
by any number of jobs, and the sums come out the same.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace

import numpy as np
from scipy import linalg

from personalization.bandit.features import FeatureSpace
from personalization.bandit.params import BanditParams

_STATE_KIND = "streamflix.bandit.state/1"
_MODEL_KIND = "streamflix.bandit.model/1"


@dataclass(frozen=True)
class BanditState:
    """A = lambda*I + sum x x^T and b = sum r x, plus the counts the noise estimate needs."""

    n_themes: int
    lambda_: float  # the prior part of A
    precision: np.ndarray  # A, (d, d)
    moment: np.ndarray  # b, (d,)
    n_impressions: int
    sum_sq_rewards: float  # sum r^2, for the residual noise
    layout: int = 1  # the FeatureSpace layout (states saved before layouts existed are 1)

    @property
    def space(self) -> FeatureSpace:
        return FeatureSpace(self.n_themes, self.layout)

    def to_bytes(self) -> bytes:
        return _save(
            kind=_STATE_KIND,
            n_themes=self.n_themes,
            lambda_=self.lambda_,
            precision=self.precision,
            moment=self.moment,
            n_impressions=self.n_impressions,
            sum_sq_rewards=self.sum_sq_rewards,
            layout=self.layout,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> BanditState:
        arrays = _load(data, _STATE_KIND)
        state = cls(
            n_themes=int(arrays["n_themes"]),
            lambda_=float(arrays["lambda_"]),
            precision=arrays["precision"],
            moment=arrays["moment"],
            n_impressions=int(arrays["n_impressions"]),
            sum_sq_rewards=float(arrays["sum_sq_rewards"]),
            layout=int(arrays.get("layout", 1)),
        )
        d = state.space.d
        if state.precision.shape != (d, d) or state.moment.shape != (d,):
            raise ValueError("bandit state arrays do not match its theme count")
        return state


@dataclass(frozen=True)
class PublishedModel:
    """What a web process needs to score arms: posterior mean, covariance factor and noise."""

    n_themes: int
    theta: np.ndarray  # A^-1 b, (d,)
    covariance: np.ndarray  # A^-1, (d, d); the posterior covariance is noise^2 * A^-1
    noise: float  # estimated click noise sd
    n_impressions: int
    version: str
    layout: int = 1

    @property
    def space(self) -> FeatureSpace:
        return FeatureSpace(self.n_themes, self.layout)

    def to_bytes(self) -> bytes:
        return _save(
            kind=_MODEL_KIND,
            n_themes=self.n_themes,
            theta=self.theta,
            covariance=self.covariance,
            noise=self.noise,
            n_impressions=self.n_impressions,
            version=self.version,
            layout=self.layout,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PublishedModel:
        arrays = _load(data, _MODEL_KIND)
        model = cls(
            n_themes=int(arrays["n_themes"]),
            theta=arrays["theta"],
            covariance=arrays["covariance"],
            noise=float(arrays["noise"]),
            n_impressions=int(arrays["n_impressions"]),
            version=str(arrays["version"]),
            layout=int(arrays.get("layout", 1)),
        )
        d = model.space.d
        if model.theta.shape != (d,) or model.covariance.shape != (d, d):
            raise ValueError("published model arrays do not match its theme count")
        return model


def state_new(
    *, n_themes: int, params: BanditParams | None = None, layout: int = 1, context_lambda: float | None = None
) -> BanditState:
    """The prior alone: A = lambda*I, b = 0. With layout 2, the theme x context indicators may get
    their own, stronger prior precision `context_lambda` (they are many and their effects small)."""
    params = params or BanditParams()
    space = FeatureSpace(n_themes, layout)
    diagonal = np.full(space.d, params.lambda_)
    if context_lambda is not None:
        diagonal[space.base_d :] = context_lambda
    return BanditState(
        n_themes=n_themes,
        lambda_=params.lambda_,
        precision=np.diag(diagonal),
        moment=np.zeros(space.d),
        n_impressions=0,
        sum_sq_rewards=0.0,
        layout=layout,
    )


def fold(state: BanditState, X: np.ndarray, rewards: np.ndarray | None = None) -> BanditState:
    """Add impressions (rows of X) and their rewards so far; returns a new state.

    Rewards not known yet may be passed as 0 (or omitted) and added later with `fold_rewards`.
    """
    X = _check_rows(state, X)
    r = _check_rewards(rewards, len(X))
    return replace(
        state,
        precision=state.precision + X.T @ X,
        moment=state.moment + X.T @ r,
        n_impressions=state.n_impressions + len(X),
        sum_sq_rewards=state.sum_sq_rewards + float(r @ r),
    )


def fold_rewards(state: BanditState, X_clicked: np.ndarray, rewards: np.ndarray) -> BanditState:
    """Add rewards of impressions already folded (with reward 0); A and the count are unchanged.

    Exact for 0/1 clicks: r^2 = r, so the noise statistics match folding them together.
    """
    X = _check_rows(state, X_clicked)
    r = _check_rewards(rewards, len(X))
    return replace(
        state,
        moment=state.moment + X.T @ r,
        sum_sq_rewards=state.sum_sq_rewards + float(r @ r),
    )


def publish(state: BanditState, params: BanditParams | None = None, *, version: str | None = None) -> PublishedModel:
    """Posterior mean and covariance (via Cholesky) and the noise estimate, for web processes.

    The noise sd follows the conjugate normal-inverse-gamma update: `noise_prior_weight` pseudo
    impressions at `noise_prior`, plus the penalised residual sum r'r - theta'b of the data.
    Scaling exploration by it keeps `v` unit-free whatever the site's click rate.
    """
    params = params or BanditParams()
    factor = linalg.cho_factor(state.precision, lower=True, check_finite=True)
    theta = linalg.cho_solve(factor, state.moment)
    covariance = linalg.cho_solve(factor, np.eye(state.space.d))
    covariance = (covariance + covariance.T) / 2  # exact symmetry keeps x'Cx >= 0 in float
    residual = max(state.sum_sq_rewards - float(theta @ state.moment), 0.0)
    weight = params.noise_prior_weight
    noise = float(np.sqrt((weight * params.noise_prior**2 + residual) / (weight + state.n_impressions)))
    return PublishedModel(
        n_themes=state.n_themes,
        theta=theta,
        covariance=covariance,
        noise=noise,
        n_impressions=state.n_impressions,
        version=version or _content_version(state),
        layout=state.layout,
    )


def _content_version(state: BanditState) -> str:
    digest = hashlib.sha256(state.precision.tobytes() + state.moment.tobytes()).hexdigest()[:10]
    return f"n{state.n_impressions}-{digest}"


def _check_rows(state: BanditState, X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != state.space.d:
        raise ValueError(f"X must have shape (n, {state.space.d}), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite")
    return X


def _check_rewards(rewards: np.ndarray | None, n: int) -> np.ndarray:
    if rewards is None:
        return np.zeros(n)
    r = np.asarray(rewards, dtype=np.float64)
    if r.shape != (n,):
        raise ValueError(f"rewards must have shape ({n},), got {r.shape}")
    if not np.all(np.isfinite(r)):
        raise ValueError("rewards must be finite")
    return r


def _save(**fields: object) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{key: np.asarray(value) for key, value in fields.items()})
    return buffer.getvalue()


def _load(data: bytes, kind: str) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"not a saved {kind}: {error}") from error
    if str(arrays.get("kind", "")) != kind:
        raise ValueError(f"not a saved {kind} (kind={arrays.get('kind')!r})")
    return arrays
