"""Learned row order: the Plackett-Luce propensity against brute force, the rules as the prior, learning."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from personalization.row_order import (
    PRIOR_RULES_WEIGHT,
    RowModel,
    RowSpace,
    pl_probability,
    plackett_luce,
)

GENRES = ("Comedy", "Drama", "Horror")


def test_the_plackett_luce_probabilities_of_all_orders_sum_to_one_and_match_sampling():
    scores = np.array([0.03, 0.01, 0.02, 0.0])
    t = 0.01
    orders = list(itertools.permutations(range(4)))
    probabilities = {o: pl_probability(scores, np.array(o), t) for o in orders}
    assert sum(probabilities.values()) == pytest.approx(1.0)
    # By hand for one order: w = exp(s / t); P = w0/(sum) * w2/(w2+w1+w3) * ...
    w = np.exp(scores / t)
    by_hand = w[0] / w.sum() * w[2] / (w[1] + w[2] + w[3]) * w[1] / (w[1] + w[3])
    assert probabilities[(0, 2, 1, 3)] == pytest.approx(by_hand)
    rng = np.random.default_rng(0)
    draws = [tuple(plackett_luce(scores, t, rng)[0].tolist()) for _ in range(20000)]
    for order in [(0, 2, 1, 3), (3, 2, 1, 0)]:
        assert draws.count(order) / len(draws) == pytest.approx(probabilities[order], abs=0.01)
    order, logged = plackett_luce(scores, t, rng)
    assert logged == pytest.approx(probabilities[tuple(order.tolist())])


def test_a_cold_model_orders_rows_as_the_rules_do():
    space = RowSpace(GENRES)
    model = RowModel(space)
    rules = [0.95, 0.35, 0.7]
    rows = [("top_picks", "", rules[0]), ("genre", "Drama", rules[1]), ("trending", "", rules[2])]
    x = np.array([space.features(k, g, 0.0, r, "evening", "tv", None) for k, g, r in rows])
    assert model.scores(x) == pytest.approx(PRIOR_RULES_WEIGHT * np.array(rules))


def test_the_model_learns_a_context_effect_and_separates_it_from_the_rows_position():
    space = RowSpace(GENRES)
    model = RowModel(space)
    rng = np.random.default_rng(1)
    # Truth: Horror rows engage at night on any device (0.12 vs 0.04), whatever the position; rows
    # lower down get fewer clicks (position effect), and Horror was mostly shown low.
    for _ in range(3000):
        daypart = ["morning", "night"][rng.integers(2)]
        genre = GENRES[rng.integers(3)]
        position = int(rng.integers(8, 12) if genre == "Horror" else rng.integers(0, 4))
        rate = (0.12 if (genre == "Horror" and daypart == "night") else 0.04) * (0.5 if position >= 8 else 1.0)
        x = space.features("genre", genre, 0.0, 0.35, daypart, "tv", position)
        seen = 6
        model.fold(x[None], np.array([seen]), np.array([rng.binomial(seen, rate)]))
    model.refit()
    night = model.scores(np.array([space.features("genre", g, 0.0, 0.35, "night", "tv", None) for g in GENRES]))
    morning = model.scores(np.array([space.features("genre", g, 0.0, 0.35, "morning", "tv", None) for g in GENRES]))
    assert np.argmax(night) == GENRES.index("Horror")
    assert morning[GENRES.index("Horror")] < night[GENRES.index("Horror")]


def test_a_learned_order_says_where_it_departs_from_the_rules_and_why():
    from types import SimpleNamespace

    from personalization.row_order import ROW_KINDS, RowModel, RowOrdering, RowSpace

    space = RowSpace(("Comedy", "Drama"))
    model = RowModel(space)
    model.theta = model.theta.copy()
    model.theta[ROW_KINDS.index("new")] += 1.0  # learned: New Releases get far more clicks than the rules think
    model.theta[ROW_KINDS.index("trending")] -= 1.0  # and Trending far fewer
    model.theta[ROW_KINDS.index("top_picks")] -= 2.0  # and Top Picks fewer still: but it is anchored
    rows = [("top_picks", "", 3.5), ("trending", "", 3.0), ("top10", "", 2.0), ("genre", "Comedy", 1.5),
            ("genre", "Drama", 1.4), ("new", "", 1.0)]  # fmt: skip
    candidates = [SimpleNamespace(key=f"{kind}:{genre}", kind=kind, genre=genre) for kind, genre, _ in rows]
    priorities = {
        c.key: SimpleNamespace(lift=0.0, total=total) for c, (*_, total) in zip(candidates, rows, strict=True)
    }
    ordering = RowOrdering("learned", "evening", "desktop", model=model, rng=np.random.default_rng(3), temperature=0.5)

    drawn = [c.key for c in ordering(candidates, priorities)]

    x = {
        c.key: space.features(c.kind, c.genre, 0.0, priorities[c.key].total, "evening", "desktop", None)
        for c in candidates
    }
    by_rules = [c.key for c in sorted(candidates, key=lambda c: -priorities[c.key].total)]
    anchored = [k for k in by_rules if k.startswith("top_picks")]  # the rules' places, whatever the model says
    by_model = anchored + sorted((k for k in by_rules if k not in anchored), key=lambda k: -float(x[k] @ model.theta))
    assert drawn[0] == "top_picks:"
    for key in by_rules:
        said = ordering.explain(key, "what it is · the rules' reason")
        if by_model.index(key) < by_rules.index(key):
            assert said == ("what it is · higher than the rules put it: the row model learned rows like it get more "
                            "clicks in the evening on a desktop")  # fmt: skip
        elif by_model.index(key) > by_rules.index(key):
            assert said.startswith(
                "what it is · lower than the rules put it: the row model learned rows like it get fewer"
            )
        elif drawn.index(key) != by_model.index(key):
            explored = "moved by exploration (the order is drawn at random around the model's)"
            assert said == f"what it is · the rules' reason · {explored}"
        else:
            assert said == "what it is · the rules' reason"
    assert "higher than the rules" in ordering.explain("new:", "r")
    assert "lower than the rules" in ordering.explain("trending:", "r")
    assert ordering.explain("top_picks:", "r") == "r"
    rules = RowOrdering("rules", "evening", "desktop")
    rules(candidates, priorities)
    assert rules.explain("new:", "the rules' reason") == "the rules' reason"
