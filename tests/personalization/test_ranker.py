"""Stage 1 and stage 2 of the recommender on tiny hand-made arrays, against brute-force computations."""

from __future__ import annotations

import math

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from personalization.recommender import RecommenderParams, features
from personalization.recommender.calibration import fit_calibration, reliability_table
from personalization.recommender.content import build_content, movielens_items
from personalization.recommender.features import (
    DAY,
    FEATURES,
    TIME_KEY,
    ItemArrays,
    ViewerBlock,
    _search_within,
    candidate_pairs,
    feature_matrix,
    feature_names,
    popular_then,
)
from personalization.recommender.ranker import Ranker, _training_rows, fit_ranker
from personalization.recommender.similar import blend, cowatch_cosine, neighbours

N_ITEMS = 8


def _items(**overrides) -> ItemArrays:
    values = {
        "popularity": np.array([50, 40, 30, 20, 10, 5, 3, 1]),
        "recent": np.array([5, 0, 30, 0, 1, 0, 0, 1], dtype=float),
        "rated": np.array([50, 40, 30, 20, 10, 5, 3, 2], dtype=float),
        "item_bias": np.linspace(-0.4, 0.3, N_ITEMS),
        "year": np.array([1990, 1995, 2000, 2005, 2010, np.nan, 2015, 2018], dtype=float),
        "time_keys": np.empty(0, dtype=np.int64),
        "data_end": 1_500_000_000.0,
    }
    values.update(overrides)
    return ItemArrays(**values)


def _block() -> ViewerBlock:
    rng = np.random.default_rng(4)
    seen = np.zeros((2, N_ITEMS), dtype=bool)
    seen[0, [0, 3]] = True
    seen[1, [1]] = True
    return ViewerBlock(
        ease=rng.normal(size=(2, N_ITEMS)),
        stars=rng.uniform(1, 5, size=(2, N_ITEMS)),
        implicit=rng.normal(size=(2, N_ITEMS)),
        genre=rng.uniform(0, 1, size=(2, N_ITEMS)),
        tag=rng.uniform(0, 1, size=(2, N_ITEMS)),
        seen=seen,
        thumbed_down=np.zeros((2, N_ITEMS), dtype=bool),
        user_bias=np.array([0.2, -0.1]),
        history_size=np.array([2.0, 1.0]),
        first_active=np.array([1_400_000_000.0, 1_450_000_000.0]),
        last_active=np.array([1_480_000_000.0, 1_500_000_000.0]),
    )


def _brute_force_candidates(block, items, k, groups):
    generators = {
        "ease": ("ease", block.ease),
        "stars": ("surprise", block.stars),
        "implicit": ("surprise", block.implicit),
        "popularity": ("popularity", np.tile(items.popularity.astype(float), (2, 1))),
        "trend": ("popularity", np.tile(items.recent, (2, 1))),
        "genre": ("content", block.genre),
    }
    pairs = set()
    for group, values in generators.values():
        if group not in groups:
            continue
        for row in range(2):
            unseen = [j for j in range(N_ITEMS) if not block.seen[row, j]]
            # best first, ties to the lower index
            ranked = sorted(unseen, key=lambda j, row=row, values=values: (-values[row, j], j))
            pairs |= {(row, j) for j in ranked[:k]}
    return sorted(pairs)


@pytest.mark.parametrize("without", [(), ("surprise",), ("ease", "content")])
def test_candidates_are_the_deduplicated_union_of_each_generators_top_unseen_titles(without):
    block, items = _block(), _items()
    params = RecommenderParams(candidates_per_generator=2, without=without)

    rows, cols = candidate_pairs(block, items, params)

    groups = {"ease", "surprise", "popularity", "content"} - set(without)
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == _brute_force_candidates(block, items, 2, groups)
    assert not block.seen[rows, cols].any()


