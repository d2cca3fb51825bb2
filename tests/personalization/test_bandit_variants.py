"""The bandit's context layout, per-variant scores and two-stage play model, and the peer bandits."""

from __future__ import annotations

import numpy as np
import pytest

from personalization.bandit import (
    FeatureSpace,
    PageContext,
    Policy,
    choose_page,
    fold,
    page_probabilities,
    publish,
    state_new,
)
from personalization.bandit.design import BanditDesign
from personalization.bandit.model import BanditState, PublishedModel
from personalization.bandit.params import BanditParams
from personalization.bandit.variants import ArmModel, OffsetTable, VariantStats
from personalization.context import DAYPARTS, DEVICES

N = 6


def test_layout_2_adds_one_theme_by_daypart_and_one_theme_by_device_indicator():
    one, two = FeatureSpace(N), FeatureSpace(N, 2)
    taste = np.linspace(-1, 1, N)
    x1 = one.features(taste, np.array([2, 4]), 3, 1)
    x2 = two.features(taste, np.array([2, 4]), 3, 1)
    assert two.d == one.d + N * (len(DAYPARTS) + len(DEVICES))
    assert np.array_equal(x2[:, : one.d], x1)  # layout 1's vector is unchanged
    extra = x2[:, one.d :]
    assert extra.sum(axis=1).tolist() == [2.0, 2.0]
    assert extra[0, 2 * len(DAYPARTS) + 3] == 1.0  # theme 2 at daypart 3
    assert extra[1, N * len(DAYPARTS) + 4 * len(DEVICES) + 1] == 1.0  # theme 4 on device 1
    with pytest.raises(ValueError, match="layout must be 1 or 2"):
        FeatureSpace(N, 3)


def test_states_keep_their_layout_through_bytes_and_old_states_load_as_layout_1():
    state = state_new(n_themes=N, layout=2, context_lambda=500.0)
    base = FeatureSpace(N, 2).base_d
    assert np.all(np.diag(state.precision)[:base] == BanditParams().lambda_)
    assert np.all(np.diag(state.precision)[base:] == 500.0)
    again = BanditState.from_bytes(state.to_bytes())
    assert again.layout == 2 and np.array_equal(again.precision, state.precision)
    model = publish(state)
    assert PublishedModel.from_bytes(model.to_bytes()).layout == 2
    old = state_new(n_themes=N)
    assert BanditState.from_bytes(old.to_bytes()).layout == 1


def test_variant_offsets_are_residuals_shrunk_toward_the_theme():
    stats = VariantStats()
    stats.add(np.array([7, 7, 9]), np.array([0.5, 0.3, -0.2]))
    stats.add(np.array([7]), np.array([1.0]), np.array([0.0]))  # a late click: reward only
    offsets = stats.offsets(kappa=8.0)
    assert offsets[7] == pytest.approx((1.8 / 10.0, 1 / np.sqrt(10.0)))
    assert offsets[9] == pytest.approx((-0.2 / 9.0, 1 / 3.0))


def _arm_model(play: bool) -> ArmModel:
    rng = np.random.default_rng(3)
    space = FeatureSpace(N, 2)
    state = state_new(n_themes=N, layout=2)
    x = space.impression_features(rng.normal(0, 1, (400, N)), rng.integers(0, N, 400),
                                  rng.integers(0, 4, 400), rng.integers(0, 4, 400))  # fmt: skip
    click = publish(fold(state, x, (rng.random(400) < 0.2).astype(float)))
    second = publish(fold(state, x[:100], (rng.random(100) < 0.4).astype(float))) if play else None
    offsets = {10: (0.05, 0.2), 11: (-0.03, 0.3)}
    return ArmModel(click=click, play=second, click_offsets=offsets, play_offsets={10: (-0.1, 0.3)}, version="t")


