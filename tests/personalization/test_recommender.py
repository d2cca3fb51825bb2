"""The recommender on small synthetic data where the right answer is obvious, and against Surprise itself."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from personalization.recommender import RecommenderModel, RecommenderParams, Viewer, train
from personalization.recommender import similar as similarity
from personalization.recommender.item_model import ItemModel, _inverse_gram, fit_item_model
from personalization.recommender.training import fold_candidates, holdout_split, train_parts

CLUSTER_A = list(range(100, 130))
CLUSTER_B = list(range(200, 230))
PARAMS = RecommenderParams(ease_min_count=1, ease_lambda=5.0, n_epochs=30)


def _two_cluster_ratings(seed: int = 0) -> pd.DataFrame:
    """24 users: 12 love cluster A and 12 love cluster B; each also rates two titles of the other one low."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(1, 25):
        own, other = (CLUSTER_A, CLUSTER_B) if user <= 12 else (CLUSTER_B, CLUSTER_A)
        for item in rng.choice(own, 14, replace=False):
            rows.append((user, int(item), float(rng.choice([4.0, 4.5, 5.0]))))
        for item in rng.choice(other, 2, replace=False):
            rows.append((user, int(item), float(rng.choice([1.0, 1.5, 2.0]))))
    return pd.DataFrame(rows, columns=["user", "item", "rating"])


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return _two_cluster_ratings()


@pytest.fixture(scope="module")
def model(ratings) -> RecommenderModel:
    return train(ratings, params=PARAMS)


def test_vectorised_predicted_ratings_equal_surprise_predict(model):
    algo = model.rating_algo
    rng = np.random.default_rng(1)
    for user in rng.choice(model.user_ids, 10, replace=False):
        predicted = model.predicted_ratings(model.viewer_for(int(user)), clip=False)
        for position in rng.choice(model.n_items, 20, replace=False):
            expected = algo.predict(int(user), int(model.item_ids[position]), clip=False).est
            assert abs(predicted[position] - expected) < 1e-9


def test_an_item_known_only_from_signals_gets_surprises_fallback_estimate(ratings):
    signals = pd.DataFrame({"user": [1, 2], "item": [999, 999], "kind": ["play", "my_list"]})
    model = train(ratings, signals, params=PARAMS)
    position = int(np.searchsorted(model.item_ids, 999))

    predicted = model.predicted_ratings(model.viewer_for(3), clip=False)

    assert abs(predicted[position] - model.rating_algo.predict(3, 999, clip=False).est) < 1e-9


def test_known_user_generator_scores_equal_an_independent_recomputation(ratings, model):
    """EASE by a direct inverse of the Gram matrix (the model takes the Woodbury route here: 24 users < 60
    items), the stars from the Surprise estimator's own parameters, the 0/1 model as p_u . q_i."""
    p = PARAMS
    users, items = np.unique(ratings["user"]), np.unique(ratings["item"])
    weights = np.zeros((len(users), len(items)))
    for user, item, stars in ratings.itertuples(index=False):
        weight = 1.0 if stars >= 4 else (0.75 if stars >= 3 else 0.25)
        weights[np.searchsorted(users, user), np.searchsorted(items, item)] = weight
    precision = np.linalg.inv(weights.T @ weights + p.ease_lambda * np.eye(len(items)))
    b = np.eye(len(items)) - precision / np.diag(precision)  # I - P diag(1/diag P): zero diagonal
    algo = model.rating_algo
    trainset = algo.trainset
    assert model.n_users < len(items)

    for user in (1, 13, 24):
        row = np.searchsorted(users, user)
        inner_user = trainset.to_inner_uid(user)
        inner_items = [trainset.to_inner_iid(item) for item in items]
        stars = (
            trainset.global_mean
            + algo.bu[inner_user]
            + algo.bi[inner_items]
            + algo.qi[inner_items] @ algo.pu[inner_user]
        )

        generated = model.generator_scores(model.viewer_for(user))

        np.testing.assert_allclose(generated["ease"], weights[row] @ b, rtol=1e-4, atol=1e-6)
        # The ranking features run in float32 (the badge's stars are float64: see the test above).
        np.testing.assert_allclose(generated["stars"], np.clip(stars, 0.5, 5.0), atol=1e-5)
        implicit = model.implicit.item_factors @ model.implicit.user_factors[row]
        np.testing.assert_allclose(generated["implicit"], implicit, atol=1e-5)
        np.testing.assert_array_equal(generated["popularity"], (weights > 0).sum(axis=0))