@pytest.mark.parametrize("n_viewers", [1, 3])  # one viewer's page counts in buckets, a block sorts
def test_candidates_and_ranks_match_full_sorts_on_thousands_of_tied_titles(n_viewers, monkeypatch):
    monkeypatch.setattr(features, "COUNT_FROM_TITLES", 0)  # bucket these 3,000 titles too
    # Mostly exact zeros (EASE outside its item model), half stars, a coarse genre affinity: ties
    # everywhere, and enough titles for the counting in `order` to bucket them.
    rng = np.random.default_rng(11)
    n_items, k = 3000, 40
    shape = (n_viewers, n_items)
    seen = rng.random(shape) < 0.1
    block = ViewerBlock(
        ease=np.where(rng.random(shape) < 0.85, 0.0, np.round(rng.normal(size=shape), 2)),
        stars=np.round(rng.uniform(0.5, 5, size=shape) * 2) / 2,
        implicit=rng.normal(size=shape),
        genre=np.round(rng.uniform(0, 1, size=shape), 1),
        tag=np.zeros(shape),
        seen=seen,
        thumbed_down=np.zeros(shape, dtype=bool),
        user_bias=np.zeros(n_viewers),
        history_size=seen.sum(axis=1).astype(float),
        first_active=np.full(n_viewers, 1_400_000_000.0),
        last_active=np.full(n_viewers, 1_500_000_000.0),
    )
    items = ItemArrays(
        popularity=rng.integers(0, 30, n_items),
        recent=rng.integers(0, 5, n_items).astype(float),
        rated=np.full(n_items, 30.0),
        item_bias=np.zeros(n_items),
        year=np.full(n_items, 2000.0),
        time_keys=np.empty(0, dtype=np.int64),
        data_end=1_500_000_000.0,
    )
    params = RecommenderParams(candidates_per_generator=k)

    rows, cols = candidate_pairs(block, items, params)
    matrix = feature_matrix(block, items, rows, cols, params)

    ranked = {"ease": block.ease, "stars": block.stars, "implicit": block.implicit}  # compared in float32
    generators = {name: values.astype(np.float32) for name, values in ranked.items()}
    generators |= {"genre": block.genre, "popularity": np.tile(items.popularity, (n_viewers, 1))}
    generators["trend"] = np.tile(items.recent, (n_viewers, 1))
    expected = set()
    for row in range(n_viewers):
        unseen = np.flatnonzero(~seen[row])
        for values in generators.values():
            best_first = unseen[np.lexsort((unseen, -values[row, unseen]))]  # a full sort, ties to the lower position
            expected |= {(row, int(col)) for col in best_first[:k]}
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == sorted(expected)
    names = feature_names(params)
    for name in ranked:
        values = generators[name]
        unseen_values = [values[row, ~seen[row]] for row in range(n_viewers)]
        expected_ranks = [
            int(np.sum(unseen_values[row] > values[row, col])) for row, col in zip(rows, cols, strict=True)
        ]
        assert matrix[:, names.index(f"{name}_rank")].tolist() == expected_ranks


def test_popularity_ties_break_towards_the_lower_index_in_candidates():
    block = _block()
    items = _items(popularity=np.array([5, 5, 5, 5, 5, 5, 5, 5]), recent=np.zeros(N_ITEMS))
    params = RecommenderParams(candidates_per_generator=2, without=("ease", "surprise", "content"))

    rows, cols = candidate_pairs(block, items, params)

    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 0), (1, 2)]


def test_features_match_a_hand_computation():
    block, items = _block(), _items()
    timestamps = {2: [1_390_000_000, 1_430_000_000, 1_495_000_000], 4: [1_300_000_000]}
    keys = np.sort([item * TIME_KEY + t for item, times in timestamps.items() for t in times])
    items = _items(time_keys=np.asarray(keys, dtype=np.int64))
    params = RecommenderParams(active_window_days=100)
    rows, cols = np.array([0, 0, 1]), np.array([2, 4, 5])

    matrix = feature_matrix(block, items, rows, cols, params)

    assert [name for name, _ in FEATURES] == feature_names(params)  # nothing left out
    column = {name: matrix[:, index] for index, name in enumerate(feature_names(params))}
    for index, (row, col) in enumerate(zip(rows, cols, strict=True)):
        unseen = [j for j in range(N_ITEMS) if not block.seen[row, j]]
        best = max(block.ease[row, j] for j in unseen)
        assert column["ease_score"][index] == pytest.approx(block.ease[row, col])
        assert column["ease_rank"][index] == sum(block.ease[row, j] > block.ease[row, col] for j in unseen)
        assert column["ease_share"][index] == pytest.approx(block.ease[row, col] / best if best > 0 else 0.0)
        assert column["stars_rank"][index] == sum(block.stars[row, j] > block.stars[row, col] for j in unseen)
        assert column["implicit_rank"][index] == sum(block.implicit[row, j] > block.implicit[row, col] for j in unseen)
        assert column["user_bias"][index] == pytest.approx(block.user_bias[row])
        assert column["item_bias"][index] == pytest.approx(items.item_bias[col])
        assert column["log_popularity"][index] == pytest.approx(math.log(1 + items.popularity[col]))
        by_popularity = sorted(range(N_ITEMS), key=lambda j: (-items.popularity[j], j))
        assert column["popularity_rank"][index] == by_popularity.index(col)
        assert column["trend_share"][index] == pytest.approx(items.recent[col] / items.rated[col])
        low = block.first_active[row] - 100 * DAY
        high = block.last_active[row] + 100 * DAY
        within = sum(low <= t <= high for t in timestamps.get(col, []))
        assert column["popular_then"][index] == pytest.approx(math.log(1 + within))
        assert column["genre_affinity"][index] == pytest.approx(block.genre[row, col])
        last_year = 1970 + block.last_active[row] / (365.25 * 86400)
        if np.isnan(items.year[col]):
            assert np.isnan(column["year_gap"][index])
        else:
            assert column["year_gap"][index] == pytest.approx(last_year - items.year[col], abs=1e-3)
        assert column["log_history"][index] == pytest.approx(math.log(1 + block.history_size[row]))
        days = (items.data_end - block.last_active[row]) / 86400
        assert column["days_since_active"][index] == pytest.approx(days, rel=1e-5)