@pytest.mark.parametrize("play", [False, True])
def test_per_variant_propensities_are_exact(play):
    model = _arm_model(play)
    policy = Policy("thompson", BanditParams(v=1.0, epsilon=0.05))
    context = PageContext(taste=np.linspace(-1, 1, N), daypart=2, device=1)
    cards = [np.array([0, 3, 5])] * 20000
    keys = [(10, 11, 12)] * 20000
    choice = choose_page(policy, model, context, cards, np.random.default_rng(0), arm_keys=keys)
    frequencies = np.bincount(choice.chosen, minlength=3) / len(cards)
    assert choice.probabilities[0].sum() == pytest.approx(1.0)
    assert frequencies == pytest.approx(choice.probabilities[0], abs=0.01)
    assert choice.policy_version.endswith("+variants") and choice.model_version == "t"
    # The offsets move the scores: the same themes under other artwork ids get other probabilities.
    other = choose_page(policy, model, context, cards[:1], np.random.default_rng(0), arm_keys=[(20, 21, 22)])
    assert not np.allclose(other.probabilities[0], choice.probabilities[0])
    with pytest.raises(ValueError, match="artwork ids"):
        choose_page(policy, model, context, cards[:1], np.random.default_rng(0))


def test_each_card_of_a_mixed_page_is_scored_with_its_own_artwork_ids():
    """Cards of 2, 3 and 4 arms in one call: each gets what it gets alone (ids matched to arms in order)."""
    model = _arm_model(True)
    policy = Policy("thompson", BanditParams(v=1.0, epsilon=0.05))
    context = PageContext(taste=np.linspace(-1, 1, N), daypart=1, device=2)
    cards = [np.array([0, 3, 5]), np.array([1, 2]), np.array([4, 0, 2, 3]), np.array([5, 5, 5])]
    keys = [(10, 11, 12), (11, 99), (98, 97, 10, 96), (12, 11, 10)]
    page = choose_page(policy, model, context, cards, np.random.default_rng(0), arm_keys=keys)
    for c, (card, card_keys) in enumerate(zip(cards, keys, strict=True)):
        alone = choose_page(policy, model, context, [card], np.random.default_rng(0), arm_keys=[card_keys])
        assert page.probabilities[c, : len(card)] == pytest.approx(alone.probabilities[0, : len(card)], abs=1e-12)
        assert page.probabilities[c, len(card) :].sum() == 0
    # Three arms of one theme differ only by their artwork's own offsets (10 and 11 have some, 12 none).
    assert len(set(np.round(page.probabilities[3, :3], 9))) == 3
    with pytest.raises(ValueError, match="one artwork id for each arm"):
        choose_page(policy, model, context, cards, np.random.default_rng(0), arm_keys=[(10, 11), *keys[1:]])


def test_the_live_two_stage_model_picks_by_theme_with_exact_propensities_from_any_caller():
    """A design without per-variant offsets goes through the theme-level path: the same
    probabilities for the pick, for OPE's page_probabilities, and as measured by sampling."""
    full = _arm_model(True)
    model = BanditDesign(variants=False).model(full.click, full.play, version="b7")
    policy = Policy("thompson", BanditParams(v=1.0, epsilon=0.05))
    context = PageContext(taste=np.linspace(-1, 1, N), daypart=2, device=1)
    cards = [np.array([0, 3, 5])] * 20000

    choice = choose_page(policy, model, context, cards, np.random.default_rng(0))  # no artwork ids needed

    frequencies = np.bincount(choice.chosen, minlength=3) / len(cards)
    assert frequencies == pytest.approx(choice.probabilities[0], abs=0.01)
    offline = page_probabilities(policy, model, context, cards[:1])[0]
    assert offline == pytest.approx(choice.probabilities[0])
    assert choice.policy_version.endswith("+stages") and choice.model_version == "b7"
    # Brute force: sample both stages' scores per theme and multiply, the way the posterior is meant.
    means, sds = model.theme_posterior(lambda stage: _posterior(stage, context, v=1.0))
    draws = means[[0, 3, 5]] + sds[[0, 3, 5]] * np.random.default_rng(1).standard_normal((200_000, 3))
    wins = np.bincount(draws.argmax(axis=1), minlength=3) / len(draws)
    assert 0.95 * wins + 0.05 / 3 == pytest.approx(offline, abs=0.005)
    assert BanditDesign(variants=False).model(full.click, None, version="b7") is full.click  # a click reward: one stage


