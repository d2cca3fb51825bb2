"""A/B experiments as numbers: who gets which variant, and what the log says about each. Pure.

Assignment: GrowthBook's version-2 hash, FNV-1a 32-bit applied twice (to "<salt><profile id>", then to
that number's decimal digits), modulo 10,000, gives a point in [0, 1), mapped onto the variants'
cumulative weights. (One round over sequential ids is visibly non-uniform; the second round is why
GrowthBook moved to v2.) The same profile gets the same variant in every process (web, API, simulator,
a worker), and experiments with different salts are independent of each other.

Metrics are ratios over impressions (clicks per impression, plays per impression) or per page view,
measured on profiles: a viewer's impressions are not independent, so every interval treats the
profile as the unit (Deng, Knoblich and Lu 2018, "Applying the delta method in metric analytics"):
a ratio R = sum(y) / sum(n) over profiles is linearised, per profile, into
    l_i = (y_i - R n_i) / mean(n)
and Var(R) = var(l) / k for k profiles. CUPED (Deng et al. 2013) subtracts theta (x_i - mean(x)) from
l_i, with x_i the profile's pre-experiment CTR and theta = cov(l, x) / var(x) pooled over variants.
Lift is (R_t - R_c) / R_c with the delta-method variance of a ratio of independent estimates.
The always-valid mode is the mixture SPRT of Johari et al. (2017) with a normal mixing distribution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
Z95 = float(stats.norm.ppf(0.975))
SRM_ALPHA = 0.001  # a sample-ratio mismatch this unlikely means the split is broken: distrust the results


def fnv1a_32(text: str) -> int:
    """FNV-1a, 32 bits, over the UTF-8 bytes (what GrowthBook uses for bucketing)."""
    value = _FNV_OFFSET
    for byte in text.encode():
        value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return value


def bucket(salt: str, profile_id: int) -> float:
    """The profile's point in [0, 1) for an experiment (a multiple of 1/10,000)."""
    return fnv1a_32(str(fnv1a_32(f"{salt}{profile_id}"))) % 10_000 / 10_000


def assign(salt: str, profile_id: int, variants: list[tuple[str, float]]) -> str:
    """The variant whose share of [0, 1) holds the profile's point (weights need not sum to 1)."""
    total = sum(weight for _, weight in variants)
    if total <= 0 or not variants:
        raise ValueError("an experiment needs variants with positive total weight")
    point = bucket(salt, profile_id) * total
    upper = 0.0
    for name, weight in variants:
        upper += weight
        if point < upper:
            return name
    return variants[-1][0]


def parse_variants(spec: str) -> list[tuple[str, float]]:
    """'uniform=0.5,bandit=0.5' -> [("uniform", 0.5), ("bandit", 0.5)]; weights positive, summing to 1."""
    variants = []
    for part in spec.split(","):
        name, separator, weight = part.strip().partition("=")
        try:
            value = float(weight)
        except ValueError:
            value = -1.0
        if not separator or not name.strip() or not value > 0:
            raise ValueError(
                f"{part.strip()!r} is not NAME=WEIGHT with a positive weight (e.g. uniform=0.5,bandit=0.5)"
            )
        variants.append((name.strip(), value))
    names = [name for name, _ in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"variant names must differ: {', '.join(names)}")
    if len(variants) < 2:
        raise ValueError("an experiment needs at least two variants")
    if abs(sum(weight for _, weight in variants) - 1.0) > 1e-6:
        raise ValueError(f"weights must sum to 1, not {sum(weight for _, weight in variants):g}")
    return variants


@dataclass(frozen=True)
class VariantSpec:
    """One arm of an experiment and what it changes on its surface."""

    name: str
    weight: float
    is_control: bool = False
    artwork_policy: str = ""  # artwork surface: thompson / uniform / editorial
    row_policy: str = ""  # rows surface (and an interleaving ranker): personalized / popularity
    model_version: int | None = None  # model surface: the ModelVersion to rank with


@dataclass(frozen=True)
class ExperimentSpec:
    """A running experiment as pages need it (plain data, loaded once per process)."""

    name: str
    salt: str
    surface: str  # artwork / rows / model
    kind: str  # ab / interleave
    variants: tuple[VariantSpec, ...]

    def assign(self, profile_id: int) -> VariantSpec:
        chosen = assign(self.salt, profile_id, [(v.name, v.weight) for v in self.variants])
        return next(v for v in self.variants if v.name == chosen)


