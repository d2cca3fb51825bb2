"""Offline metrics and the protocol split, checked against hand-computed numbers and independent loops."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from personalization.recommender import RecommenderParams, train
from personalization.recommender.content import movielens_items
from personalization.recommender.protocol import (
    ABLATION_GROUPS,
    because_pairs,
    bootstrap_indices,
    bootstrap_interval,
    evaluate,
    per_user_ndcg,
    popularity_baseline,
    protocol_split,
    ranking_metrics,
    rating_cv,
    recommend_all,
    relevant_items,
)
from personalization.recommender.training import holdout_split
from tests.factories import write_clustered_movielens


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


def test_the_bootstrap_interval_is_the_percentile_of_resampled_means():
    rng = np.random.default_rng(5)
    values = rng.normal(size=37)

    indices = bootstrap_indices(37)
    low, high = bootstrap_interval(values, indices)

    # The resamples are 1,000 rows of 37 user indices drawn with seed 0 ...
    np.testing.assert_array_equal(indices, np.random.default_rng(0).integers(0, 37, size=(1000, 37)))
    # ... and the interval the 2.5th / 97.5th percentiles of their means, interpolated linearly.
    means = sorted(sum(values[j] for j in row) / 37 for row in indices.tolist())
    position = 0.025 * 999
    expected_low = means[24] + (position - 24) * (means[25] - means[24])
    position = 0.975 * 999
    expected_high = means[974] + (position - 974) * (means[975] - means[974])
    assert low == pytest.approx(expected_low) and high == pytest.approx(expected_high)


def test_the_bootstrap_interval_agrees_with_the_normal_approximation_on_many_users():
    values = np.random.default_rng(6).uniform(size=3000)

    low, high = bootstrap_interval(values, bootstrap_indices(3000))

    half_width = 1.96 * values.std(ddof=1) / math.sqrt(3000)
    assert low == pytest.approx(values.mean() - half_width, abs=0.15 * half_width)
    assert high == pytest.approx(values.mean() + half_width, abs=0.15 * half_width)


def test_per_user_ndcg_lines_up_with_the_mean_and_skips_users_without_relevant_items():
    recommended = {1: [5, 6], 2: [7, 8], 3: [9]}
    relevant = {2: {8}, 1: {5, 6}, 4: set()}

    values = per_user_ndcg(recommended, relevant, k=2)

    assert values.tolist() == pytest.approx([1.0, (1 / math.log2(3)) / 1.0])  # users 1, 2 in order
    assert ranking_metrics(recommended, relevant, k=2)["ndcg_at_k"] == pytest.approx(values.mean())


def test_because_pairs_are_each_users_last_two_liked_titles_in_time_order():
    frame = pd.DataFrame(
        {
            "userId": [1, 1, 1, 1, 2, 2, 3, 3, 3],
            "movieId": [10, 11, 12, 13, 20, 21, 30, 31, 32],
            "rating": [5.0, 4.0, 2.0, 4.5, 4.0, 3.0, 4.0, 4.0, 5.0],
            "timestamp": [1, 5, 9, 3, 1, 2, 7, 7, 1],
        }
    )

    seeds, hidden = because_pairs(frame)

    # A loop over users: liked titles sorted by (time, id); the last is hidden, the one before seeds.
    expected = {}
    for user, group in frame.groupby("userId"):
        liked = sorted((t, m) for m, r, t in zip(group.movieId, group.rating, group.timestamp, strict=True) if r >= 4)
        if len(liked) >= 2:
            expected[user] = (liked[-2][1], liked[-1][1])
    assert {user: (seeds[user], hidden[user]) for user in seeds.index} == expected
    assert expected == {1: (13, 11), 3: (30, 31)}  # user 2 has one liked title


def test_evaluate_with_ablation_pairs_every_group_against_the_full_model(tmp_path):
    directory = write_clustered_movielens(tmp_path / "ml", titles_per_cluster=12, users_per_cluster=20)
    ratings = pd.read_csv(directory / "ratings.csv")
    items = movielens_items(pd.read_csv(directory / "movies.csv"))
    params = RecommenderParams(
        ease_min_count=1, ease_lambda=5.0, n_epochs=10, implicit_epochs=5, ranker_rounds=10, ranker_min_data_in_leaf=5
    )

    metrics = evaluate(ratings, items, params, ablation=True)

    assert [row["without"] for row in metrics["ablation"]] == list(ABLATION_GROUPS)
    for row in metrics["ablation"]:
        assert row["delta"] == pytest.approx(row["ndcg_at_10"] - metrics["ndcg_at_10"])
        assert row["delta_ci_low"] <= row["delta"] <= row["delta_ci_high"]
    assert metrics["ndcg_at_10_ci_low"] <= metrics["ndcg_at_10"] <= metrics["ndcg_at_10_ci_high"]
    assert len(metrics["match_calibration"]) == 10
    assert sum(row["n"] for row in metrics["match_calibration"]) > 0
    assert {f"because_hit_rate_at_20_{kind}" for kind in ("factors", "ease", "cowatch", "content", "blend")} <= set(
        metrics
    )
    # Clusters share genres: content alone finds the hidden title's cluster mates.
    assert metrics["because_hit_rate_at_20_content"] > 0.5


def test_the_inner_folds_hold_out_each_fifth_of_the_shuffle_once_and_fold_0_is_the_inner_split():
    sizes = {user: size for user, size in enumerate([1, 2, 3, 4, 5, 6, 7, 10, 11, 15, 23, 25, 35, 60], 1)}
    df = _frame(sizes)
    # Independently: walk the seed-1 shuffle; a user's j-th row (0-based) of n goes to the fold f with
    # 0.2 f n <= j < 0.2 (f + 1) n, i.e. f = floor(5 j / n).
    position: dict[int, int] = {}
    expected: dict[int, set[int]] = {fold: set() for fold in range(5)}
    for index, row in df.sample(frac=1, random_state=1).iterrows():
        j = position.get(row["userId"], 0)
        position[row["userId"]] = j + 1
        expected[(5 * j) // sizes[row["userId"]]].add(index)

    held = {}
    for fold in range(5):
        kept, held[fold] = holdout_split(df, "userId", 1, fold)
        assert set(held[fold].index) == expected[fold]
        assert set(kept.index) == set(df.index) - expected[fold]
    assert sorted(index for fold in held.values() for index in fold.index) == sorted(df.index)
    default_kept, default_held = holdout_split(df, "userId", 1)
    assert set(default_held.index) == set(held[0].index) and set(default_kept.index) == set(held[0].index) ^ set(
        df.index
    )
    with pytest.raises(ValueError, match="fold"):
        holdout_split(df, "userId", 1, 5)