def test_inverse_gram_agrees_with_a_direct_inverse_both_ways():
    rng = np.random.default_rng(2)
    for n_users, n_items in ((15, 40), (40, 15)):
        matrix = sp.random(n_users, n_items, density=0.3, random_state=rng, format="csr")
        direct = np.linalg.inv((matrix.T @ matrix).toarray() + 3.0 * np.eye(n_items))

        np.testing.assert_allclose(_inverse_gram(matrix, 3.0), direct, atol=1e-10)


@pytest.mark.parametrize(("picked", "wanted"), [(CLUSTER_A, CLUSTER_A), (CLUSTER_B, CLUSTER_B)])
def test_a_new_viewer_who_picked_three_titles_gets_their_cluster_first(model, picked, wanted):
    viewer = Viewer(items=np.array(picked[:3]))  # onboarding: no user id, no stars

    top = model.top_k(viewer, 10)

    assert len(top) == 10
    assert set(top) <= set(wanted) - set(picked[:3])


def test_fold_in_uses_stars_when_given(model):
    loved_a = Viewer(items=np.array(CLUSTER_A[:3] + CLUSTER_B[:3]), ratings=np.array([5.0] * 3 + [1.0] * 3))

    top = model.top_k(loved_a, 5)
    predicted = model.predicted_ratings(loved_a)

    assert set(top) <= set(CLUSTER_A)
    assert predicted[np.isin(model.item_ids, CLUSTER_A)].mean() > predicted[np.isin(model.item_ids, CLUSTER_B)].mean()
    assert predicted.min() >= 0.5 and predicted.max() <= 5.0


def test_a_thumb_down_pushes_the_title_to_the_bottom_and_lowers_its_neighbours(model):
    base = Viewer(items=np.array(CLUSTER_A[:4]))
    disliked = int(model.top_k(base, 1)[0])
    with_thumb = Viewer(items=base.items, negative_items=np.array([disliked]))
    position = int(np.searchsorted(model.item_ids, disliked))

    before, after = model.scores(base), model.scores(with_thumb)

    assert after[position] < before[position]
    assert after[position] < np.delete(after, position).min()
    assert disliked not in model.top_k(with_thumb, 20)
    # The thumb down is a negative input to EASE, so titles like it get less evidence.
    evidence_before = model.generator_scores(base)["ease"]
    evidence_after = model.generator_scores(with_thumb)["ease"]
    others = np.isin(model.item_ids, CLUSTER_A[4:]) & (model.item_ids != disliked)
    assert evidence_after[others].sum() < evidence_before[others].sum()


def test_a_thumb_down_in_training_is_a_negative_not_a_positive(ratings):
    item = int(ratings.loc[ratings["user"] == 1, "item"].iloc[0])
    signals = pd.DataFrame({"user": [1, 1, 1], "item": [item, item, 150], "kind": ["play", "thumb_down", "thumb_up"]})
    model = train(ratings, signals, params=PARAMS)

    viewer = model.viewer_for(1)

    assert item not in viewer.items and list(viewer.negative_items) == [item]
    assert 150 in viewer.items  # a thumb up is a positive
    assert item not in model.top_k(viewer, 60, exclude_seen=True)
    plain = train(ratings, params=PARAMS)
    position = int(np.searchsorted(model.item_ids, item))
    assert model.popularity()[position] == plain.popularity()[np.searchsorted(plain.item_ids, item)] - 1


def test_unknown_signal_kinds_and_missing_columns_are_refused(ratings):
    with pytest.raises(ValueError, match="unknown signal kinds"):
        train(ratings, pd.DataFrame({"user": [1], "item": [100], "kind": ["rewatch"]}), params=PARAMS)
    with pytest.raises(ValueError, match="rating"):
        train(ratings.drop(columns=["rating"]), params=PARAMS)


def test_similar_items_stay_in_the_cluster_and_exclude_the_item(model):
    for item in (CLUSTER_A[0], CLUSTER_B[5]):
        similar = model.similar_items(item, 8)
        cluster = CLUSTER_A if item in CLUSTER_A else CLUSTER_B

        assert len(similar) == 8
        assert item not in similar
        assert set(similar) <= set(cluster)
    with pytest.raises(KeyError):
        model.similar_items(123456, 5)


