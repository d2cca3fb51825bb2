"""A/B statistics against independent references: published hash vectors, scipy and statsmodels,
brute-force bootstraps, and simulations whose truth is known."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import test_proportions_2indep as two_proportions_test

from personalization import abtest


def test_fnv1a_matches_the_published_test_vectors():
    # From the FNV reference (isthe.com/chongo/tech/comp/fnv): 32-bit FNV-1a.
    assert abtest.fnv1a_32("") == 0x811C9DC5
    assert abtest.fnv1a_32("a") == 0xE40C292C
    assert abtest.fnv1a_32("foobar") == 0xBF9CF968


def test_assignment_follows_the_weights_and_is_sticky():
    variants = [("control", 0.2), ("a", 0.3), ("b", 0.5)]
    assigned = [abtest.assign("salt-1", profile, variants) for profile in range(30_000)]
    counts = [assigned.count(name) for name, _ in variants]
    assert stats.chisquare(counts, [30_000 * w for _, w in variants]).pvalue > 0.001
    assert [abtest.assign("salt-1", p, variants) for p in range(50)] == assigned[:50]
    other = [abtest.assign("salt-2", profile, variants) for profile in range(30_000)]
    crossed = stats.contingency.crosstab(assigned, other).count  # independent of another experiment
    assert stats.chi2_contingency(crossed).pvalue > 0.001


def test_assignment_is_the_same_in_another_process():
    code = (
        "from personalization.abtest import assign; print([assign('s', p, [('x', .5), ('y', .5)]) for p in range(40)])"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == str([abtest.assign("s", p, [("x", 0.5), ("y", 0.5)]) for p in range(40)])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("uniform=0.5", "at least two"),
        ("uniform=0.5,bandit=0.6", "sum to 1"),
        ("uniform=0.5,uniform=0.5", "must differ"),
        ("uniform,bandit=1", "NAME=WEIGHT"),
        ("uniform=-1,bandit=2", "positive"),
    ],
)
def test_bad_variant_specs_are_refused_saying_why(spec, message):
    with pytest.raises(ValueError, match=message):
        abtest.parse_variants(spec)


def clustered(rng, k: int, rate: float, spread: float = 0.5):
    """k profiles with 1-30 impressions each and their own click rate around `rate`."""
    n = rng.integers(1, 31, k)
    own = np.clip(rate * np.exp(rng.normal(0, spread, k)), 0, 1)
    return rng.binomial(n, own), n


def test_the_delta_method_interval_agrees_with_a_cluster_bootstrap():
    rng = np.random.default_rng(0)
    y, n = clustered(rng, 400, 0.1)
    estimate = abtest.ratio_estimate(y, n)
    low, high = abtest.cluster_bootstrap_ci(y, n, resamples=4000, seed=1)
    assert estimate.value == pytest.approx(y.sum() / n.sum())
    assert estimate.ci[0] == pytest.approx(low, abs=0.004) and estimate.ci[1] == pytest.approx(high, abs=0.004)
    # ... and a textbook form of the same variance (Var of a ratio of means), written out by hand.
    k, yb, nb = len(n), y.mean(), n.mean()
    s_yy, s_nn, s_yn = np.var(y, ddof=1), np.var(n, ddof=1), np.cov(y, n, ddof=1)[0, 1]
    textbook = (s_yy / nb**2 - 2 * yb * s_yn / nb**3 + yb**2 * s_nn / nb**4) / k
    assert estimate.variance == pytest.approx(textbook, rel=1e-9)


def test_the_interval_covers_the_truth_at_its_nominal_rate():
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(400):
        n = rng.integers(1, 31, 300)
        y = rng.binomial(n, 0.08)  # one true rate for everyone
        low, high = abtest.ratio_estimate(y, n).ci
        covered += low <= 0.08 <= high
    assert 0.92 <= covered / 400 <= 0.98


def test_with_one_impression_per_profile_the_z_test_is_the_two_proportion_wald_test():
    rng = np.random.default_rng(5)
    treated, control = rng.binomial(1, 0.12, 5000), rng.binomial(1, 0.10, 5000)
    ones = np.ones(5000)
    ours = abtest.compare(abtest.ratio_estimate(treated, ones), abtest.ratio_estimate(control, ones))
    reference = two_proportions_test(treated.sum(), 5000, control.sum(), 5000, method="wald", compare="diff")
    assert ours.p_value == pytest.approx(reference.pvalue, rel=0.01)
    assert ours.difference == pytest.approx(treated.mean() - control.mean())


def test_the_lift_interval_agrees_with_a_bootstrap_of_the_lift():
    rng = np.random.default_rng(7)
    (yt, nt), (yc, nc) = clustered(rng, 600, 0.12), clustered(rng, 600, 0.10)
    ours = abtest.compare(abtest.ratio_estimate(yt, nt), abtest.ratio_estimate(yc, nc))
    lifts = []
    for _ in range(3000):
        t, c = rng.integers(0, 600, 600), rng.integers(0, 600, 600)
        lifts.append((yt[t].sum() / nt[t].sum()) / (yc[c].sum() / nc[c].sum()) - 1)
    low, high = np.percentile(lifts, [2.5, 97.5])
    assert ours.lift == pytest.approx(yt.sum() / nt.sum() / (yc.sum() / nc.sum()) - 1)
    assert ours.lift_ci[0] == pytest.approx(low, abs=0.03) and ours.lift_ci[1] == pytest.approx(high, abs=0.03)


def test_srm_is_scipys_chi_square_and_flags_a_broken_split():
    assert abtest.srm_p_value([480, 520], [0.5, 0.5]) == pytest.approx(stats.chisquare([480, 520]).pvalue)
    assert abtest.srm_p_value([5000, 5400], [0.5, 0.5]) < abtest.SRM_ALPHA  # a broken 50/50 split
    assert abtest.srm_p_value([0, 0], [0.5, 0.5]) == 1.0  # no traffic yet: nothing to flag


def test_cuped_removes_what_the_covariate_explains_and_stays_unbiased():
    rng = np.random.default_rng(11)
    differences, reductions = [], []
    for _ in range(200):  # no true effect: the adjusted difference must centre on zero
        estimates, covariates = {}, {}
        for name in ("control", "treatment"):
            n = rng.integers(5, 30, 400)
            own = np.clip(0.1 * np.exp(rng.normal(0, 0.6, 400)), 0, 1)
            pre = rng.binomial(40, own) / 40  # the profile's CTR before the experiment
            estimates[name] = abtest.ratio_estimate(rng.binomial(n, own), n)
            covariates[name] = pre
        adjusted, reduction = abtest.cuped(estimates, covariates)
        differences.append(adjusted["treatment"].value - adjusted["control"].value)
        reductions.append(reduction)
    assert abs(np.mean(differences)) < 3 * np.std(differences) / np.sqrt(len(differences))
    assert np.mean(reductions) > 0.2  # pre-period CTR explains a good part of a profile's noise


def test_cuped_theta_is_the_least_squares_slope():
    rng = np.random.default_rng(2)
    n = rng.integers(1, 20, 300)
    x = rng.random(300)
    y = rng.binomial(n, np.clip(0.05 + 0.2 * x, 0, 1))
    estimate = abtest.ratio_estimate(y, n)
    adjusted, _ = abtest.cuped({"only": estimate}, {"only": x})
    theta = np.polyfit(x, estimate.linearised, 1)[0]  # independent: numpy's least squares
    expected = estimate.linearised - theta * (x - x.mean())
    np.testing.assert_allclose(adjusted["only"].linearised, expected, rtol=1e-9)


def test_probability_best_is_the_normal_cdf_for_two_variants():
    a = abtest.RatioEstimate(0.11, 0.0001, 100, np.zeros(0))
    b = abtest.RatioEstimate(0.10, 0.0002, 100, np.zeros(0))
    p_a, p_b = abtest.probability_best([a, b], draws=200_000)
    assert p_a == pytest.approx(stats.norm.cdf(0.01 / np.sqrt(0.0003)), abs=0.005)
    assert p_a + p_b == pytest.approx(1.0)


def test_always_valid_p_values_survive_daily_peeking_where_plain_ones_do_not():
    rng = np.random.default_rng(17)
    looks, experiments = 20, 400
    ever_plain = ever_always_valid = 0
    for _ in range(experiments):  # A/A tests: no difference, looked at every "day"
        steps = rng.normal(0, 1, (looks, 50))  # 50 new observations per day
        plain = always = False
        for day in range(1, looks + 1):
            seen = steps[:day].ravel()
            variance = 1 / len(seen)
            plain |= 2 * stats.norm.sf(abs(seen.mean()) / np.sqrt(variance)) < 0.05
            always |= abtest.msprt(seen.mean(), variance, tau2=0.01)[0] < 0.05
        ever_plain += plain
        ever_always_valid += always
    assert ever_plain / experiments > 0.15  # peeking inflates false positives far beyond 5%
    assert ever_always_valid / experiments <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / experiments)
