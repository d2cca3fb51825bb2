"""Offline metrics and the protocol split, checked against hand-computed numbers and independent loops."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from personalization.recommender import RecommenderParams, train
from personalization.recommender.protocol import (
    popularity_baseline,
    protocol_split,
    ranking_metrics,
    rating_cv,
    recommend_all,
    relevant_items,
)


def _reference_metrics(recommended, relevant, k):
    """Straightforward per-user loop with 1-based ranks, written independently of the code under test."""
    totals = {"p": 0.0, "r": 0.0, "ndcg": 0.0}
    users = 0
    for user in relevant:
        wanted = relevant[user]
        if len(wanted) == 0:
            continue
        users += 1
        top = recommended.get(user, [])[:k]
        hits = 0
        dcg = 0.0
        for rank, item in enumerate(top, start=1):
            if item in wanted:
                hits += 1
                dcg += 1.0 / math.log2(rank + 1)
        ideal = 0.0
        for rank in range(1, min(k, len(wanted)) + 1):
            ideal += 1.0 / math.log2(rank + 1)
        totals["p"] += hits / k
        totals["r"] += hits / len(wanted)
        totals["ndcg"] += dcg / ideal
    return {name: value / users for name, value in totals.items()}, users


def test_it_computes_a_known_ranking_by_hand():
    recommended = {1: [10, 11, 12, 13]}
    relevant = {1: {11, 13, 99}}

    metrics = ranking_metrics(recommended, relevant, k=4)

    dcg = 1 / math.log2(3) + 1 / math.log2(5)  # hits at ranks 2 and 4
    ideal = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)  # 3 relevant, k = 4
    assert metrics["p_at_k"] == pytest.approx(2 / 4)
    assert metrics["r_at_k"] == pytest.approx(2 / 3)
    assert metrics["ndcg_at_k"] == pytest.approx(dcg / ideal)
    assert metrics["ndcg_at_k"] == pytest.approx(1.0616063 / 2.1309298)  # (0.6309 + 0.4307) / (1 + 0.6309 + 0.5)


def test_a_perfect_ranking_scores_one_even_with_fewer_relevant_than_k():
    metrics = ranking_metrics({1: [5, 6, 1, 2, 3]}, {1: {5, 6}}, k=5)

    assert metrics["ndcg_at_k"] == pytest.approx(1.0)
    assert metrics["r_at_k"] == pytest.approx(1.0)
    assert metrics["p_at_k"] == pytest.approx(2 / 5)


def test_it_matches_a_brute_force_reference_on_random_lists():
    rng = random.Random(7)
    recommended, relevant = {}, {}
    for user in range(40):
        recommended[user] = rng.sample(range(30), 12)
        relevant[user] = set(rng.sample(range(30), rng.randint(0, 8)))

    for k in (1, 5, 10):
        expected, n_users = _reference_metrics(recommended, relevant, k)
        metrics = ranking_metrics(recommended, relevant, k=k)
        assert metrics["n_users"] == n_users
        assert metrics["p_at_k"] == pytest.approx(expected["p"])
        assert metrics["r_at_k"] == pytest.approx(expected["r"])
        assert metrics["ndcg_at_k"] == pytest.approx(expected["ndcg"])


def test_it_skips_users_without_relevant_items():
    recommended = {1: [1, 2], 2: [3, 4], 3: [5, 6]}
    relevant = {1: {1}, 2: set()}  # user 2 has none, user 3 is absent

    metrics = ranking_metrics(recommended, relevant, k=2)

    assert metrics["n_users"] == 1
    assert metrics["ndcg_at_k"] == pytest.approx(1.0)


def test_a_user_with_relevant_items_but_no_list_counts_as_all_misses():
    metrics = ranking_metrics({1: [1]}, {1: {1}, 2: {7}}, k=1)

    assert metrics["n_users"] == 2
    assert metrics["p_at_k"] == pytest.approx(0.5)


def _frame(sizes: dict[int, int]) -> pd.DataFrame:
    rows = []
    for user, size in sizes.items():
        for index in range(size):
            rows.append({"userId": user, "movieId": 1000 + index, "rating": 1 + index % 5, "timestamp": index})
    return pd.DataFrame(rows)


def test_the_split_holds_out_the_first_fifth_of_each_users_shuffled_rows():
    sizes = {1: 1, 2: 4, 3: 5, 4: 10, 5: 11, 6: 23}
    df = _frame(sizes)

    train_df, test_df = protocol_split(df)

    test_counts = test_df.groupby("userId").size().to_dict()
    for user, size in sizes.items():
        assert test_counts[user] == math.ceil(0.2 * size)  # cumcount < 0.2 * size
    assert len(train_df) + len(test_df) == len(df)
    assert not set(train_df.index) & set(test_df.index)
    # Independently: walk the seed-0 shuffle and give each user's first ceil(20%) rows to test.
    seen: dict[int, int] = {}
    expected_test = set()
    for index, row in df.sample(frac=1, random_state=0).iterrows():
        seen[row["userId"]] = seen.get(row["userId"], 0) + 1
        if seen[row["userId"]] <= math.ceil(0.2 * sizes[row["userId"]]):
            expected_test.add(index)
    assert set(test_df.index) == expected_test


def test_relevant_items_are_test_rows_rated_four_or_more():
    test_df = pd.DataFrame({"userId": [1, 1, 2, 3], "movieId": [10, 11, 12, 13], "rating": [4.0, 3.5, 5.0, 1.0]})

    assert relevant_items(test_df) == {1: {10}, 2: {12}}


def test_popularity_baseline_ranks_by_count_and_skips_seen_titles():
    train_df = pd.DataFrame(
        {"userId": [1, 2, 3, 1, 2, 3, 4], "movieId": [50, 50, 50, 60, 60, 70, 80], "rating": [4.0] * 7}
    )

    picks = popularity_baseline(train_df, [1, 4, 9], k=2)

    assert picks[1] == [70, 80]  # 50 and 60 seen; 70 and 80 tie at 1, lower id first
    assert picks[4] == [50, 60]
    assert picks[9] == [50, 60]


def test_recommend_all_ranks_from_zero_and_excludes_each_users_history():
    ratings = pd.DataFrame(
        {
            "user": [1, 1, 2, 2, 3, 3, 3],
            "item": [10, 11, 10, 12, 11, 12, 13],
            "rating": [5.0, 4.0, 4.0, 5.0, 3.0, 4.0, 5.0],
        }
    )
    model = train(ratings, params=RecommenderParams(ease_min_count=1, ease_lambda=1.0, n_epochs=5))

    frame = recommend_all(model, [1, 2, 3], k=2)

    assert list(frame.columns) == ["userId", "movieId", "rank"]
    for user, group in frame.groupby("userId"):
        assert list(group["rank"]) == list(range(len(group)))
        assert not set(group["movieId"]) & set(ratings.loc[ratings["user"] == user, "item"])
    assert len(frame[frame["userId"] == 3]) == 1  # user 3 has seen 3 of the 4 titles


def test_rating_cv_is_deterministic_and_refuses_other_columns():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"userId": rng.integers(0, 30, 600), "movieId": rng.integers(0, 40, 600), "rating": rng.integers(1, 6, 600)}
    ).drop_duplicates(["userId", "movieId"])
    params = RecommenderParams(n_epochs=5)

    first, second = rating_cv(df, params), rating_cv(df, params)

    assert first["rmse"] == second["rmse"]
    assert 0 < first["mae"] <= first["rmse"]
    with pytest.raises(ValueError, match="userId"):
        rating_cv(df.rename(columns={"userId": "user"}), params)