def test_similar_items_are_remembered_read_only_and_equal_to_a_fresh_computation(model):
    first = model.similar_items(CLUSTER_A[1], 6)
    fresh = similarity.neighbours(
        model.similarity(CLUSTER_A[1]),
        model._position(CLUSTER_A[1]),
        model.items.popularity,
        6,
        min_viewers=min(model.params.similar_min_viewers, float(np.median(model.items.popularity))),
        floor=model.params.similar_floor,
    )

    assert model.similar_items(CLUSTER_A[1], 6) is first  # a page's anchors recur: computed once
    np.testing.assert_array_equal(first, model.item_ids[fresh])
    with pytest.raises(ValueError):
        first[0] = 0  # shared between callers, so nobody may change it


def test_top_k_excludes_the_history_unless_asked_not_to(model):
    viewer = model.viewer_for(1)

    top = model.top_k(viewer, 10)
    everything = model.top_k(viewer, model.n_items, exclude_seen=False)

    assert not set(top) & set(viewer.items)
    assert set(viewer.items) <= set(everything)  # scored (below the candidates), not dropped


def test_batch_top_k_matches_the_per_viewer_path(model):
    batch = model.top_k_for_users(model.user_ids, 7)

    for user, row in zip(model.user_ids, batch, strict=True):
        np.testing.assert_array_equal(row, model.top_k(model.viewer_for(int(user)), 7))


def test_no_history_means_popularity_order(model):
    popularity = model.popularity()
    expected = model.item_ids[np.lexsort((model.item_ids, -popularity))][:10]

    np.testing.assert_array_equal(model.top_k(Viewer(), 10), expected)
    np.testing.assert_array_equal(model.top_k(Viewer(user=424242), 10), expected)


def test_save_and_load_round_trip_gives_identical_scores(model, tmp_path):
    path = tmp_path / "model.npz"
    model.save(path)

    loaded = RecommenderModel.load(path)

    assert loaded.counts() == model.counts()
    assert loaded.params == model.params
    assert loaded.rating_algo is None
    for viewer in (model.viewer_for(5), Viewer(items=np.array(CLUSTER_B[:3])), Viewer()):
        np.testing.assert_array_equal(loaded.scores(viewer), model.scores(viewer))
        np.testing.assert_array_equal(loaded.predicted_ratings(viewer), model.predicted_ratings(viewer))
    np.testing.assert_array_equal(loaded.similar_items(CLUSTER_A[2], 5), model.similar_items(CLUSTER_A[2], 5))
    assert loaded.ranker.model_string == model.ranker.model_string and model.ranker.model_string
    assert loaded.ranker.names == model.ranker.names and loaded.ranker.base_weight == model.ranker.base_weight
    np.testing.assert_array_equal(loaded.calibration.stars, model.calibration.stars)
    viewer = model.viewer_for(9)
    np.testing.assert_array_equal(loaded.match_probabilities(viewer), model.match_probabilities(viewer))
    for name, values in model.generator_scores(viewer).items():
        np.testing.assert_array_equal(loaded.generator_scores(viewer)[name], values)
    with np.load(path, allow_pickle=False) as data:  # plain arrays and JSON: nothing needs unpickling
        assert all(data[name].dtype != object for name in data.files)


def test_training_is_deterministic(ratings, model):
    again = train(ratings, params=PARAMS)

    np.testing.assert_array_equal(again.scores(again.viewer_for(7)), model.scores(model.viewer_for(7)))


def test_an_ablation_retrains_only_the_ranker_without_the_groups_features(ratings):
    parts = train_parts(ratings, params=PARAMS)

    full, without = parts.model(), parts.model(without=("surprise",))

    assert without.params.without == ("surprise",) and full.params.without == ()
    assert not any(name in without.ranker.names for name in ("stars", "implicit_score", "user_bias"))
    assert {"stars", "implicit_score", "ease_score"} <= set(full.ranker.names)
    assert without.rating_factors is full.rating_factors  # stage 1 is shared, not refitted
    viewer = full.viewer_for(2)
    assert not np.array_equal(without.scores(viewer), full.scores(viewer))


def test_bad_params_and_misaligned_viewers_are_refused():
    with pytest.raises(ValueError, match="ease_lambda"):
        RecommenderParams(ease_lambda=0)
    with pytest.raises(ValueError, match="thumb_down_weight"):
        RecommenderParams(thumb_down_weight=0.5)
    with pytest.raises(ValueError, match="without must name groups"):
        RecommenderParams(without=("gate",))
    with pytest.raises(ValueError, match="align"):
        Viewer(items=np.array([1, 2]), ratings=np.array([4.0]))
    assert RecommenderParams.from_dict(PARAMS.to_dict()) == PARAMS


