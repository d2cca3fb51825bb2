"""Simulated worlds: the loader (every key, refusals) and each key's effect on the truth, by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit, logit

from catalog.themes import ALL_THEMES
from personalization.simulation import WORLD_KEYS, ClickWorld, world_from_dict, world_load

WORLDS = Path(__file__).resolve().parents[2] / "personalization" / "worlds"
N = len(ALL_THEMES)


def world(**keys) -> ClickWorld:
    return world_from_dict(keys, default_seed=7)


def test_every_shipped_world_loads_and_there_are_five_harder_ones_using_different_keys():
    files = sorted(WORLDS.glob("*.json"))
    names = {f.stem for f in files}
    assert "default" in names and len(names) >= 6
    used = {}
    for f in files:
        data = json.loads(f.read_text())
        assert set(data) <= set(WORLD_KEYS)
        loaded = world_load(f, default_seed=1)
        assert loaded.name == f.stem
        used[f.stem] = set(data) - {"name", "description", "seed"}
    harder = [keys for name, keys in used.items() if name != "default"]
    assert len({frozenset(k) for k in harder}) == len(harder)  # each exercises different keys
    every_key = set().union(*harder)
    for key in ("variant_quality_sd", "theme_daypart_sd", "theme_device_sd", "theme_genre_sd", "drift_sd",
                "click_delay_sessions", "fatigue", "novelty", "variant_play_sd", "cards_seen", "row_scroll_p",
                "row_interest", "taste_shape", "position_decay"):  # fmt: skip
        assert key in every_key, key


def test_the_default_file_is_todays_world():
    loaded = world_load(WORLDS / "default.json", default_seed=3)
    today = ClickWorld.make(N, 3)
    assert np.array_equal(loaded.appeal, today.appeal) and loaded.seed == 3
    taste = np.linspace(-2, 2, N)
    for theme in (0, 5, 17):
        assert loaded.click_probability(taste, theme, 2, 4) == today.click_probability(taste, theme, 2, 4)
    assert loaded.cards_seen is None and loaded.play_given_click == 0.35


def test_unknown_keys_and_bad_values_are_refused_saying_what_is_known(tmp_path):
    with pytest.raises(ValueError, match=r"unknown key\(s\) betta, colour; known keys: alpha, beta"):
        world(betta=1, colour="red")
    with pytest.raises(ValueError, match="unknown row_interest key"):
        world(row_interest={"kind_sd": 1})
    with pytest.raises(ValueError, match="cards_seen has unknown device"):
        world(cards_seen={"phone": 3})
    with pytest.raises(ValueError, match="taste_shape must be one of linear, saturating, threshold"):
        world(taste_shape="cubic")
    with pytest.raises(ValueError, match="noise_sd must be a number"):
        world(noise_sd=-1)
    with pytest.raises(ValueError, match="play_given_click"):
        world(play_given_click=1.5)
    with pytest.raises(ValueError, match="click_delay_sessions"):
        world(click_delay_sessions=2.5)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        world_load(bad, default_seed=1)
    with pytest.raises(ValueError, match="cannot read"):
        world_load(tmp_path / "missing.json", default_seed=1)


def test_draws_depend_only_on_the_file_and_its_seed():
    a = world(seed=5, variant_quality_sd=1.0, theme_genre_sd=1.0, theme_daypart_sd=1.0)
    b = world_from_dict({"seed": 5, "variant_quality_sd": 1.0, "theme_genre_sd": 1.0, "theme_daypart_sd": 1.0},
                        default_seed=99)  # fmt: skip
    keys = [(movie, "noir") for movie in range(50)]
    # Asked in another order (as another database's ids would), the same variant gets the same draw.
    assert [a.variant_draws(k) for k in keys] == [b.variant_draws(k) for k in reversed(keys)][::-1]
    assert np.array_equal(a.appeal, b.appeal) and np.array_equal(a.theme_daypart, b.theme_daypart)
    assert a.theme_genre(3, "Comedy") == b.theme_genre(3, "Comedy")
    c = world(seed=6, variant_quality_sd=1.0)
    assert a.variant_draws(keys[0]) != c.variant_draws(keys[0])


def test_taste_shapes_by_hand():
    a = np.array([-1.0, 0.2, 0.8, 2.0])
    assert np.allclose(world(beta=2.0).taste_effect(a), 2.0 * a)
    assert np.allclose(world(beta=2.0, taste_shape="saturating").taste_effect(a), 2.0 * np.tanh(a))
    assert np.allclose(world(beta=2.0, taste_shape="threshold").taste_effect(a), [0, 0, 0.6, 3.0])


def test_variant_quality_is_a_hidden_normal_per_variant():
    w = world(variant_quality_sd=0.5)
    draws = np.array([w.variant_draws((movie, "noir"))[0] for movie in range(4000)])
    assert draws.std() == pytest.approx(0.5, rel=0.05) and abs(draws.mean()) < 0.03
    taste = np.zeros(N)
    p = w.click_probability(taste, 3, 0, 0, variant_key=(12, "noir"))
    assert logit(p) == pytest.approx(w.alpha + w.appeal[3] + w.variant_draws((12, "noir"))[0])


def test_theme_by_daypart_device_and_genre_effects_enter_the_logit():
    w = world(theme_daypart_sd=0.4, theme_device_sd=0.3, theme_genre_sd=0.2)
    assert w.theme_daypart.shape == (N, 4) and w.theme_daypart.std() == pytest.approx(0.4, rel=0.15)
    assert w.theme_device.std() == pytest.approx(0.3, rel=0.15)
    taste = np.zeros(N)
    p = w.click_probability(taste, 9, 0, 0, daypart="night", device="tv", genre="Drama")
    expected = w.alpha + w.appeal[9] + w.theme_daypart[9, 3] + w.theme_device[9, 3] + w.theme_genre(9, "Drama")
    assert logit(p) == pytest.approx(expected)
    assert w.theme_genre(9, "Drama") != w.theme_genre(9, "Comedy")


def test_position_decay_by_device():
    w = world(position_decay={"desktop": 0.01, "mobile": 0.1})
    taste = np.zeros(N)
    base = w.click_probability(taste, 0, 0, 0, device="mobile")
    assert logit(w.click_probability(taste, 0, 0, 5, device="mobile")) == pytest.approx(logit(base) - 0.5)
    assert logit(w.click_probability(taste, 0, 0, 5, device="desktop")) == pytest.approx(logit(base) - 0.05)
    assert w.attention(0, 5, "tv") == 0.0  # a device the file does not name has no decay


def test_fatigue_and_novelty():
    w = world(fatigue=0.1, novelty=0.3)
    taste = np.zeros(N)
    plain = logit(w.click_probability(taste, 0, 0, 0))
    assert logit(w.click_probability(taste, 0, 0, 0, shown_before=0)) == pytest.approx(plain + 0.3)
    assert logit(w.click_probability(taste, 0, 0, 0, shown_before=4)) == pytest.approx(plain - 0.4)


def test_drift_is_a_random_walk_of_the_stated_size_and_a_prefix_never_changes():
    w = world(drift_sd=0.5, seed=11)
    assert np.array_equal(w.appeal_at(0), w.appeal)
    moved = np.array(
        [world(drift_sd=0.5, seed=s).appeal_at(1000) - world(drift_sd=0.5, seed=s).appeal for s in range(40)]
    )
    assert moved.std() == pytest.approx(0.5, rel=0.1)
    later = w.appeal_at(2500)
    again = world(drift_sd=0.5, seed=11)
    assert np.array_equal(again.appeal_at(2500), later) and np.array_equal(again.appeal_at(10), w.appeal_at(10))
    assert np.array_equal(world(seed=11).appeal_at(5000), world(seed=11).appeal)  # no drift, no walk


def test_clickbait_variants_are_clicked_then_abandoned():
    w = world(variant_quality_sd=0.5, variant_play_sd=1.5, variant_play_corr=-0.9, play_given_click=0.35)
    keys = [(movie, "noir") for movie in range(3000)]
    quality = np.array([w.variant_draws(k)[0] for k in keys])
    play = np.array([w.play_probability(k) for k in keys])
    assert np.corrcoef(quality, logit(play))[0, 1] == pytest.approx(-0.9, abs=0.03)
    assert w.play_probability(keys[0]) == pytest.approx(expit(logit(0.35) + w.variant_draws(keys[0])[1]))
    assert world(play_given_click=0.2).play_probability(keys[0]) == 0.2


def test_the_theme_oracle_expects_over_the_variants_own_draws_as_sampling_does():
    """The theme oracle's value of a variant: the mean reward over the hidden draws of variants like it
    (the world's own draws of 40,000 variants are the reference, not the quadrature)."""
    w = world(variant_quality_sd=0.5, variant_play_sd=1.5, variant_play_corr=-0.9, play_given_click=0.35)
    taste = np.zeros(N)
    keys = [(movie, "noir") for movie in range(40_000)]
    clicks = np.array([w.click_probability(taste, 3, 0, 0, variant_key=k) for k in keys])
    plays = np.array([w.play_probability(k) for k in keys])
    click_alone = w.click_probability(taste, 3, 0, 0)
    play_alone = w.play_probability((1, "noir"), with_variant=False)
    assert play_alone == pytest.approx(0.35)
    assert w.expected_over_variant(click_alone, None) == pytest.approx(clicks.mean(), rel=0.01)
    assert w.expected_over_variant(click_alone, play_alone) == pytest.approx((clicks * plays).mean(), rel=0.02)
    # Anti-correlated draws make a play rarer than the product of the averages suggests
    assert (clicks * plays).mean() < clicks.mean() * plays.mean()
    # Without variant effects it is the plain probability
    plain = world()
    p = plain.click_probability(taste, 3, 0, 0)
    assert plain.expected_over_variant(p, 0.35) == pytest.approx(p * 0.35)


def test_the_theme_oracle_cannot_tell_a_themes_variants_apart_and_the_oracle_can():
    from types import SimpleNamespace

    from personalization.services.simulation import Viewer, oracle_score

    w = world(variant_quality_sd=0.5, variant_play_sd=1.5, variant_play_corr=-0.9)
    viewer = Viewer(np.zeros(N), np.zeros(0))
    context = SimpleNamespace(daypart="evening", device="desktop")
    keys = {movie: (movie, "Drama") for movie in range(50)}
    crime, comedy = SimpleNamespace(theme="crime"), SimpleNamespace(theme="comedy")
    full = oracle_score(w, viewer, context, 0, None, "play", keys)
    themes_only = oracle_score(w, viewer, context, 0, None, "play", keys, variants=False)
    assert len({round(full(movie, crime), 9) for movie in range(50)}) == 50  # each variant its own value
    assert len({round(themes_only(movie, crime), 9) for movie in range(50)}) == 1
    assert themes_only(1, crime) != themes_only(1, comedy)  # themes still differ


def test_clickbait_themes_are_the_appealing_ones_abandoned_after_the_click():
    w = world(theme_appeal_sd=0.5, theme_play_sd=1.5, theme_play_corr=-0.9, play_given_click=0.35)
    shift = logit([w.play_probability((1, theme)) for theme in ALL_THEMES]) - logit(0.35)
    assert np.std(shift) == pytest.approx(1.5, rel=0.35)  # a few dozen themes: a loose check of the sd
    assert np.corrcoef(w.appeal, shift)[0, 1] < -0.7
    assert np.allclose(shift, w.theme_play)  # every variant of a theme shares its shift, whatever the title
    assert w.play_probability((2, ALL_THEMES[0])) == w.play_probability((1, ALL_THEMES[0]))
    assert world(theme_appeal_sd=0.5).play_probability((1, ALL_THEMES[0])) == 0.35
    for bad in ({"theme_play_sd": -1}, {"theme_play_corr": 1.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            world(**bad)


def test_cards_seen_and_sideways_scrolling():
    w = world(cards_seen={"desktop": 6, "mobile": 3}, row_scroll_p=0.5)
    rng = np.random.default_rng(0)
    seen = np.array([w.seen_cards("mobile", rng) for _ in range(20000)])
    assert set(np.unique(seen) % 3) == {0} and seen.min() == 3
    assert seen.mean() == pytest.approx(3 / (1 - 0.5), rel=0.03)  # geometric number of screens
    assert w.seen_cards("tablet", rng) >= 6  # an unnamed device sees the widest screenful
    assert world().seen_cards("mobile", rng) is None  # today: every card counts


def test_row_interest_effects_by_kind_genre_and_context():
    w = world(row_interest={"kind_device_sd": 0.4, "genre_daypart_sd": 0.3})
    kinds = np.array([w.row_effect(f"kind{i}", "", "evening", "tv") for i in range(2000)])
    assert kinds.std() == pytest.approx(0.4, rel=0.08)
    assert w.row_effect("popular", "", "evening", "tv") == w.row_effect("popular", "", "morning", "tv")
    with_genre = w.row_effect("genre", "comedy", "evening", "tv")
    assert with_genre - w.row_effect("genre", "", "evening", "tv") == pytest.approx(
        w.row_effect("genre", "comedy", "evening", "mobile") - w.row_effect("genre", "", "evening", "mobile")
    )
    assert world().row_effect("popular", "comedy", "evening", "tv") == 0.0


def test_learners_fold_seen_impressions_now_and_delayed_rewards_when_they_arrive():
    from personalization.bandit.variants import ArmModel
    from personalization.services.simulation import Learner, Run, Viewer

    rng = np.random.default_rng(0)
    viewers = {1: Viewer(np.zeros(N), np.zeros(3), rng.normal(0, 1, N), key=11, profile_id=1)}
    w = world(click_delay_sessions=5)
    run = Run()
    for session in (1, 2):
        for theme in range(4):
            run.seen.append((session, 1, theme, 0, 1, None, 100 + theme))
    run.rewards = {0: (7, 1, 1, 0), 5: (2, 1, 0, 0)}  # a click due at session 7 (played), one due now

    play = Learner("thompson", viewers, w, reward="play", seed=1)
    play.learn(run, 2)
    assert play.state.n_impressions == 8  # every seen impression, rewards or not
    assert play.play_state.n_impressions == 1  # P(play | click): the one click that has arrived
    assert float(play.play_state.moment @ play.play_state.moment) == 0.0  # ...which was not played
    assert isinstance(play.model, ArmModel) and play.model.play is not None
    play.learn(run, 7)  # the late click arrives and is folded, its impression is not folded again
    assert play.state.n_impressions == 8 and play.play_state.n_impressions == 2
    assert play.rewarded == {0, 5}

    click = Learner("thompson", viewers, w, reward="click", seed=1)
    click.learn(run, 2)
    assert click.play_state is None and click.state.sum_sq_rewards == 1.0  # one click so far
    click.learn(run, 7)
    assert click.state.sum_sq_rewards == 2.0
