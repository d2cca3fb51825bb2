"""The traffic simulator: its hidden truth, its oracle and a short replay through the real code."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from catalog.selectors import catalog_snapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.models import BanditSnapshot, Engagement, Event, Impression, SimulationReport
from personalization.simulation import ClickWorld, OracleChooser, session_specs, windows


def test_click_probability_follows_taste_appeal_and_attention():
    appeal = np.zeros(len(ALL_THEMES))
    romance, action = THEME_INDEX["romance"], THEME_INDEX["action"]
    appeal[action] = 0.5
    world = ClickWorld(appeal=appeal, seed=4, alpha=-2.0, beta=1.0, row_decay=0.1, position_decay=0.05)
    affinity = np.zeros(len(ALL_THEMES))
    affinity[romance] = 2.0

    # By hand from the documented formula: sigmoid(alpha + beta * affinity + appeal - decays).
    assert world.click_probability(affinity, romance, 0, 0) == pytest.approx(0.5)  # sigmoid(-2 + 2)
    assert world.click_probability(affinity, action, 0, 0) == pytest.approx(0.182426, abs=1e-6)  # sigmoid(-1.5)
    assert world.click_probability(affinity, romance, 5, 10) == pytest.approx(0.268941, abs=1e-6)  # sigmoid(-1)


def test_the_viewers_hidden_noise_is_fixed_per_viewer_and_differs_between_viewers():
    world = ClickWorld.make(len(ALL_THEMES), seed=4)
    taste = np.zeros(len(ALL_THEMES))
    assert np.array_equal(world.affinity(7, taste), world.affinity(7, taste))
    assert not np.array_equal(world.affinity(7, taste), world.affinity(8, taste))
    assert np.std(world.affinity(7, taste)) == pytest.approx(world.noise_sd, rel=0.5)


@pytest.mark.django_db
def test_the_oracle_picks_the_variant_with_the_highest_true_click_probability(clustered_data):
    snapshot = catalog_snapshot()
    world = ClickWorld.make(len(ALL_THEMES), seed=2)
    affinity = world.affinity(1, np.random.default_rng(0).normal(0, 1, len(ALL_THEMES)))
    titles = list(snapshot.artworks)[:30]

    choices = OracleChooser(snapshot, world, affinity).choose(titles)

    for title_id, choice in zip(titles, choices, strict=True):
        by_brute_force = max(
            snapshot.artworks[title_id],
            key=lambda v: world.click_probability(affinity, THEME_INDEX[v.theme], 3, 7),
        )
        assert choice.variant == by_brute_force and choice.propensity == 1.0


def test_sessions_are_reproducible_from_the_seed():
    first = session_specs([1, 2, 3], sessions=50, seed=9)
    assert first == session_specs([1, 2, 3], sessions=50, seed=9)
    assert first != session_specs([1, 2, 3], sessions=50, seed=10)
    assert {s.profile_id for s in first} == {1, 2, 3} and all(2 <= s.lazy_rows <= 8 for s in first)


def test_windows_average_consecutive_impressions():
    assert windows([1, 0, 0, 0, 1, 1, 0, 1, 1], size=3) == pytest.approx([1 / 3, 2 / 3, 2 / 3])


@pytest.mark.django_db
def test_a_short_replay_reports_every_policy_and_leaves_the_site_as_it_was(clustered_data, capsys):
    call_command(
        "simulate_traffic", "--sessions", "12", "--seed", "3", "--learn-every", "4", "--window", "500", "--json"
    )

    out = capsys.readouterr()
    summary = json.loads(out.out.strip().splitlines()[-1])
    for key in ("ctr_bandit", "ctr_random", "ctr_oracle", "impressions", "oracle_lift_share"):
        assert key in summary
    assert summary["impressions"] > 0 and summary["learning_passes"] == 3
    assert summary["ctr_oracle"] > summary["ctr_random"]  # the truth's best arm beats a random one
    assert set(summary["impressions_per_policy"]) == {"bandit", "random", "oracle"}
    assert "CTR per 500 impressions" in out.err
    report = SimulationReport.objects.get()
    assert report.summary == summary and set(report.series) == {"thompson", "uniform", "oracle"}
    # Every replay ran in a rolled-back transaction: the real log and the real bandit are untouched.
    assert not Impression.objects.exists() and not Event.objects.exists() and not Engagement.objects.exists()
    assert not BanditSnapshot.objects.exists()


@pytest.mark.django_db
def test_without_data_the_simulator_says_what_to_do():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("simulate_traffic", "--sessions", "1")