def test_fold_in_solves_the_same_ridge_problem_for_short_and_long_histories(model):
    factors = model.rating_factors
    rng = np.random.default_rng(3)
    for n in (3, model.rating_factors.item_factors.shape[1] + 5):
        positions = rng.choice(model.n_items, n, replace=False)
        stars = rng.uniform(1, 5, n)
        design = np.hstack([np.ones((n, 1)), factors.item_factors[positions]])
        target = stars - factors.global_mean - factors.item_bias[positions]
        penalty = 0.1 * n + 1.0
        expected = np.linalg.lstsq(
            np.vstack([design, np.sqrt(penalty) * np.eye(design.shape[1])]),
            np.concatenate([target, np.zeros(design.shape[1])]),
            rcond=None,
        )[0]

        bias, user_factors = factors.fold_in(positions, stars, reg_per_rating=0.1, reg_floor=1.0)

        np.testing.assert_allclose(np.concatenate([[bias], user_factors]), expected, atol=1e-10)


def test_a_zero_weight_title_still_counts_as_seen(ratings):
    params = RecommenderParams(ease_min_count=1, ease_lambda=5.0, n_epochs=30, dislike_weight=0.0, okay_weight=0.0)
    model = train(ratings, params=params)
    disliked = set(ratings.loc[(ratings["user"] == 1) & (ratings["rating"] < 3), "item"])

    batch = model.top_k_for_users(np.array([1]), 60)[0]
    single = model.top_k(model.viewer_for(1), 60)

    assert disliked and not disliked & set(batch) and not disliked & set(single)


def test_a_rarely_watched_seed_finds_neighbours_by_content_and_a_floor_leaves_noise_out(ratings):
    # Title 999 is a cluster-A film (its genres say so) that one cluster-B viewer happened to watch.
    items = pd.DataFrame(
        {
            "item": CLUSTER_A + CLUSTER_B + [999],
            "genres": ["Romance|Drama"] * 30 + ["Horror|Thriller"] * 30 + ["Romance|Drama"],
        }
    )
    rare = pd.concat([ratings, pd.DataFrame({"user": [20], "item": [999], "rating": [4.0]})], ignore_index=True)
    model = train(rare, items=items, params=PARAMS)

    by_cowatch = model.similar_items(999, 5, kind="cowatch")
    served = model.similar_items(999, 5)

    assert len(set(by_cowatch) & set(CLUSTER_B)) >= 3  # what its one viewer (a cluster-B fan) watched
    assert len(served) == 5 and set(served) <= set(CLUSTER_A)  # one viewer is little evidence: content leads
    strict = train(rare, items=items, params=replace(PARAMS, similar_floor=0.99))
    assert len(strict.similar_items(999, 5)) == 0  # nothing that similar: no row rather than noise


@pytest.fixture(scope="module")
def content_model(ratings) -> RecommenderModel:
    """Two clusters whose titles also carry genres and tags, plus rarely watched titles: co-watching and
    content both matter, and some titles are too rare to be anyone's neighbour."""
    rng = np.random.default_rng(3)
    titles = CLUSTER_A + CLUSTER_B + [901, 902, 903]
    items = pd.DataFrame(
        {
            "item": titles,
            "genres": [rng.choice(["Romance|Drama", "Romance", "Drama|Comedy"]) for _ in CLUSTER_A]
            + [rng.choice(["Horror|Thriller", "Horror", "Thriller|Sci-Fi"]) for _ in CLUSTER_B]
            + ["Romance", "Horror", "Comedy"],
            "tags": [" ".join(rng.choice(["moody", "funny", "slow", "twist", "kids"], 2)) for _ in titles],
        }
    )
    rare = pd.DataFrame({"user": [3, 15, 15, 20], "item": [901, 902, 903, 903], "rating": [4.0, 4.5, 3.0, 5.0]})
    return train(pd.concat([ratings, rare], ignore_index=True), items=items, params=replace(PARAMS, similar_floor=0.3))


