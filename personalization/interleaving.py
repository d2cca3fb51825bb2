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


# -- Sensitivity: how many sessions each design needs ------------------------------------------------
# One order of sessions gives one "sessions until p < 0.05" per design, and that count is noisy (the
# first lucky run of wins decides it). Resampling the sessions (with replacement, in a new order) many
# times gives its distribution; the p-value after every prefix is computed in closed form, so a
# thousand resamples of a few hundred sessions take well under a second.


def prefix_preference_p_values(clicks_a: np.ndarray, clicks_b: np.ndarray) -> np.ndarray:
    """`preference(...)`'s p-value after each prefix of the sessions (the exact two-sided binomial
    test of the decided sessions' wins against 1/2, as scipy's `binomtest`)."""
    a, b = np.asarray(clicks_a), np.asarray(clicks_b)
    wins_a = np.cumsum((a > b) & ((a + b) > 0))
    wins_b = np.cumsum((b > a) & ((a + b) > 0))
    decided = wins_a + wins_b
    fewer = np.minimum(wins_a, wins_b)
    # For p = 1/2 the two tails are mirror images: P(X <= fewer) + P(X >= decided - fewer).
    p = np.minimum(1.0, 2.0 * stats.binom.cdf(fewer, np.maximum(decided, 1), 0.5))
    p[wins_a == wins_b] = 1.0  # includes no decided session yet
    return p


def prefix_welch_p_values(values: np.ndarray, in_first: np.ndarray) -> np.ndarray:
    """Welch's two-sided t-test of `values[in_first]` against the rest after each prefix (as scipy's
    `ttest_ind(equal_var=False)`); 1 until each side has two sessions and some spread."""
    x = np.asarray(values, dtype=np.float64)
    first = np.asarray(in_first, dtype=bool)
    out = np.ones(len(x))
    moments = []
    for side in (first, ~first):
        n = np.cumsum(side).astype(np.float64)
        total = np.cumsum(np.where(side, x, 0.0))
        squares = np.cumsum(np.where(side, x * x, 0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
            variance = (squares - n * mean * mean) / (n - 1)
        moments.append((n, mean, np.maximum(variance, 0.0)))
    (n1, m1, v1), (n2, m2, v2) = moments
    ready = (n1 >= 2) & (n2 >= 2)
    se1, se2 = np.where(ready, v1 / np.where(ready, n1, 1), 0), np.where(ready, v2 / np.where(ready, n2, 1), 0)
    se = se1 + se2
    valid = ready & (se > 0)
    t = np.where(valid, (m1 - m2) / np.sqrt(np.where(valid, se, 1.0)), 0.0)
    df_den = np.where(ready, se1**2 / np.maximum(n1 - 1, 1) + se2**2 / np.maximum(n2 - 1, 1), 1.0)
    df = np.where(valid, se**2 / np.where(df_den > 0, df_den, 1.0), 1.0)
    out[valid] = 2.0 * stats.t.sf(np.abs(t[valid]), df[valid])
    return out


def sessions_to_significance(p_values: np.ndarray, alpha: float = 0.05) -> int | None:
    """The first session count after which the p-value stays below alpha (None: never reached)."""
    above = np.flatnonzero(np.asarray(p_values) >= alpha)
    if len(above) == 0:
        return 1 if len(p_values) else None
    last = int(above[-1]) + 1  # sessions up to and including the last one at or above alpha
    return last + 1 if last < len(p_values) else None


@dataclass(frozen=True)
class Sensitivity:
    resamples: int
    interleaving_median: float | None  # median sessions to p < 0.05 (None: most resamples never got there)
    ab_median: float | None
    interleaving_reached: float  # share of resamples that reached it within the sessions
    ab_reached: float


def resampled_sensitivity(
    teams: np.ndarray, clicks: np.ndarray, arm: np.ndarray, rng: np.random.Generator, *, resamples: int = 1000
) -> Sensitivity:
    """Sessions each design needs, over `resamples` bootstrap orders of the sessions.

    `teams` is (sessions, 2) credited clicks per team in the interleaved run; `clicks` and `arm` are
    the A/B run's clicks per session and whether the session's viewer was in the first ranker's arm.
    A resample that never stays below 0.05 counts as needing more than all the sessions.
    """
    sessions = len(clicks)
    never = sessions + 1
    interleaving, ab = np.empty(resamples), np.empty(resamples)
    for r in range(resamples):
        order = rng.integers(0, sessions, sessions)
        found = sessions_to_significance(prefix_preference_p_values(teams[order, 0], teams[order, 1]))
        interleaving[r] = found or never
        found = sessions_to_significance(prefix_welch_p_values(clicks[order], arm[order]))
        ab[r] = found or never

    def median(values: np.ndarray) -> float | None:
        middle = float(np.median(values))
        return None if middle >= never else middle

    return Sensitivity(
        resamples=resamples,
        interleaving_median=median(interleaving),
        ab_median=median(ab),
        interleaving_reached=float(np.mean(interleaving < never)),
        ab_reached=float(np.mean(ab < never)),
    )