@dataclass(frozen=True)
class Assignments:
    """A profile's variants in the running experiments, and what they change on its page."""

    variants: dict[str, VariantSpec] = field(default_factory=dict)  # experiment name -> variant
    artwork_policy: str | None = None
    row_policy: str | None = None
    model_version: int | None = None
    interleave: tuple[str, str] | None = None  # the two rankers drafted into Top Picks

    @property
    def label(self) -> str:
        """';name=variant;...;' as logged with each impression ('' outside every experiment)."""
        if not self.variants:
            return ""
        return ";" + "".join(f"{name}={variant.name};" for name, variant in sorted(self.variants.items()))


def assignments_for(experiments: list[ExperimentSpec], profile_id: int) -> Assignments:
    """The profile's variant in each experiment; at most one experiment runs per surface."""
    variants: dict[str, VariantSpec] = {}
    changes: dict[str, object] = {}
    for experiment in experiments:
        if experiment.kind == "interleave":
            variants[experiment.name] = VariantSpec("interleaved", 1.0)
            rankers = tuple(v.row_policy for v in experiment.variants[:2])
            changes["interleave"] = rankers
            continue
        variant = experiment.assign(profile_id)
        variants[experiment.name] = variant
        if experiment.surface == "artwork" and variant.artwork_policy:
            changes["artwork_policy"] = variant.artwork_policy
        elif experiment.surface == "rows" and variant.row_policy:
            changes["row_policy"] = variant.row_policy
        elif experiment.surface == "model" and variant.model_version:
            changes["model_version"] = variant.model_version
    return Assignments(variants=variants, **changes)


def label_variant(label: str, experiment: str) -> str | None:
    """The variant an impression's ';name=variant;' label gives for `experiment` (None if not in it)."""
    marker = f";{experiment}="
    start = label.find(marker)
    if start < 0:
        return None
    start += len(marker)
    return label[start : label.index(";", start)]


# Per-variant estimates ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatioEstimate:
    """sum(numerator) / sum(denominator) over k profiles, with its cluster-robust variance."""

    value: float
    variance: float
    profiles: int
    linearised: np.ndarray = field(repr=False)  # l_i per profile (for CUPED and sequential tests)

    @property
    def stderr(self) -> float:
        return float(np.sqrt(self.variance))

    @property
    def ci(self) -> tuple[float, float]:
        return self.value - Z95 * self.stderr, self.value + Z95 * self.stderr


def ratio_estimate(numerators: np.ndarray, denominators: np.ndarray) -> RatioEstimate:
    """The ratio of sums over profiles with its delta-method variance (profiles as clusters)."""
    y = np.asarray(numerators, dtype=np.float64)
    n = np.asarray(denominators, dtype=np.float64)
    k = len(n)
    if k == 0 or n.sum() <= 0:
        return RatioEstimate(float("nan"), float("nan"), k, np.zeros(0))
    value = y.sum() / n.sum()
    linearised = (y - value * n) / n.mean()
    variance = float(linearised.var(ddof=1) / k) if k > 1 else float("inf")
    return RatioEstimate(float(value), variance, k, linearised)


@dataclass(frozen=True)
class Comparison:
    """A treatment against the control."""

    difference: float
    difference_stderr: float
    lift: float
    lift_ci: tuple[float, float]
    p_value: float


def compare(treatment: RatioEstimate, control: RatioEstimate) -> Comparison:
    """Absolute difference (z-test, two-sided) and relative lift with its delta-method interval."""
    difference = treatment.value - control.value
    se = float(np.sqrt(treatment.variance + control.variance))
    p_value = float(2 * stats.norm.sf(abs(difference) / se)) if se > 0 and np.isfinite(se) else float("nan")
    if control.value > 0:
        lift = difference / control.value
        # Var(T/C) ~ Var(T)/C^2 + T^2 Var(C)/C^4 for independent T and C.
        lift_se = float(
            np.sqrt(treatment.variance / control.value**2 + treatment.value**2 * control.variance / control.value**4)
        )
        lift_ci = (lift - Z95 * lift_se, lift + Z95 * lift_se)
    else:
        lift, lift_ci = float("nan"), (float("nan"), float("nan"))
    return Comparison(difference, se, float(lift), lift_ci, p_value)