def _posterior(published, context, v):
    x = published.space.features(context.taste, np.arange(N), context.daypart, context.device)
    sd = v * published.noise * np.sqrt(np.einsum("td,td->t", x @ published.covariance, x))
    return x @ published.theta, sd


@pytest.mark.parametrize("n_offsets", [0, 1, 50])
def test_the_offset_table_gives_what_the_offsets_say_and_the_prior_for_any_other_artwork(n_offsets):
    rng = np.random.default_rng(n_offsets)
    ids = rng.choice(np.arange(-5, 400), n_offsets, replace=False).tolist()
    offsets = {k: (float(rng.normal()), float(rng.random())) for k in ids}
    kappa = 37.0
    keys = rng.integers(-1, 420, (30, 4))
    keys[:, 0] = rng.choice(ids, 30) if ids else -1  # some ids that have offsets, some that do not

    got = OffsetTable.of(offsets, kappa).lookup(keys)

    prior = (0.0, 1.0 / np.sqrt(kappa))
    expected = np.array([[offsets.get(k, prior) for k in row] for row in keys.tolist()])
    assert got.shape == (30, 4, 2)
    np.testing.assert_array_equal(got, expected)


def test_the_two_stage_score_is_the_product_with_a_delta_method_spread():
    model = _arm_model(True)
    context = PageContext(taste=np.linspace(-1, 1, N), daypart=0, device=0)
    themes = np.array([[1, 2]])
    keys = np.array([[10, 99]])

    def posterior(published):
        x = published.space.features(context.taste, np.arange(N), 0, 0)
        return x @ published.theta, 0.5 * published.noise * np.sqrt(np.einsum("td,td->t", x @ published.covariance, x))

    means, sds = model.card_posterior(posterior, themes, np.ones_like(themes, bool), keys, 0.5)
    c_mean, c_sd = model._stage(model.click, model.click_table, posterior, themes, keys, 0.5)
    p_mean, p_sd = model._stage(model.play, model.play_table, posterior, themes, keys, 0.5)
    c, p = np.clip(c_mean, 1e-4, 1), np.clip(p_mean, 1e-3, 1)
    assert means == pytest.approx(c * p)
    assert sds == pytest.approx(np.sqrt(p**2 * c_sd**2 + c**2 * p_sd**2))


def test_the_peers_return_probability_vectors_and_lints_is_exact():
    pytest.importorskip("vowpalwabbit")
    pytest.importorskip("mabwiser")
    from personalization.bandit.peers import LinTSPeer, VowpalPeer

    space = FeatureSpace(N)
    rng = np.random.default_rng(5)
    taste = rng.normal(0, 1, N)
    themes = [np.array([0, 1, 2]), np.array([3, 4])]
    rows = [space.features(taste, t, 1, 2) for t in themes]
    vw = VowpalPeer(space, seed=1)
    for arm, pmf in vw.choose(rows, themes, rng):
        assert pmf.sum() == pytest.approx(1.0) and 0 <= arm < len(pmf)
    vw.learn_cards([(rows[0], 1, 1.0, 1 / 3)])
    lints = LinTSPeer(space, seed=1)
    x = np.vstack([rows[0], rows[1]])
    lints.learn(x, np.array([0, 1, 2, 3, 4]), np.array([1.0, 0, 0, 1.0, 0]), np.ones(5))
    many = 4000
    choices = lints.choose(rows[:1] * many, themes[:1] * many, rng)
    pmf = choices[0][1]
    assert pmf.sum() == pytest.approx(1.0)
    draws = np.bincount([arm for arm, _ in choices], minlength=3) / many
    assert draws == pytest.approx(pmf, abs=0.025)