def brute_force_similarities(model: RecommenderModel, seed: int) -> dict[int, float]:
    """The blend similarity of every title that may be a neighbour of `seed`, from the definitions:
    viewer sets, dense content vectors, a loop."""
    history = model.history.tocoo()  # who watched what: every stored entry (a zero weight is still a watch)
    viewers = [set(history.row[history.col == j].tolist()) for j in range(model.n_items)]
    vectors = model.content.combined().toarray()
    popularity = model.items.popularity
    min_viewers = min(model.params.similar_min_viewers, float(np.median(popularity)))
    share = model.params.similar_content_shrink / (model.params.similar_content_shrink + popularity[seed])
    found = {}
    for j in range(model.n_items):
        if j == seed or popularity[j] < min_viewers:
            continue
        both = len(viewers[seed]) * len(viewers[j])
        cowatch = len(viewers[seed] & viewers[j]) / np.sqrt(both) if both else 0.0
        norms = np.linalg.norm(vectors[seed]) * np.linalg.norm(vectors[j])
        content = float(vectors[seed] @ vectors[j]) / norms if norms else 0.0
        found[j] = (1 - share) * cowatch + share * content
    return found


def assert_the_best_over_the_floor(model: RecommenderModel, seed: int, neighbours: np.ndarray, k: int) -> None:
    """`neighbours` (positions) are, by the brute-force values, the k best over the floor, best first
    (up to rounding: the loop adds in another order)."""
    values = brute_force_similarities(model, seed)
    floor, slack = model.params.similar_floor, 1e-9
    chosen = [values[j] for j in neighbours.tolist()]  # (KeyError: a title that may not be a neighbour)
    left_out = [v for j, v in values.items() if j not in set(neighbours.tolist()) and v >= floor + slack]
    assert all(v >= floor - slack for v in chosen)
    assert all(a >= b - slack for a, b in itertools.pairwise(chosen))
    if len(chosen) < k:
        assert not left_out
    elif left_out:
        assert max(left_out) <= min(chosen) + slack


def test_every_titles_neighbours_at_once_are_those_of_one_title_at_a_time_and_of_the_definition(content_model):
    table = similarity.blend_table(
        content_model._watched_by_item,
        content_model._watched_by_user,
        content_model._content_vectors,
        content_model._content_norms,
        content_model.items.popularity,
        8,
        shrink=content_model.params.similar_content_shrink,
        min_viewers=min(content_model.params.similar_min_viewers, float(np.median(content_model.items.popularity))),
        floor=content_model.params.similar_floor,
        block=7,  # several blocks, the last one short
    )
    assert content_model.similar_positions is None  # similar_items below computes one title at a time

    lengths = set()
    for position, item in enumerate(content_model.item_ids):
        one = content_model.similar_items(int(item), 8)
        row = table[position]
        assert list(content_model.item_ids[row[row >= 0]]) == list(one)
        assert (row[len(one) :] == -1).all()
        assert_the_best_over_the_floor(content_model, position, row[row >= 0], 8)
        lengths.add(len(one))
    assert len(lengths) > 1  # some titles had fewer than k neighbours over the floor (and rare ones none)


def test_a_model_with_precomputed_neighbours_serves_the_same_ones_and_saves_them(content_model, tmp_path):
    path = tmp_path / "model.npz"
    content_model.save(path)
    precomputed = RecommenderModel.load(path)
    precomputed.precompute_similar(depth=6)
    precomputed.save(path)
    loaded = RecommenderModel.load(path)

    np.testing.assert_array_equal(loaded.similar_positions, precomputed.similar_positions)
    for item in content_model.item_ids:
        for k in (3, 6, 9):  # 9: deeper than the table, computed as before
            np.testing.assert_array_equal(loaded.similar_items(int(item), k), content_model.similar_items(int(item), k))
    assert loaded.with_ranker(loaded.ranker, loaded.calibration, loaded.params).similar_positions is None
    # Beyond the work budget (ml-25m's shape would take minutes), nothing is kept: computed as asked.
    assert not loaded.precompute_similar(max_work=loaded.precompute_similar_work() - 1)
    assert loaded.similar_positions is None
    np.testing.assert_array_equal(loaded.similar_items(CLUSTER_A[0], 9), content_model.similar_items(CLUSTER_A[0], 9))


def test_ease_covers_only_the_most_watched_titles_when_capped():
    rng = np.random.default_rng(3)
    dense = (rng.random((40, 25)) < np.linspace(0.9, 0.1, 25)).astype(float)
    weights = sp.csr_matrix(dense)
    counts = np.bincount(weights.indices, minlength=25)

    model = fit_item_model(weights, counts, lam=2.0, min_count=1, max_items=8)

    expected_columns = np.sort(np.lexsort((np.arange(25), -counts))[:8])
    np.testing.assert_array_equal(model.columns, expected_columns)
    # Against EASE written out directly on those columns: P = (X'X + lam I)^-1, B = -P / diag(P).
    x = dense[:, expected_columns]
    precision = np.linalg.inv(x.T @ x + 2.0 * np.eye(8))
    b = -precision / np.diag(precision)
    np.fill_diagonal(b, 0.0)
    np.testing.assert_allclose(model.weights, b, atol=1e-5)
    # Unlimited: every title with min_count.
    assert len(fit_item_model(weights, counts, lam=2.0, min_count=1).columns) == 25


