"""Team-draft interleaving: two rankers share one row, and clicks say which one viewers prefer. Pure.

Radlinski, Kurup and Joachims (2008): a coin flip picks who drafts first; then the rankers take turns,
each adding its highest-ranked title not already in the row, and every card remembers the team that
drafted it. A viewer's clicks credit the teams; across viewers, the share of credited clicks won by A
estimates the preference, tested against 1/2 with a binomial test on the viewers (sessions) that
preferred one side (Chapelle et al. 2012 count per session, the unit that is independent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def team_draft(first: list[int], second: list[int], k: int, rng: np.random.Generator) -> tuple[list[int], list[str]]:
    """Interleave two rankings into k items; returns the items and each one's team ("A" = `first`)."""
    rankings = {"A": list(first), "B": list(second)}
    cursor = {"A": 0, "B": 0}
    picked: list[int] = []
    teams: list[str] = []
    taken: set[int] = set()
    counts = {"A": 0, "B": 0}
    while len(picked) < k:
        # The team with fewer picks drafts next; a tie is broken by a coin flip (the classic rule).
        if counts["A"] != counts["B"]:
            team = "A" if counts["A"] < counts["B"] else "B"
        else:
            team = "A" if rng.random() < 0.5 else "B"
        ranking = rankings[team]
        while cursor[team] < len(ranking) and ranking[cursor[team]] in taken:
            cursor[team] += 1
        if cursor[team] == len(ranking):
            other = "B" if team == "A" else "A"
            if all(item in taken for item in rankings[other][cursor[other] :]):
                break  # both rankings are used up
            counts[team] += 1  # this team has nothing left: let the other draft
            continue
        item = ranking[cursor[team]]
        picked.append(item)
        teams.append(team)
        taken.add(item)
        counts[team] += 1
    return picked, teams


@dataclass(frozen=True)
class Preference:
    sessions: int  # sessions with at least one credited click
    wins_a: int  # sessions whose clicks favoured A
    wins_b: int
    ties: int
    share_a: float  # wins_a / (wins_a + wins_b)
    p_value: float  # two-sided binomial test of share_a = 1/2


def preference(clicks_a: np.ndarray, clicks_b: np.ndarray) -> Preference:
    """Per session, credited clicks for each team; a session prefers the team with more."""
    a = np.asarray(clicks_a)
    b = np.asarray(clicks_b)
    active = (a + b) > 0
    wins_a = int(np.sum(active & (a > b)))
    wins_b = int(np.sum(active & (b > a)))
    ties = int(np.sum(active & (a == b)))
    decided = wins_a + wins_b
    share = wins_a / decided if decided else float("nan")
    p_value = float(stats.binomtest(wins_a, decided, 0.5).pvalue) if decided else 1.0
    return Preference(int(active.sum()), wins_a, wins_b, ties, share, p_value)