def cuped(
    estimates: dict[str, RatioEstimate], covariates: dict[str, np.ndarray]
) -> tuple[dict[str, RatioEstimate], float]:
    """CUPED-adjusted estimates and the share of variance removed (pooled theta over variants).

    `covariates[v]` holds each profile's pre-experiment metric, in the order of `estimates[v]`'s
    profiles. The adjustment moves each variant's estimate by theta (mean(x_v) - mean(x_all)), which
    is zero in expectation under random assignment, and removes the part of the noise x explains.
    """
    xs = np.concatenate([covariates[v] for v in estimates])
    if len(xs) < 3 or xs.var() == 0:
        return estimates, 0.0
    x_mean = xs.mean()
    # theta from within-variant deviations (the variants' means differ by the effect being measured)
    centred_l = np.concatenate([estimates[v].linearised - estimates[v].linearised.mean() for v in estimates])
    centred_x = np.concatenate([covariates[v] - covariates[v].mean() for v in estimates])
    theta = float((centred_l * centred_x).sum() / (centred_x**2).sum()) if (centred_x**2).sum() > 0 else 0.0
    adjusted = {}
    before = after = 0.0
    for name, estimate in estimates.items():
        x = covariates[name]
        residual = estimate.linearised - theta * (x - x_mean)
        k = estimate.profiles
        variance = float(residual.var(ddof=1) / k) if k > 1 else float("inf")
        value = estimate.value - theta * (x.mean() - x_mean) * 1.0
        adjusted[name] = RatioEstimate(float(value), variance, k, residual)
        before += estimate.variance
        after += variance
    reduction = 1.0 - after / before if before > 0 and np.isfinite(before) else 0.0
    return adjusted, float(reduction)


def srm_p_value(observed: list[int], weights: list[float]) -> float:
    """Chi-square test of profiles per variant against the planned weights."""
    counts = np.asarray(observed, dtype=np.float64)
    if counts.sum() == 0:
        return 1.0
    expected = counts.sum() * np.asarray(weights, dtype=np.float64) / np.sum(weights)
    return float(stats.chisquare(counts, expected).pvalue)


def probability_best(estimates: list[RatioEstimate], *, draws: int = 20_000, seed: int = 0) -> list[float]:
    """P(each variant has the highest true rate), from normal posteriors centred on the estimates
    with their cluster-robust variances (flat prior); variants without data get 0."""
    usable = [e for e in estimates if np.isfinite(e.value) and np.isfinite(e.variance)]
    if len(usable) < 2:
        return [1.0 if e in usable else 0.0 for e in estimates]
    rng = np.random.default_rng(seed)
    samples = np.column_stack(
        [
            rng.normal(e.value, np.sqrt(max(e.variance, 0.0)), draws)
            if np.isfinite(e.value) and np.isfinite(e.variance)
            else np.full(draws, -np.inf)
            for e in estimates
        ]
    )
    wins = np.bincount(samples.argmax(axis=1), minlength=len(estimates))
    return [float(w / draws) for w in wins]


def msprt(difference: float, variance: float, *, tau2: float, alpha: float = 0.05) -> tuple[float, tuple[float, float]]:
    """Always-valid p-value (1 / the mixture likelihood ratio) and confidence-sequence interval for a
    difference of means whose estimate is ~N(delta, variance), mixing delta ~ N(0, tau2)."""
    if not (variance > 0 and np.isfinite(variance)):
        return float("nan"), (float("nan"), float("nan"))
    ratio = np.sqrt(variance / (variance + tau2)) * np.exp(tau2 * difference**2 / (2 * variance * (variance + tau2)))
    radius = np.sqrt(
        variance * (variance + tau2) / tau2 * (np.log((variance + tau2) / variance) + 2 * np.log(1 / alpha))
    )
    return float(min(1.0, 1.0 / ratio)), (float(difference - radius), float(difference + radius))


def cluster_bootstrap_ci(
    numerators: np.ndarray, denominators: np.ndarray, *, resamples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """Percentile interval of sum(y)/sum(n) resampling whole profiles (the slow reference for the
    delta method; used in tests and for small samples)."""
    y = np.asarray(numerators, dtype=np.float64)
    n = np.asarray(denominators, dtype=np.float64)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(n), size=(resamples, len(n)))
    ratios = y[picks].sum(axis=1) / np.maximum(n[picks].sum(axis=1), 1e-12)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)