def test_a_sparse_item_model_scores_like_the_same_dense_one():
    rng = np.random.default_rng(4)
    columns = np.array([0, 2, 3, 7, 9])
    weights = rng.random((5, 5)) * (rng.random((5, 5)) < 0.5)
    dense, sparse = ItemModel(columns, weights, 12), ItemModel(columns, sp.csr_matrix(weights), 12)
    history = np.array([2, 9, 11])  # 11 is not covered
    inputs = np.array([1.0, 0.5, 1.0])

    np.testing.assert_allclose(sparse.scores(history, inputs), dense.scores(history, inputs), atol=1e-6)
    block = sp.csr_matrix(rng.random((3, 12)) * (rng.random((3, 12)) < 0.4))
    np.testing.assert_allclose(sparse.score_matrix(block), dense.score_matrix(block), atol=1e-6)
    np.testing.assert_allclose(sparse.neighbours(3), dense.neighbours(3), atol=1e-6)
    assert sparse.neighbours(1) is None


def test_one_viewers_sparse_item_scores_are_the_weighted_sum_of_their_titles_neighbour_lists():
    rng = np.random.default_rng(11)
    n_items, columns = 400, np.sort(rng.choice(400, 120, replace=False))
    weights = sp.random(120, 120, density=0.1, random_state=3, format="csr", dtype=np.float32)
    model = ItemModel(columns, weights, n_items)
    history = rng.choice(n_items, 60, replace=False)  # about 30% covered, in no particular order
    inputs = rng.random(60)

    scores = model.scores(history, inputs)

    expected = np.zeros(n_items)  # a plain loop over the neighbour lists, in float64
    for position, weight in zip(history, inputs, strict=True):
        local = np.flatnonzero(columns == position)
        for row in local:
            for k in range(weights.indptr[row], weights.indptr[row + 1]):
                expected[columns[weights.indices[k]]] += np.float32(weight) * float(weights.data[k])
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    # ...and summed in the history's order in float32, as scipy's product of the rows sums them.
    covered = model.local[history] >= 0
    reference = np.zeros(n_items, dtype=np.float32)
    reference[columns] = weights[model.local[history][covered]].T @ inputs[covered].astype(np.float32)
    np.testing.assert_array_equal(scores, reference)


def test_one_viewers_dense_item_scores_sum_their_titles_rows_short_or_long_history():
    rng = np.random.default_rng(12)
    n_items, columns = 900, np.sort(rng.choice(900, 600, replace=False))
    weights = rng.normal(size=(600, 600)).astype(np.float32)
    model = ItemModel(columns, weights, n_items)
    for length in (5, 700):  # a short history, and one covering more than 256 of the model's rows
        history, inputs = rng.choice(n_items, length, replace=False), rng.random(length)

        scores = model.scores(history, inputs)

        local = model.local[history]
        covered = local >= 0
        expected = np.zeros(n_items)
        expected[columns] = inputs[covered].astype(np.float32).astype(np.float64) @ weights[local[covered]]
        np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-3)
        # summed row after row in float32, as numpy's einsum sums them
        reference = np.zeros(n_items, dtype=np.float32)
        reference[columns] = np.einsum("i,ij->j", inputs[covered].astype(np.float32), weights[local[covered]])
        np.testing.assert_array_equal(scores, reference)


def test_the_artifact_keeps_exact_arrays_in_half_floats_and_reads_the_previous_format(model, tmp_path):
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    meta = json.loads(str(arrays["meta"]))
    assert meta["format"] == 3 and meta["engine"] == "local" and meta["item_model_kind"] == "dense"
    # Stars and weights are halves and quarters: float16 holds them exactly, so they shrink 4x...
    assert arrays["history_weights"].dtype == np.float16 and arrays["history_stars"].dtype == np.float16
    np.testing.assert_array_equal(arrays["history_stars"].astype(np.float64), model.stars.data)
    # ... while learned factors, which float16 would round, keep their precision.
    assert arrays["item_factors"].dtype == np.float64

    # Format 2 (before the engines): no engine, no item-model kind, full floats.
    old = {name: (value.astype(np.float64) if value.dtype == np.float16 else value) for name, value in arrays.items()}
    old["meta"] = np.array(
        json.dumps({k: v for k, v in meta.items() if k not in ("engine", "item_model_kind")} | {"format": 2})
    )
    with open(tmp_path / "old.npz", "wb") as handle:
        np.savez(handle, **old)
    loaded = RecommenderModel.load(tmp_path / "old.npz")
    assert loaded.engine == "local"
    np.testing.assert_array_equal(loaded.scores(model.viewer_for(5)), model.scores(model.viewer_for(5)))


