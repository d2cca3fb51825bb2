"""Team-draft interleaving and its preference test, checked by brute force and against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from personalization.interleaving import preference, team_draft


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
