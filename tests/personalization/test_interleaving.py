"""Team-draft interleaving and its preference test, checked by brute force and against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from personalization.interleaving import (
    preference,
    prefix_preference_p_values,
    prefix_welch_p_values,
    resampled_sensitivity,
    sessions_to_significance,
    team_draft,
)


def test_each_team_drafts_its_best_remaining_title_and_the_teams_stay_balanced():
    rng = np.random.default_rng(0)
    for _ in range(300):
        first = list(rng.permutation(30)[:15])
        second = list(rng.permutation(30)[:15])
        k = int(rng.integers(1, 16))
        items, teams = team_draft(first, second, k, rng)

        assert len(items) == k == len(set(items))
        assert abs(teams.count("A") - teams.count("B")) <= 1
        taken: set[int] = set()
        for item, team in zip(items, teams, strict=True):  # replay the draft by hand
            ranking = first if team == "A" else second
            assert item == next(t for t in ranking if t not in taken)
            taken.add(item)


def test_identical_rankings_give_the_ranking_itself():
    items, teams = team_draft([5, 3, 9, 1], [5, 3, 9, 1], 4, np.random.default_rng(1))
    assert items == [5, 3, 9, 1] and sorted(teams) == ["A", "A", "B", "B"]


def test_the_first_pick_is_a_fair_coin():
    rng = np.random.default_rng(2)
    firsts = sum(team_draft([1, 2], [3, 4], 2, rng)[1][0] == "A" for _ in range(4000))
    assert stats.binomtest(firsts, 4000, 0.5).pvalue > 0.001


def test_when_one_ranking_runs_out_the_other_fills_the_row():
    items, teams = team_draft([1], [2, 3, 4, 5], 4, np.random.default_rng(3))
    assert sorted(items) == [1, 2, 3, 4] and teams.count("A") == 1
    items, _ = team_draft([1, 2], [2, 1], 5, np.random.default_rng(3))
    assert sorted(items) == [1, 2]  # both used up before k: a shorter row, not a loop


def test_preference_counts_sessions_and_tests_them_as_scipy_does():
    rng = np.random.default_rng(4)
    clicks_a = rng.poisson(0.6, size=500)
    clicks_b = rng.poisson(0.4, size=500)

    result = preference(clicks_a, clicks_b)

    wins_a = wins_b = ties = 0
    for a, b in zip(clicks_a, clicks_b, strict=True):  # the brute-force count
        if a + b == 0:
            continue
        wins_a += a > b
        wins_b += b > a
        ties += a == b
    assert (result.wins_a, result.wins_b, result.ties) == (wins_a, wins_b, ties)
    assert result.sessions == wins_a + wins_b + ties
    assert result.share_a == pytest.approx(wins_a / (wins_a + wins_b))
    assert result.p_value == pytest.approx(stats.binomtest(wins_a, wins_a + wins_b, 0.5).pvalue)
    assert result.p_value < 0.05  # A's 50% more clicks show in 500 sessions


def test_no_preference_without_clicks():
    result = preference(np.zeros(10), np.zeros(10))
    assert result.sessions == 0 and np.isnan(result.share_a) and result.p_value == 1.0


def test_prefix_p_values_equal_scipys_tests_on_every_prefix():
    rng = np.random.default_rng(4)
    a, b = rng.poisson(0.9, 60), rng.poisson(0.6, 60)
    clicks, arm = rng.poisson(1.2, 60).astype(float), rng.random(60) < 0.5
    clicks[arm] += rng.poisson(0.5, arm.sum())

    interleaved = prefix_preference_p_values(a, b)
    welch = prefix_welch_p_values(clicks, arm)

    for n in range(1, 61):
        assert interleaved[n - 1] == pytest.approx(preference(a[:n], b[:n]).p_value, rel=1e-9, abs=1e-12)
        first, second = clicks[:n][arm[:n]], clicks[:n][~arm[:n]]
        if len(first) >= 2 and len(second) >= 2:
            expected = stats.ttest_ind(first, second, equal_var=False).pvalue
            assert welch[n - 1] == pytest.approx(expected, rel=1e-9)
        else:
            assert welch[n - 1] == 1.0


def test_welch_without_spread_is_no_evidence():
    assert prefix_welch_p_values(np.ones(6), np.array([1, 0, 1, 0, 1, 0], dtype=bool)).tolist() == [1.0] * 6


def test_sessions_to_significance_is_where_the_p_value_stays_below_alpha():
    assert sessions_to_significance(np.array([0.5, 0.01, 0.2, 0.03, 0.01])) == 4
    assert sessions_to_significance(np.array([0.01, 0.01])) == 1
    assert sessions_to_significance(np.array([0.01, 0.2])) is None
    assert sessions_to_significance(np.array([])) is None


# The reference: scipy's t-test on short prefixes whose clicks may all be equal (resamples repeat
# sessions) warns of precision loss and answers nan, which the reference counts as not significant.
@pytest.mark.filterwarnings("ignore:Precision loss occurred in moment calculation:RuntimeWarning")
def test_resampled_sensitivity_is_the_median_of_brute_force_resamples():
    rng = np.random.default_rng(9)
    teams = np.column_stack([rng.poisson(1.0, 80), rng.poisson(0.5, 80)])
    arm = rng.random(80) < 0.5
    clicks = rng.poisson(np.where(arm, 1.6, 1.0)).astype(float)

    found = resampled_sensitivity(teams, clicks, arm, np.random.default_rng(1), resamples=40)

    # The same bootstrap orders, each p-value from scipy on every prefix.
    replay = np.random.default_rng(1)
    interleaving, ab = [], []
    for _ in range(40):
        order = replay.integers(0, 80, 80)
        t, c, m = teams[order], clicks[order], arm[order]
        p_i = [preference(t[:n, 0], t[:n, 1]).p_value for n in range(1, 81)]
        p_ab = [
            stats.ttest_ind(c[:n][m[:n]], c[:n][~m[:n]], equal_var=False).pvalue
            if m[:n].sum() >= 2 and (~m[:n]).sum() >= 2
            else 1.0
            for n in range(1, 81)
        ]
        interleaving.append(sessions_to_significance(np.array(p_i)) or 81)
        ab.append(sessions_to_significance(np.nan_to_num(np.array(p_ab), nan=1.0)) or 81)
    assert found.interleaving_reached == np.mean(np.array(interleaving) < 81)
    assert found.ab_reached == np.mean(np.array(ab) < 81)
    expected_i, expected_ab = np.median(interleaving), np.median(ab)
    assert found.interleaving_median == (None if expected_i >= 81 else expected_i)
    assert found.ab_median == (None if expected_ab >= 81 else expected_ab)