def test_candidates_computed_in_chunks_equal_those_computed_at_once(model):
    users = model.user_ids
    whole = model.candidates_for_users(users, chunk=len(users))
    chunked = model.candidates_for_users(users, chunk=5)
    for at_once, in_chunks in zip(whole, chunked, strict=True):
        np.testing.assert_array_equal(at_once, in_chunks)


def test_one_viewers_genre_affinity_is_the_cosine_with_their_genre_profile(ratings):
    """Brute force: the viewer's profile is the weighted sum of their titles' unit genre vectors,
    normalised; each title's feature is its unit genre vector's dot product with it."""
    rng = np.random.default_rng(4)
    names = ["Action", "Comedy", "Drama", "Horror", "Romance"]
    item_ids = np.unique(ratings["item"])
    picks = {int(i): sorted(rng.choice(names, size=rng.integers(1, 4), replace=False)) for i in item_ids}
    items = pd.DataFrame({"item": list(picks), "genres": ["|".join(g) for g in picks.values()]})
    model = train(ratings, items=items, params=PARAMS)
    unit = {i: np.isin(names, g) / np.sqrt(len(g)) for i, g in picks.items()}

    fresh = Viewer(items=np.array([CLUSTER_A[0], CLUSTER_A[3], CLUSTER_B[1]]))  # liked, weight 1 each
    known = model.viewer_for(7)  # the stored history's weights
    for viewer, weights in ((fresh, np.ones(3)), (known, known.weights)):
        profile = sum(max(w, 0.0) * unit[int(i)] for i, w in zip(viewer.items, weights, strict=True))
        profile = profile / np.linalg.norm(profile)
        expected = np.array([unit[int(i)] @ profile for i in model.item_ids])
        np.testing.assert_allclose(model.generator_scores(viewer)["genre"], expected, atol=1e-12)


def test_the_ranker_learns_from_stacked_inner_folds_each_labelled_by_its_own_held_out_rows(ratings):
    params = replace(PARAMS, ranker_folds=3)
    parts = train_parts(ratings, params=params)

    assert len(parts.extra_folds) == 2 and not train_parts(ratings, params=replace(params, ranker_folds=1)).extra_folds
    folds = [(parts.inner, parts.inner_test), *parts.extra_folds]
    for fold, (model, test) in enumerate(folds):
        kept, held = holdout_split(ratings, "user", 1, fold)
        assert set(zip(test["user"], test["item"], strict=True)) == set(zip(held["user"], held["item"], strict=True))
        # The fold's stage 1 never saw its held-out ratings.
        history = {
            (int(model.user_ids[row]), int(model.item_ids[col]))
            for row, col in zip(*model.history.nonzero(), strict=True)
        }
        assert history == set(zip(kept["user"], kept["item"], strict=True))
        # Labels, brute force: 2 for a held-out rating >= 4, ranker_label_watched for a lower one, else 0.
        features, labels, rows = fold_candidates(model, test, params)
        users = sorted(set(test["user"]) & set(model.user_ids.tolist()))
        rating_of = {(u, i): r for u, i, r in zip(test["user"], test["item"], test["rating"], strict=True)}
        _, cols, _ = model.candidates_for_users(np.asarray(users), params)
        for row, col, label in zip(rows, cols, labels, strict=True):
            rating = rating_of.get((users[row], int(model.item_ids[col])))
            wanted = 0 if rating is None else (2 if rating >= 4 else params.ranker_label_watched)
            assert label == wanted
        assert labels.max() == 2 and len(features) == len(rows)
    # Three folds of labels teach a different ranker than fold 0 alone.
    alone = replace(parts, extra_folds=[]).model()
    viewer = alone.viewer_for(2)
    assert not np.array_equal(alone.scores(viewer), parts.model().scores(viewer))