@pytest.mark.parametrize("in_step_from", [0, 10**9])  # binary searches in step; np.searchsorted
def test_popular_then_counts_each_titles_ratings_in_the_window_including_its_ends(in_step_from, monkeypatch):
    monkeypatch.setattr(features, "SEARCH_IN_STEP_FROM_KEYS", in_step_from)
    rng = np.random.default_rng(3)
    n_items = 40
    times = {item: rng.integers(0, 1000, rng.integers(0, 60)) for item in range(n_items)}  # repeats included
    keys = np.sort([item * TIME_KEY + t for item, stamps in times.items() for t in stamps]).astype(np.int64)
    items = _items(
        popularity=np.ones(n_items), recent=np.zeros(n_items), rated=np.ones(n_items), item_bias=np.zeros(n_items),
        year=np.zeros(n_items), time_keys=keys,
    )  # fmt: skip
    cols = rng.integers(0, n_items, 300)
    first = rng.integers(0, 1000, 300).astype(float)
    # Windows starting exactly on a rating's time, and windows reaching past either end of the clock.
    first[:20] = [times[col][0] + 50 if len(times[col]) else 0 for col in cols[:20]]
    last = first + rng.integers(0, 300, 300)
    last[20:40] = [times[col][-1] - 50 if len(times[col]) else 0 for col in cols[20:40]]
    first[20:40] = np.minimum(first[20:40], last[20:40])
    first[40:50], last[40:50] = -5_000.0, 5_000.0

    counted = popular_then(items, cols, first, last, window=50)

    expected = [
        np.sum((times[c] >= lo - 50) & (times[c] <= hi + 50)) for c, lo, hi in zip(cols, first, last, strict=True)
    ]
    assert counted.tolist() == expected


def test_searches_within_known_brackets_find_what_searchsorted_finds():
    rng = np.random.default_rng(5)
    for _ in range(300):
        keys = np.sort(rng.integers(0, 40, rng.integers(0, 60)))
        queries = rng.integers(-3, 45, 50)
        answers = np.searchsorted(keys, queries)
        lo = np.array([rng.integers(0, answer + 1) for answer in answers], dtype=np.int64)
        hi = np.array([rng.integers(answer, len(keys) + 1) for answer in answers], dtype=np.int64)

        assert _search_within(keys, lo, hi, queries).tolist() == answers.tolist()


def test_a_left_out_group_leaves_the_feature_matrix():
    block, items = _block(), _items()
    params = RecommenderParams(without=("surprise", "viewer"))

    matrix = feature_matrix(block, items, np.array([0]), np.array([2]), params)

    names = feature_names(params)
    assert matrix.shape == (1, len(names))
    assert "stars" not in names and "log_history" not in names and "ease_score" in names


