"""The artwork bandit: pure numpy/scipy, no Django or database needed.

Probabilities are checked against scipy.integrate.quad and against the frequencies the policy
actually produces, never against numbers copied from the code's own output.

    PYTHONPATH=. python -m pytest tests/personalization/test_bandit.py -p no:django -q --noconftest
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import expit, ndtr

from personalization.bandit import (
    BanditParams,
    BanditState,
    FeatureSpace,
    PageContext,
    Policy,
    PublishedModel,
    choose_page,
    fold,
    fold_rewards,
    ips_estimate,
    page_probabilities,
    publish,
    snips_estimate,
    state_new,
    win_probabilities,
)
from personalization.bandit.synthetic import SyntheticWorld, simulate

N_THEMES = 8
# Tastes from neutral to strong, so the themes' score sds differ by up to ~4x.
TASTE = np.array([0.0, 0.5, 1.0, 1.5, 2.0, -1.0, -2.0, 3.0], dtype=np.float32)
BIASES = np.array([0.0, 0.02, -0.01, 0.03, 0.0, 0.01, -0.02, 0.015])


def _model(*, biases: np.ndarray = BIASES, covariance_scale: float = 4e-3, noise: float = 0.3) -> PublishedModel:
    """A hand-made posterior: theme biases as the mean, an isotropic covariance."""
    space = FeatureSpace(N_THEMES)
    theta = np.zeros(space.d)
    theta[:N_THEMES] = biases
    return PublishedModel(
        n_themes=N_THEMES,
        theta=theta,
        covariance=covariance_scale * np.eye(space.d),
        noise=noise,
        n_impressions=0,
        version="hand-made",
    )


def _context(taste: np.ndarray = TASTE) -> PageContext:
    return PageContext(taste=taste, daypart=2, device=3)


def _quad_win_probabilities(means: np.ndarray, sds: np.ndarray) -> np.ndarray:
    """P(arm k has the largest draw) by adaptive quadrature, breakpoints around every arm."""
    low = float(np.min(means - 12 * sds))
    high = float(np.max(means + 12 * sds))
    points = np.unique(np.clip(np.concatenate([means + c * sds for c in (-6, -3, -1, 0, 1, 3, 6)]), low, high))
    out = []
    for k in range(len(means)):
        others = [j for j in range(len(means)) if j != k]

        def integrand(x: float, k: int = k, others: list[int] = others) -> float:
            density = math.exp(-0.5 * ((x - means[k]) / sds[k]) ** 2) / (sds[k] * math.sqrt(2 * math.pi))
            return density * math.prod(ndtr((x - means[j]) / sds[j]) for j in others)

        value, _ = integrate.quad(integrand, low, high, points=points[1:-1], limit=500, epsabs=1e-13, epsrel=1e-12)
        out.append(value)
    return np.array(out)


# --- Feature map -------------------------------------------------------------------------------


def test_feature_map_puts_taste_in_shared_theme_and_context_slopes() -> None:
    space = FeatureSpace(N_THEMES)
    x = space.features(TASTE, np.array([3, 7]), daypart=1, device=2)
    assert space.d == 2 * N_THEMES + 11 and x.shape == (2, space.d)
    expected = np.zeros((2, space.d))
    for row, theme in enumerate((3, 7)):
        lift = min(max(TASTE[theme], -2.5), 2.5)  # taste is clipped to +-2.5 everywhere
        expected[row, theme] = 1.0  # theme bias
        expected[row, N_THEMES] = lift  # shared slope
        expected[row, N_THEMES + 1 + theme] = lift  # this theme's slope
        expected[row, 2 * N_THEMES + 1 + 1] = lift  # daypart 1
        expected[row, 2 * N_THEMES + 5 + 2] = lift  # device 2
        expected[row, -2] = lift * abs(lift)  # curvature
        expected[row, -1] = 1.0  # intercept
    np.testing.assert_array_equal(x, expected)


def test_impression_features_match_page_features_row_by_row() -> None:
    space = FeatureSpace(N_THEMES)
    rng = np.random.default_rng(0)
    tastes = rng.normal(size=(5, N_THEMES))
    themes, dayparts, devices = rng.integers(N_THEMES, size=5), rng.integers(4, size=5), rng.integers(4, size=5)
    batch = space.impression_features(tastes, themes, dayparts, devices)
    for i in range(5):
        single = space.features(tastes[i], themes[i : i + 1], int(dayparts[i]), int(devices[i]))
        np.testing.assert_array_equal(batch[i], single[0])


def test_context_labels_map_to_their_codes() -> None:
    context = PageContext.from_labels(TASTE, daypart="night", device="tv")
    assert (context.daypart, context.device) == (3, 3)
    with pytest.raises(ValueError, match="unknown daypart"):
        PageContext.from_labels(TASTE, daypart="brunch", device="tv")


# --- Win probabilities -------------------------------------------------------------------------

QUAD_CASES = [
    ([0.0, 0.1, -0.2], [1.0, 1.0, 1.0]),  # equal sds
    ([0.0, 0.0, 0.0], [1.0, 1.0, 1.0]),  # a three-way tie
    ([0.0, 0.1, -0.2], [1.0, 0.3, 2.0]),  # unequal
    ([0.0, 0.5, 0.2], [0.001, 1.0, 0.0001]),  # very different: near-steps inside a wide arm
    ([0.0, 0.0, 0.0], [1e-4, 1.0, 100.0]),  # equal means, sds six orders apart
    ([0.3, -0.1], [0.05, 0.2]),
    ([0.0, 0.05, 0.01, 0.3], [1.0, 0.01, 0.1, 0.5]),
    ([0.10, 0.12, 0.09, 0.11, 0.10], [0.02, 0.03, 0.02, 0.05, 0.04]),  # the bandit's usual regime
    ([0.2, 0.21, 0.19, 0.0, 0.25, 0.22], [0.001, 0.1, 0.02, 0.3, 0.05, 0.004]),
    ([0.1, 0.1001, 0.3, 0.1, 0.25, 0.0], [0.2, 0.2, 0.0001, 0.05, 0.05, 1.0]),
]


@pytest.mark.parametrize(("means", "sds"), QUAD_CASES)
def test_win_probabilities_match_adaptive_quadrature(means: list[float], sds: list[float]) -> None:
    means_array, sds_array = np.array(means), np.array(sds)
    reference = _quad_win_probabilities(means_array, sds_array)
    assert reference.sum() == pytest.approx(1.0, abs=1e-9)  # the reference itself is sound
    np.testing.assert_allclose(win_probabilities(means_array, sds_array), reference, rtol=0, atol=1e-6)


def test_win_probabilities_of_two_arms_are_the_normal_cdf_of_the_gap() -> None:
    p = win_probabilities(np.array([0.3, 0.1]), np.array([0.1, 0.2]))
    assert p[0] == pytest.approx(stats.norm.cdf(0.2 / math.hypot(0.1, 0.2)), abs=1e-15)


def test_padded_rows_give_each_set_its_own_probabilities_and_zero_padding() -> None:
    rng = np.random.default_rng(3)
    lengths = np.array([1, 2, 3, 4, 5, 6, 3, 6])
    means, sds = rng.normal(0, 0.1, (8, 6)), rng.uniform(0.02, 0.2, (8, 6))
    means[np.arange(6) >= lengths[:, None]] = np.nan  # padding is never read
    padded = win_probabilities(means, sds, lengths)
    for row, n in enumerate(lengths):
        np.testing.assert_allclose(padded[row, :n], win_probabilities(means[row, :n], sds[row, :n]), atol=1e-12)
        assert np.all(padded[row, n:] == 0)


def test_identical_arms_split_their_share() -> None:
    p = win_probabilities(np.array([0.1, 0.1, 0.1, 0.1]), np.array([0.05, 0.05, 0.05, 0.05]))
    np.testing.assert_allclose(p, 0.25, atol=1e-7)


# --- Policies and propensities -----------------------------------------------------------------

CARDS = [
    np.array([0, 3, 7]),
    np.array([1, 2, 3, 4, 5]),
    np.array([5]),
    np.array([0, 7, 6, 2, 3, 1]),
    np.array([3, 0, 7]),  # the first card's set in another order
    np.array([4, 6]),
]


@pytest.mark.parametrize("name", ["thompson", "uniform", "editorial"])
def test_every_cards_arm_probabilities_sum_to_one_and_include_the_logged_one(name: str) -> None:
    policy, model, context = Policy(name), _model(), _context()
    probabilities = page_probabilities(policy, model, context, CARDS)
    assert probabilities.shape == (len(CARDS), 6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)
    for row, card in enumerate(CARDS):
        assert np.all(probabilities[row, len(card) :] == 0)
    choice = choose_page(policy, model, context, CARDS, np.random.default_rng(1))
    lengths = np.array([len(card) for card in CARDS])
    assert np.all((choice.chosen >= 0) & (choice.chosen < lengths))
    np.testing.assert_array_equal(choice.propensity, probabilities[np.arange(len(CARDS)), choice.chosen])
    assert choice.policy == name and choice.propensity.dtype == np.float64


def test_thompson_probabilities_follow_the_card_not_the_order_of_its_arms() -> None:
    probabilities = page_probabilities(Policy("thompson"), _model(), _context(), CARDS)
    same_set = {theme: probabilities[0, arm] for arm, theme in enumerate(CARDS[0])}
    reordered = {theme: probabilities[4, arm] for arm, theme in enumerate(CARDS[4])}
    assert same_set == pytest.approx(reordered, abs=1e-15)


def test_thompson_probabilities_are_the_quadrature_of_each_themes_posterior_mixed_with_epsilon() -> None:
    params = BanditParams()
    model, context = _model(), _context()
    x = model.space.features(TASTE, np.arange(N_THEMES), context.daypart, context.device)
    means = x @ model.theta
    sds = params.v * model.noise * np.sqrt(np.einsum("td,de,te->t", x, model.covariance, x))
    probabilities = page_probabilities(Policy("thompson", params), model, context, CARDS)
    for row, card in enumerate(CARDS):
        if len(card) == 1:
            continue
        expected = (1 - params.epsilon) * _quad_win_probabilities(means[card], sds[card]) + params.epsilon / len(card)
        np.testing.assert_allclose(probabilities[row, : len(card)], expected, atol=1e-6)


@pytest.mark.parametrize("card", [np.array([0, 3, 7]), np.array([1, 2, 3, 4, 5]), np.array([0, 7, 6, 2, 3, 1])])
def test_propensities_match_the_frequencies_of_the_choices_made(card: np.ndarray) -> None:
    draws = 20_000
    policy, model, context = Policy("thompson"), _model(), _context()
    expected = page_probabilities(policy, model, context, [card])[0, : len(card)]
    choice = choose_page(policy, model, context, [card] * draws, np.random.default_rng(7))
    counts = np.bincount(choice.chosen, minlength=len(card))
    np.testing.assert_array_equal(choice.propensity, expected[choice.chosen])
    assert expected.sum() == pytest.approx(1.0, abs=1e-12)
    sigma = np.sqrt(draws * expected * (1 - expected))
    assert np.all(np.abs(counts - draws * expected) < 4.5 * sigma), (counts, draws * expected)
    assert stats.chisquare(counts, draws * expected).pvalue > 1e-4


def test_exploration_floor_holds_when_the_model_is_certain() -> None:
    params = BanditParams(epsilon=0.05)
    model = _model(biases=np.linspace(0.0, 0.7, N_THEMES), covariance_scale=1e-14)
    card = np.array([0, 7, 6, 2, 3, 1])  # theme 7 is far ahead with certainty
    probabilities = page_probabilities(Policy("thompson", params), model, _context(), [card])[0]
    floor = params.epsilon / len(card)
    assert np.all(probabilities >= floor - 1e-15)
    assert probabilities[1] == pytest.approx(1 - params.epsilon + floor, abs=1e-9)
    choice = choose_page(Policy("thompson", params), model, _context(), [card] * 20_000, np.random.default_rng(2))
    others = np.mean(choice.chosen != 1)
    assert others == pytest.approx(params.epsilon * 5 / 6, abs=4.5 * math.sqrt(0.04 / 20_000))


def test_uniform_and_editorial_log_their_documented_propensities() -> None:
    rng = np.random.default_rng(4)
    uniform = choose_page(Policy("uniform"), None, _context(), CARDS, rng)
    np.testing.assert_array_equal(uniform.propensity, [1 / len(card) for card in CARDS])
    editorial = choose_page(Policy("editorial"), None, _context(), CARDS, rng)
    np.testing.assert_array_equal(editorial.chosen, 0)
    np.testing.assert_array_equal(editorial.propensity, 1.0)
    assert uniform.model_version is None and editorial.model_version is None
    assert editorial.policy_version == "editorial/1"


def test_thompson_choice_names_its_model_and_rule() -> None:
    params = BanditParams(v=0.5, epsilon=0.05)
    choice = choose_page(Policy("thompson", params), _model(), _context(), CARDS, np.random.default_rng(0))
    assert choice.model_version == "hand-made"
    assert choice.policy_version == "thompson/1:v=0.5,eps=0.05"


def test_an_empty_page_gets_empty_arrays() -> None:
    choice = choose_page(Policy("thompson"), _model(), _context(), [], np.random.default_rng(0))
    assert choice.chosen.shape == (0,) and choice.propensity.shape == (0,)


# --- Learning ----------------------------------------------------------------------------------


def test_bandit_concentrates_on_the_best_arm_of_a_synthetic_world() -> None:
    """Clicks follow sigmoid(a + beta * taste[k] + gamma_k + hidden noise); 25,000 impressions."""
    world = SyntheticWorld.make(np.random.default_rng(0), n_themes=45)
    assert world.base_logit == -2.5 and world.taste_effect == 0.8 and world.hidden_sd == 0.1
    log, model = simulate(world, Policy("thompson"), np.random.default_rng(10), rounds=50)
    assert log.impressions[-1] == 25_000 and model.n_impressions == 25_000
    last = slice(-10, None)  # the last 5,000 impressions
    oracle = np.mean(log.oracle_ctr[last])
    assert np.mean(log.best_share[last]) > 0.8
    assert np.mean(log.ctr[last]) > 0.94 * oracle
    assert np.mean(log.ctr[:5]) < np.mean(log.ctr[last])  # it learnt, it did not start there

    uniform_log, _ = simulate(world, Policy("uniform"), np.random.default_rng(10), rounds=5)
    assert np.mean(uniform_log.ctr) < 0.6 * np.mean(uniform_log.oracle_ctr)
    assert np.mean(uniform_log.best_share) < 0.3


def test_learning_generalises_to_themes_through_the_shared_slope() -> None:
    """After one batch of data on three themes only, a viewer who loves an unseen theme is
    predicted to click it more: the shared taste slope carries over."""
    space = FeatureSpace(N_THEMES)
    rng = np.random.default_rng(5)
    n = 3000
    tastes = rng.normal(size=(n, N_THEMES))
    themes = rng.integers(3, size=n)
    clicks = rng.random(n) < expit(-2.5 + 0.8 * tastes[np.arange(n), themes])
    x = space.impression_features(tastes, themes, np.zeros(n, int), np.zeros(n, int))
    model = publish(fold(state_new(n_themes=N_THEMES), x, clicks.astype(float)))
    lover = np.zeros(N_THEMES)
    lover[6] = 2.0
    probe = space.features(lover, np.array([6, 7]), 0, 0) @ model.theta
    assert probe[0] > probe[1] + 0.05


# --- Model state -------------------------------------------------------------------------------


def _batches(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    space = FeatureSpace(N_THEMES)

    def batch(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = space.impression_features(
            rng.normal(size=(n, N_THEMES)),
            rng.integers(N_THEMES, size=n),
            rng.integers(4, size=n),
            rng.integers(4, size=n),
        )
        return x, (rng.random(n) < 0.1).astype(float)

    return (*batch(300), *batch(200))


def _assert_same_state(first: BanditState, second: BanditState) -> None:
    np.testing.assert_allclose(first.precision, second.precision, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(first.moment, second.moment, rtol=1e-12, atol=1e-12)
    assert first.n_impressions == second.n_impressions
    assert first.sum_sq_rewards == pytest.approx(second.sum_sq_rewards, rel=1e-12)


def test_fold_is_additive_and_order_independent() -> None:
    x1, r1, x2, r2 = _batches()
    prior = state_new(n_themes=N_THEMES)
    together = fold(prior, np.vstack([x1, x2]), np.concatenate([r1, r2]))
    _assert_same_state(fold(fold(prior, x1, r1), x2, r2), together)
    _assert_same_state(fold(fold(prior, x2, r2), x1, r1), together)
    np.testing.assert_allclose(publish(fold(fold(prior, x2, r2), x1, r1)).theta, publish(together).theta, atol=1e-12)


def test_impressions_then_their_clicks_equal_folding_them_together() -> None:
    x1, r1, x2, r2 = _batches(1)
    prior = state_new(n_themes=N_THEMES)
    together = fold(prior, np.vstack([x1, x2]), np.concatenate([r1, r2]))
    clicked1, clicked2 = r1 == 1, r2 == 1
    staged = fold(fold(prior, x1), x2)  # impressions, reward unknown (0)
    staged = fold_rewards(staged, x2[clicked2], r2[clicked2])  # clicks arrive later, any order
    staged = fold_rewards(staged, x1[clicked1], r1[clicked1])
    _assert_same_state(staged, together)


def test_publish_matches_a_direct_ridge_solve_and_the_noise_estimate() -> None:
    x1, r1, _, _ = _batches(2)
    params = BanditParams(lambda_=3.0, noise_prior=0.2, noise_prior_weight=10.0)
    model = publish(fold(state_new(n_themes=N_THEMES, params=params), x1, r1), params)
    a = 3.0 * np.eye(x1.shape[1]) + x1.T @ x1
    theta = np.linalg.solve(a, x1.T @ r1)
    np.testing.assert_allclose(model.theta, theta, atol=1e-12)
    np.testing.assert_allclose(model.covariance, np.linalg.inv(a), atol=1e-12)
    penalised_residual = np.sum((r1 - x1 @ theta) ** 2) + 3.0 * theta @ theta
    assert model.noise == pytest.approx(math.sqrt((10 * 0.04 + penalised_residual) / (10 + len(r1))), rel=1e-9)


def test_state_and_model_round_trip_through_bytes_exactly() -> None:
    x1, r1, _, _ = _batches(3)
    state = fold(state_new(n_themes=N_THEMES), x1, r1)
    restored = BanditState.from_bytes(state.to_bytes())
    np.testing.assert_array_equal(restored.precision, state.precision)
    np.testing.assert_array_equal(restored.moment, state.moment)
    assert (restored.n_themes, restored.lambda_, restored.n_impressions, restored.sum_sq_rewards) == (
        state.n_themes,
        state.lambda_,
        state.n_impressions,
        state.sum_sq_rewards,
    )
    model = publish(state)
    copy = PublishedModel.from_bytes(model.to_bytes())
    np.testing.assert_array_equal(copy.theta, model.theta)
    np.testing.assert_array_equal(copy.covariance, model.covariance)
    assert (copy.noise, copy.version, copy.n_impressions) == (model.noise, model.version, model.n_impressions)
    first = choose_page(Policy("thompson"), model, _context(), CARDS, np.random.default_rng(9))
    second = choose_page(Policy("thompson"), copy, _context(), CARDS, np.random.default_rng(9))
    np.testing.assert_array_equal(first.chosen, second.chosen)
    np.testing.assert_array_equal(first.propensity, second.propensity)


def test_it_refuses_bytes_that_are_not_its_own() -> None:
    model_bytes = publish(state_new(n_themes=N_THEMES)).to_bytes()
    with pytest.raises(ValueError, match="not a saved"):
        BanditState.from_bytes(model_bytes)
    with pytest.raises(ValueError, match="not a saved"):
        PublishedModel.from_bytes(b"definitely not an npz archive")


# --- Off-policy evaluation ---------------------------------------------------------------------


def test_ips_recovers_the_editorial_policys_click_rate_from_uniform_logs() -> None:
    world = SyntheticWorld.make(np.random.default_rng(1), n_themes=20)
    rng = np.random.default_rng(2)
    rewards, logged, target, truth = [], [], [], []
    for _ in range(400):
        viewer = world.viewer(rng)
        cards = world.cards(rng, 25)
        choice = choose_page(Policy("uniform"), None, viewer.context, cards, rng)
        shown = np.array([card[arm] for card, arm in zip(cards, choice.chosen, strict=True)])
        rewards.append(rng.random(len(cards)) < viewer.click_probability[shown])
        logged.append(choice.propensity)
        target.append(
            page_probabilities(Policy("editorial"), None, viewer.context, cards)[np.arange(len(cards)), choice.chosen]
        )
        truth.append(viewer.click_probability[[card[0] for card in cards]])
    r, p_log, p_target = np.concatenate(rewards).astype(float), np.concatenate(logged), np.concatenate(target)
    true_value = np.concatenate(truth).mean()
    value, stderr = ips_estimate(r, p_log, p_target)
    assert abs(value - true_value) < 4 * stderr
    snips_value, snips_stderr = snips_estimate(r, p_log, p_target)
    assert abs(snips_value - true_value) < 4 * snips_stderr
    assert ips_estimate(r, p_log, p_log) == pytest.approx((r.mean(), r.std(ddof=1) / math.sqrt(len(r))))


# --- Refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cards", "message"),
    [
        ([np.array([], dtype=int)], "at least one arm"),
        ([np.array([0, N_THEMES])], "theme indices"),
        ([np.array([-1, 2])], "theme indices"),
        ([np.array([0.0, 1.0])], "integer theme indices"),
    ],
)
def test_it_refuses_bad_cards(cards: list[np.ndarray], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        choose_page(Policy("thompson"), _model(), _context(), cards, np.random.default_rng(0))


def test_it_refuses_a_bad_context_or_a_missing_model() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="taste must have shape"):
        choose_page(Policy("thompson"), _model(), _context(TASTE[:5]), CARDS, rng)
    with pytest.raises(ValueError, match="daypart"):
        choose_page(Policy("thompson"), _model(), PageContext(taste=TASTE, daypart=4, device=0), CARDS, rng)
    with pytest.raises(ValueError, match="finite"):
        choose_page(Policy("thompson"), _model(), _context(np.full(N_THEMES, np.nan)), CARDS, rng)
    with pytest.raises(ValueError, match="needs a published model"):
        choose_page(Policy("thompson"), None, _context(), CARDS, rng)
    with pytest.raises(ValueError, match="unknown policy"):
        Policy("greedy")


@pytest.mark.parametrize(
    "overrides", [{"epsilon": 1.5}, {"epsilon": -0.1}, {"v": 0.0}, {"lambda_": 0.0}, {"noise_prior": float("nan")}]
)
def test_it_refuses_bad_hyper_parameters(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BanditParams(**overrides)


def test_hyper_parameters_round_trip_through_a_dict() -> None:
    params = BanditParams(v=0.7)
    assert BanditParams.from_dict(params.to_dict()) == params
    assert set(params.to_dict()) == {"lambda_", "v", "epsilon", "noise_prior", "noise_prior_weight"}


def test_it_refuses_mismatched_fold_inputs() -> None:
    state = state_new(n_themes=N_THEMES)
    x = np.zeros((3, FeatureSpace(N_THEMES).d))
    with pytest.raises(ValueError, match="X must have shape"):
        fold(state, x[:, :-1], np.zeros(3))
    with pytest.raises(ValueError, match="rewards must have shape"):
        fold(state, x, np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        fold_rewards(state, x, np.array([1.0, np.inf, 0.0]))


def test_it_refuses_bad_propensities() -> None:
    with pytest.raises(ValueError, match="logged propensities"):
        ips_estimate(np.ones(2), np.array([0.5, 0.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="same length"):
        snips_estimate(np.ones(2), np.array([0.5]), np.array([0.5, 0.5]))


def test_it_refuses_bad_quadrature_inputs() -> None:
    with pytest.raises(ValueError, match="sds finite and > 0"):
        win_probabilities(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="same"):
        win_probabilities(np.zeros(3), np.ones(2))