@pytest.mark.parametrize("layout", [1, 2])
def test_sparse_feature_rows_are_the_dense_ones_and_score_a_page_alike(layout):
    space = FeatureSpace(N, layout)
    taste, themes = np.random.default_rng(5).normal(0, 2, N), np.array([0, 2, 2, 5])
    dense = space.features(taste, themes, 3, 1)
    columns, values = space.sparse_features(taste, themes, 3, 1)
    rebuilt = np.zeros_like(dense)
    for row, (cols, vals) in enumerate(zip(columns, values, strict=True)):
        assert len(set(cols.tolist())) == len(cols)  # no column twice in a row
        rebuilt[row, cols] = vals
    assert np.array_equal(rebuilt, dense)
    # A page's theme posterior from the sparse rows equals the dense x'Cx of every theme.
    rng = np.random.default_rng(6)
    x = space.impression_features(rng.normal(0, 1, (300, N)), rng.integers(0, N, 300),
                                  rng.integers(0, 4, 300), rng.integers(0, 4, 300))  # fmt: skip
    model = publish(fold(state_new(n_themes=N, layout=layout), x, (rng.random(300) < 0.2).astype(float)))
    context = PageContext(taste=taste, daypart=3, device=1)
    means, sds = _posterior(model, context, v=0.7)
    policy = Policy("thompson", BanditParams(v=0.7, epsilon=0.0))
    probabilities = page_probabilities(policy, model, context, [np.arange(N)])[0]
    draws = means + sds * np.random.default_rng(2).standard_normal((200_000, N))
    assert np.bincount(draws.argmax(axis=1), minlength=N) / len(draws) == pytest.approx(probabilities, abs=0.005)
    with pytest.raises(ValueError, match="daypart"):
        space.sparse_features(taste, themes, 9, 1)


@pytest.mark.parametrize("tau", [0.02, 0.05])
def test_the_learned_shrinkage_recovers_how_much_variants_truly_differ(tau):
    """Empirical Bayes on simulated variants: true offsets ~ N(0.01, tau^2), n_k impressions each with
    noise sd 0.3; the kappa it learns should be the truth's noise^2 / tau^2 (to sampling error)."""
    rng = np.random.default_rng(0)
    k, sigma = 5000, 0.3
    n = rng.integers(1, 200, k).astype(float)
    true = rng.normal(0.01, tau, k)
    residuals = rng.normal(true * n, sigma * np.sqrt(n))
    stats = VariantStats()
    stats.add(np.arange(k), residuals, n)

    kappa = stats.learned_kappa(sigma**2, floor=1.0, ceiling=1e6)

    assert kappa == pytest.approx(sigma**2 / tau**2, rel=0.15)
    # Between the floor and the ceiling, whatever the data say.
    assert stats.learned_kappa(sigma**2, floor=10 * kappa, ceiling=1e6) == 10 * kappa


def test_variants_that_do_not_differ_get_no_offsets_worth_the_name():
    """No spread beyond the noise: the ceiling, so each offset is ~0 and nothing is chased."""
    rng = np.random.default_rng(1)
    n = rng.integers(1, 200, 3000).astype(float)
    stats = VariantStats()
    stats.add(np.arange(3000), rng.normal(0.0, 0.3 * np.sqrt(n)), n)

    assert stats.learned_kappa(0.09, floor=1.0, ceiling=1e6) == 1e6
    assert max(abs(mean) for mean, _ in stats.offsets(1e6).values()) < 1e-3
    assert VariantStats().learned_kappa(0.09, floor=5.0, ceiling=50.0) == 50.0  # nothing learned yet


def test_variant_sums_survive_a_snapshot_round_trip():
    stats = VariantStats()
    stats.add(np.array([7, 9, 7]), np.array([0.5, -0.25, 1.0]), np.array([1.0, 2.0, 0.0]))
    again = VariantStats.from_bytes(stats.to_bytes())
    assert again.n == {7: 1.0, 9: 2.0} and again.residual == {7: 1.5, 9: -0.25}
    with pytest.raises(ValueError, match="not a saved"):
        VariantStats.from_bytes(b"junk")