def _ndcg_at(scores: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    order = np.argsort(-scores, kind="stable")[:k]
    gains = (2.0 ** labels[order] - 1) / np.log2(np.arange(2, len(order) + 2))
    ideal_order = np.sort(labels)[::-1][:k]
    ideal = ((2.0**ideal_order - 1) / np.log2(np.arange(2, len(ideal_order) + 2))).sum()
    return gains.sum() / ideal if ideal > 0 else 0.0


def test_the_ranker_learns_a_planted_signal_and_ignores_noise():
    rng = np.random.default_rng(0)
    queries, per_query = 120, 40
    rows = np.repeat(np.arange(queries), per_query)
    signal = rng.normal(size=len(rows))
    noise = rng.normal(size=len(rows))
    labels = np.zeros(len(rows), dtype=np.int64)
    for query in range(queries):  # the three highest signals of each query are relevant
        span = np.flatnonzero(rows == query)
        labels[span[np.argsort(-signal[span])[:3]]] = 2
    features = np.column_stack([noise, signal]).astype(np.float32)
    params = RecommenderParams(ranker_min_data_in_leaf=20, ranker_rounds=50, ranker_negatives=1000)

    ranker = fit_ranker(features, labels, rows, ["noise", "signal"], params)

    test_signal, test_noise = rng.normal(size=per_query), rng.normal(size=per_query)
    test_labels = np.zeros(per_query)
    test_labels[np.argsort(-test_signal)[:3]] = 2
    scores = ranker.predict(np.column_stack([test_noise, test_signal]).astype(np.float32))
    assert _ndcg_at(scores, test_labels) > 0.9
    assert _ndcg_at(test_noise, test_labels) < 0.7  # the noise alone would not do it
    gain = ranker.importance()
    assert gain["signal"] > 10 * gain["noise"]


def test_ranker_training_keeps_every_label_and_samples_the_rest():
    rows = np.repeat(np.arange(4), 10)
    labels = np.zeros(40, dtype=np.int64)
    labels[[1, 2, 15]] = [2, 1, 2]  # viewer 0 has two labelled, viewer 1 one; 2 and 3 none

    keep = _training_rows(rows, labels, negatives=3, seed=0)

    assert keep[[1, 2, 15]].all()
    counts = np.bincount(rows[keep], minlength=4)
    assert counts.tolist() == [2 + 3, 1 + 3, 0, 0]  # viewers without a positive teach nothing
    assert not np.array_equal(keep, _training_rows(rows, labels, negatives=3, seed=1))


def test_a_ranker_without_any_labelled_query_is_empty_and_scores_zero():
    ranker = fit_ranker(
        np.ones((5, 2), dtype=np.float32), np.zeros(5), np.zeros(5, dtype=int), ["a", "b"], RecommenderParams()
    )
    assert ranker.model_string == "" and ranker.predict(np.ones((3, 2))).tolist() == [0, 0, 0]


def _pava(values: list[float]) -> list[list[float]]:
    """Pool-adjacent-violators written out, for an independent isotonic fit: [value, count] per block."""
    blocks = [[value, 1] for value in values]
    merged = True
    while merged:
        merged = False
        for index in range(len(blocks) - 1):
            if blocks[index][0] > blocks[index + 1][0]:
                total = blocks[index][0] * blocks[index][1] + blocks[index + 1][0] * blocks[index + 1][1]
                count = blocks[index][1] + blocks[index + 1][1]
                blocks[index : index + 2] = [[total / count, count]]
                merged = True
                break
    pooled: list[list[float]] = []
    for value, count in blocks:  # equal neighbours form one block too
        if pooled and pooled[-1][0] == value:
            pooled[-1][1] += count
        else:
            pooled.append([value, count])
    return pooled


def test_the_calibration_is_an_isotonic_fit_of_liked_on_predicted_stars():
    rng = np.random.default_rng(1)
    predicted = np.sort(rng.uniform(1, 5, 300))
    liked = (rng.uniform(size=300) < (predicted - 1) / 4).astype(float)

    calibration = fit_calibration(predicted, liked)

    start = 0
    for value, count in _pava(liked.tolist()):  # at each pooled block's mean prediction: its share liked
        centre = predicted[start : start + count].mean()
        assert calibration(np.array([centre]))[0] == pytest.approx(value, abs=1e-9)
        start += count
    assert np.all(np.diff(calibration(np.linspace(0, 6, 50))) >= 0)
    assert np.isnan(calibration(np.array([np.nan]))[0])


def test_too_few_ratings_keep_the_badge_as_stars_out_of_five():
    calibration = fit_calibration(np.array([4.0, 2.0]), np.array([1.0, 0.0]))
    assert calibration(np.array([4.5]))[0] == pytest.approx(0.9)


def test_the_reliability_table_counts_each_badge_decile():
    probability = np.array([0.05, 0.15, 0.12, 0.95, 1.0, 0.91])
    liked = np.array([0, 1, 0, 1, 1, 0])

    table = reliability_table(probability, liked)

    assert len(table) == 10
    assert [row["n"] for row in table] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 3]
    assert table[1]["share_liked"] == pytest.approx(0.5) and table[1]["mean_badge"] == pytest.approx(0.135)
    assert table[9]["share_liked"] == pytest.approx(2 / 3)


