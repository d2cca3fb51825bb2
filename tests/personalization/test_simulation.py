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


@pytest.mark.django_db
def test_a_live_experiment_run_is_kept_and_the_report_and_estimators_read_it(clustered_data, capsys, tmp_path):
    from personalization.services.experiments import HOLDOUT, experiment_start, experiment_stop

    experiment_stop(name=HOLDOUT)  # seed_demo's standing artwork control holds the surface
    experiment_start(name="sim-art", surface="artwork", variants="uniform=0.5,bandit=0.5")

    call_command("simulate_traffic", "--sessions", "20", "--seed", "5", "--learn-every", "10",
                 "--experiment", "sim-art", "--json")  # fmt: skip

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["impressions_logged"] == summary["impressions"] == Impression.objects.count() > 0
    assert summary["clicks"] == Event.objects.filter(kind="click").count()
    assert summary["learning_passes"] == 2 and BanditSnapshot.objects.exists()  # the real bandit learned
    variants = {v.split("=")[1].strip(";") for v in Impression.objects.values_list("experiment_variant", flat=True)}
    assert variants <= {"uniform", "bandit"} and variants

    call_command("experiment_report", "sim-art", "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sum(v["impressions"] for v in report["variants"]) == summary["impressions"]
    assert sum(v["clicks"] for v in report["variants"]) == summary["clicks"]

    call_command("evaluate_policy", "top-genre", "--experiment", "sim-art", "--logged-policy", "uniform",
                 "--resamples", "200", "--json")  # fmt: skip
    estimate = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    logged_uniform = Impression.objects.filter(policy="uniform").exclude(n_candidates__lt=2).count()
    assert 0 < estimate["n_impressions"] <= logged_uniform
    for name in ("ips", "snips", "dr"):
        assert estimate[f"{name}_ci_low"] <= estimate[name] <= estimate[f"{name}_ci_high"]
    assert 0 < estimate["effective_sample_size"] <= estimate["n_impressions"]


@pytest.mark.django_db
def test_without_a_running_experiment_the_live_run_says_how_to_start_one(clustered_data):
    with pytest.raises(CommandError, match="experiment_start nope --surface artwork"):
        call_command("simulate_traffic", "--sessions", "2", "--experiment", "nope")


@pytest.mark.django_db
def test_interleaving_against_ab_reports_both_designs_and_keeps_nothing(clustered_data, capsys):
    call_command("simulate_traffic", "--sessions", "30", "--seed", "2", "--interleave", "personalized,popularity",
                 "--json")  # fmt: skip

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rankers"] == {"A": "personalized", "B": "popularity"} and summary["sessions"] == 30
    assert 0 <= summary["interleaving_p_value"] <= 1 and 0 <= summary["ab_p_value"] <= 1
    assert set(summary["ab_clicks_per_session"]) == {"personalized", "popularity"}
    for key in ("sessions_to_p05_interleaving", "sessions_to_p05_ab"):
        assert summary[key] is None or 1 <= summary[key] <= 30
        assert summary[f"{key}_median"] is None or 1 <= summary[f"{key}_median"] <= 30
    assert summary["resamples"] == 1000
    assert 0 <= summary["reached_p05_share_interleaving"] <= 1 and 0 <= summary["reached_p05_share_ab"] <= 1
    assert not Impression.objects.exists() and not Event.objects.exists()
    from personalization.models import Experiment

    # The two simulated experiments were rolled back, and the holdout they paused runs again.
    assert list(Experiment.objects.values_list("name", "status")) == [("artwork-holdout", "running")]


@pytest.mark.django_db
@pytest.mark.parametrize("spec", ["personalized", "personalized,personalized", "personalized,nonsense"])
def test_interleave_needs_two_known_rankers(clustered_data, spec):
    with pytest.raises(CommandError, match="two different rankers"):
        call_command("simulate_traffic", "--sessions", "2", "--interleave", spec)


@pytest.mark.django_db
def test_a_world_file_with_peers_seen_only_impressions_delays_and_a_reward(clustered_data, capsys, tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps({
        "seed": 3, "cards_seen": {"desktop": 2, "mobile": 1, "tablet": 2, "tv": 2}, "row_scroll_p": 0.2,
        "click_delay_sessions": 3, "variant_quality_sd": 0.3, "fatigue": 0.05, "alpha": -1.5,
    }))  # fmt: skip
    call_command("simulate_traffic", "--sessions", "8", "--seed", "2", "--learn-every", "4", "--window", "100",
                 "--world", str(path), "--policies", "bandit,random,oracle,vw,lints", "--reward", "click",
                 "--json")  # fmt: skip

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for label in ("bandit", "random", "oracle", "vw", "lints"):
        assert 0 <= summary[f"ctr_{label}"] <= 1 and 0 <= summary[f"play_rate_{label}"] <= summary[f"ctr_{label}"]
    for key in ("oracle_lift_share", "oracle_lift_share_vw", "oracle_lift_share_lints", "after_warmup_ratio"):
        assert key in summary
    # Only cards on screen count: a row shows 1-2 cards a screenful, far fewer than were served.
    assert 0 < summary["impressions"] < summary["impressions_served"] / 2
    assert summary["reward"] == "click" and summary["world"] == "w"
    assert not Impression.objects.exists() and not Event.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--world", "no-such-world"], "cannot read world file"),
        (
            ["--policies", "bandit,greedy"],
            "--policies takes distinct names among bandit, random, oracle, theme_oracle, vw, lints",
        ),
    ],
)
def test_bad_worlds_and_policies_are_refused_before_anything_runs(clustered_data, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate_traffic", "--sessions", "2", *args)
    path = tmp_path / "typo.json"
    path.write_text('{"row_decy": 0.1}')
    with pytest.raises(CommandError, match="unknown key\\(s\\) row_decy; known keys"):
        call_command("simulate_traffic", "--sessions", "2", "--world", str(path))