def _implicit_rows_seen(monkeypatch, ratings, max_rows: int) -> int:
    """How many 0/1 rows the implicit model's Surprise fit is given (its rating scale is (0, 1))."""
    from personalization.recommender import rating_model
    from personalization.recommender.interactions import build_interactions

    seen: list[int] = []
    original = rating_model.Dataset.load_from_df

    def spy(frame, reader):
        seen.append(len(frame))
        return original(frame, reader)

    monkeypatch.setattr(rating_model.Dataset, "load_from_df", spy)
    interactions = build_interactions(ratings, None, PARAMS)
    rating_model.fit_implicit_model(
        interactions.weights,
        interactions.user_ids,
        interactions.item_ids,
        negatives_per_positive=3,
        kwargs=PARAMS.implicit_kwargs(),
        max_rows=max_rows,
    )
    (rows,) = seen
    return rows


def test_the_implicit_model_learns_from_at_most_its_row_budget(ratings, monkeypatch):
    # 24 viewers x 16 titles: 384 positives, up to 3 negatives each (duplicates and seen titles dropped).
    unbounded = _implicit_rows_seen(monkeypatch, ratings, 10_000)
    capped = _implicit_rows_seen(monkeypatch, ratings, 400)

    assert unbounded > 384 * 2
    assert 100 < capped <= 400  # 400 // 4 = 100 positives sampled, and negatives drawn for them
    model = train(ratings, params=replace(PARAMS, implicit_max_rows=400))
    top = model.top_k(model.viewer_for(2), 5)  # viewer 2 loves cluster A
    assert set(top) <= set(CLUSTER_A)


def test_under_its_row_budget_the_implicit_model_is_unchanged(ratings, model):
    roomy = train(ratings, params=replace(PARAMS, implicit_max_rows=10_000))

    np.testing.assert_array_equal(roomy.implicit.item_factors, model.implicit.item_factors)
    np.testing.assert_array_equal(roomy.scores(roomy.viewer_for(7)), model.scores(model.viewer_for(7)))


def test_many_viewers_teach_the_ranker_through_a_sample_and_stage_one_is_fitted_once(ratings):
    sampled = replace(PARAMS, ranker_max_viewers=10)

    parts = train_parts(ratings, params=sampled)

    held_out_viewers = set(parts.inner_test["user"])
    assert len(held_out_viewers) == 10 and held_out_viewers <= set(ratings["user"])
    # Every rating either teaches stage 1 or is held out, and only the sample's fifths are held out.
    sizes = ratings.groupby("user").size()
    assert len(parts.inner_test) == sum(int(np.ceil(0.2 * sizes[user])) for user in held_out_viewers)
    inner_rows = parts.inner.history.nnz
    assert inner_rows + len(parts.inner_test) == len(ratings)
    # The served stage 1 keeps all the data's histories but the inner fit's learned models.
    full = parts.full
    assert full.history.nnz == len(ratings)
    for user in (1, 13, 24):
        row, inner_row = np.searchsorted(full.user_ids, user), np.searchsorted(parts.inner.user_ids, user)
        assert full.rating_factors.user_bias[row] == parts.inner.rating_factors.user_bias[inner_row]
    for item in (CLUSTER_A[0], CLUSTER_B[-1]):
        col, inner_col = np.searchsorted(full.item_ids, item), np.searchsorted(parts.inner.item_ids, item)
        np.testing.assert_array_equal(full.implicit.item_factors[col], parts.inner.implicit.item_factors[inner_col])
    served = parts.model()
    assert set(served.top_k(served.viewer_for(20), 5)) <= set(CLUSTER_B)  # viewer 20 loves cluster B


def test_up_to_the_ranker_viewer_limit_every_viewer_holds_a_fifth_out(ratings):
    parts = train_parts(ratings, params=replace(PARAMS, ranker_max_viewers=24))

    assert set(parts.inner_test["user"]) == set(ratings["user"])
    assert parts.full.rating_factors is not parts.inner.rating_factors
    assert parts.full.history.nnz == len(ratings) and parts.inner.history.nnz < len(ratings)


def test_the_rating_models_epochs_shrink_to_its_update_budget_and_only_above_it(ratings, model):
    # 24 viewers x 16 ratings = 384 ratings; 30 epochs is 11,520 updates.
    budget = replace(PARAMS, rating_max_updates=384 * 7 + 5)

    assert PARAMS.surprise_kwargs(384)["n_epochs"] == 30
    assert budget.surprise_kwargs(384)["n_epochs"] == 7
    assert replace(PARAMS, rating_max_updates=10).surprise_kwargs(384)["n_epochs"] == 1
    capped = train(ratings, params=budget)
    assert capped.rating_algo.n_epochs == 7 and model.rating_algo.n_epochs == 30