def test_content_from_movielens_files_aligns_with_the_model_index():
    movies = pd.DataFrame(
        {
            "movieId": [10, 20, 30],
            "title": ["Alpha (1999)", "Beta (2004) ", "Gamma"],
            "genres": ["Action|Comedy", "Comedy", "(no genres listed)"],
        }
    )
    tags = pd.DataFrame({"movieId": [10, 10, 20], "tag": ["Funny ", "funny", "dark"]})
    items = movielens_items(movies, tags)

    content = build_content(items, np.array([5, 10, 20, 30]))

    np.testing.assert_array_equal(content.year[[1, 2]], [1999, 2004])
    assert np.isnan(content.year[0]) and np.isnan(content.year[3])
    genres = content.genres.toarray()  # vocabulary sorted: action, comedy
    np.testing.assert_allclose(genres[1], [1 / math.sqrt(2), 1 / math.sqrt(2)])
    np.testing.assert_allclose(genres[2], [0, 1])
    assert not genres[[0, 3]].any()  # unknown title, and "(no genres listed)"
    tag_rows = content.tags.toarray()
    assert tag_rows[1].nonzero()[0].tolist() != tag_rows[2].nonzero()[0].tolist()
    np.testing.assert_allclose(np.linalg.norm(tag_rows[[1, 2]], axis=1), 1.0)
    profile_genres, _ = content.profile(np.array([1, 2]), np.array([1.0, 1.0]))
    expected = genres[1] + genres[2]
    np.testing.assert_allclose(profile_genres, expected / np.linalg.norm(expected))


def test_cowatch_cosine_and_the_blend_match_a_brute_force_count():
    rng = np.random.default_rng(2)
    watched = (rng.uniform(size=(30, 12)) < 0.3).astype(float)
    by_user = sp.csr_matrix(watched)

    similarity = cowatch_cosine(by_user.T.tocsr(), by_user, 3)

    for j in range(12):
        both = np.sum((watched[:, 3] > 0) & (watched[:, j] > 0))
        scale = math.sqrt(watched[:, 3].sum() * watched[:, j].sum())
        assert similarity[j] == pytest.approx(both / scale if scale else 0.0)
    content = rng.uniform(size=12)
    assert blend(similarity, content, 20, 20) == pytest.approx(0.5 * similarity + 0.5 * content)
    assert blend(similarity, content, 0, 20) == pytest.approx(content)  # nobody watched it: content only


def test_neighbours_drop_the_seed_rare_titles_and_those_below_the_floor():
    similarity = np.array([1.0, 0.9, 0.05, 0.8, 0.7, 0.3])
    popularity = np.array([50, 50, 50, 2, 50, 50])

    found = neighbours(similarity, 0, popularity, 10, min_viewers=5, floor=0.1)

    assert found.tolist() == [1, 4, 5]


def test_the_ranker_boosts_from_the_ease_share_it_was_started_at():
    rng = np.random.default_rng(3)
    rows = np.repeat(np.arange(60), 20)
    share = rng.uniform(size=len(rows))
    labels = np.zeros(len(rows), dtype=np.int64)
    labels[np.arange(60) * 20 + np.argmax(share.reshape(60, 20), axis=1)] = 2  # the best EASE title is liked
    features = np.column_stack([share, rng.normal(size=len(rows))]).astype(np.float32)
    params = RecommenderParams(ranker_base_weight=3.0, ranker_rounds=5, ranker_min_data_in_leaf=20)

    ranker = fit_ranker(features, labels, rows, ["ease_share", "noise"], params)

    booster = lgb.Booster(model_str=ranker.model_string)
    np.testing.assert_allclose(
        ranker.predict(features), 3.0 * features[:, 0].astype(np.float64) + booster.predict(features), rtol=1e-6
    )
    untrained = fit_ranker(features, np.zeros(len(rows)), rows, ["ease_share", "noise"], params)
    np.testing.assert_allclose(untrained.predict(features), 3.0 * features[:, 0], rtol=1e-6)  # EASE's own order
    assert fit_ranker(features, labels, rows, ["noise", "other"], params).base_weight == 0.0  # no EASE, no base


def _booster_with_missing_values(zero_as_missing: bool, categorical: bool = False) -> lgb.Booster:
    """A LambdaRank booster trained where features are NaN, exactly 0 and tiny, so its splits send
    missing values their own way ("NaN", or "Zero" with zero_as_missing)."""
    rng = np.random.default_rng(7)
    n = 3000
    x = rng.normal(size=(n, 4))
    x[rng.random(n) < 0.2, 0] = np.nan
    x[rng.random(n) < 0.3, 1] = 0.0
    x[:, 3] = rng.integers(0, 5, n)
    relevance = (np.nan_to_num(x[:, 0], nan=1.5) + (x[:, 1] == 0) + 0.3 * x[:, 2] + (x[:, 3] == 2)) > 1.2
    data = lgb.Dataset(
        x, relevance.astype(int), group=[30] * (n // 30), categorical_feature=[3] if categorical else "auto",
        params={"verbose": -1, "zero_as_missing": zero_as_missing},
    )  # fmt: skip
    params = {"objective": "lambdarank", "num_leaves": 7, "min_data_in_leaf": 5, "verbose": -1, "seed": 0}
    return lgb.train({**params, "zero_as_missing": zero_as_missing}, data, num_boost_round=40)


def _awkward_rows(booster: lgb.Booster) -> np.ndarray:
    """Random rows, plus every split's own threshold (and the floats either side), NaN, 0, -0.0, tiny
    and infinite values in every column."""
    rng = np.random.default_rng(8)
    thresholds = [
        node["threshold"]
        for tree in booster.dump_model()["tree_info"]
        for node in _nodes(tree["tree_structure"])
        if isinstance(node.get("threshold"), float)
    ]
    specials = [np.nan, 0.0, -0.0, 1e-40, -1e-40, 1e-35, 2e-35, np.inf, -np.inf]
    values = np.concatenate([thresholds, np.nextafter(thresholds, np.inf), np.nextafter(thresholds, -np.inf), specials])
    rows = rng.normal(size=(600, 4))
    rows[:, 3] = rng.integers(0, 5, 600)
    for column in range(4):  # each special value in each column, the others random
        picked = rng.choice(len(values), 150)
        rows[rng.choice(600, 150, replace=False), column] = values[picked]
    return rows


def _nodes(node: dict):
    yield node
    for child in ("left_child", "right_child"):
        if child in node:
            yield from _nodes(node[child])


@pytest.mark.parametrize("zero_as_missing", [False, True])
def test_one_viewers_rows_are_scored_by_the_flat_trees_exactly_as_lightgbm_scores_them(zero_as_missing):
    booster = _booster_with_missing_values(zero_as_missing)
    kinds = {n.get("missing_type") for t in booster.dump_model()["tree_info"] for n in _nodes(t["tree_structure"])}
    assert ("Zero" if zero_as_missing else "NaN") in kinds  # the missing-value rules are exercised
    ranker = Ranker(booster.model_to_string(), ["a", "b", "c", "d"])
    rows = _awkward_rows(booster)

    assert ranker._forest is not None
    for dtype in (np.float32, np.float64):  # a page's features are float32; LightGBM reads them as doubles
        features = rows.astype(dtype)
        np.testing.assert_array_equal(ranker.predict(features), booster.predict(features))


def test_a_booster_with_categorical_splits_is_scored_by_lightgbm_itself():
    booster = _booster_with_missing_values(False, categorical=True)
    ranker = Ranker(booster.model_to_string(), ["a", "b", "c", "d"])
    rows = _awkward_rows(booster)

    assert ranker._forest is None
    np.testing.assert_array_equal(ranker.predict(rows), booster.predict(rows))


def test_trees_that_never_split_are_summed_as_their_single_leaves():
    rng = np.random.default_rng(9)
    x, labels = rng.normal(size=(200, 3)), rng.integers(0, 2, 200)
    data = lgb.Dataset(x, labels, group=[20] * 10, params={"verbose": -1})
    params = {"objective": "lambdarank", "min_data_in_leaf": 500, "verbose": -1}  # more than there are rows
    booster = lgb.train(params, data, num_boost_round=3)
    ranker = Ranker(booster.model_to_string(), ["a", "b", "c"])

    assert ranker._forest is not None and len(ranker._forest.threshold) == 0
    np.testing.assert_array_equal(ranker.predict(x), booster.predict(x))
