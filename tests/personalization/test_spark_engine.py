"""The spark engine on a tiny data set with local[2]: its jobs against independent references, and its
artifact serving the same top titles as the local engine's. One SparkSession for the whole module."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

pyspark = pytest.importorskip("pyspark")

from personalization.models import ModelVersion  # noqa: E402
from personalization.recommender import (  # noqa: E402
    RecommenderModel,
    RecommenderParams,
    spark_engine,
    train,
    training,
)
from personalization.recommender.features import feature_names  # noqa: E402
from personalization.recommender.interactions import build_interactions  # noqa: E402
from personalization.recommender.item_model import fit_item_model  # noqa: E402
from personalization.recommender.training import _time_arrays  # noqa: E402
from personalization.selectors.serving import active_model  # noqa: E402
from personalization.services.training import model_retrain  # noqa: E402
from tests.factories import write_clustered_movielens  # noqa: E402

MASTER = "local[2]"
PARAMS = RecommenderParams(
    n_epochs=20, implicit_epochs=10, ranker_rounds=30, ranker_min_data_in_leaf=20, als_iterations=5
)
# PySpark 4.3 warns about pandas 3 on every conversion; the conversions these tests make are checked.
pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def spark():
    session = spark_engine.session(MASTER)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def ratings(tmp_path_factory) -> pd.DataFrame:
    directory = write_clustered_movielens(tmp_path_factory.mktemp("clustered"))
    frame = pd.read_csv(directory / "ratings.csv")
    return frame.rename(columns={"userId": "user", "movieId": "item"})


@pytest.fixture(scope="module")
def interactions(ratings):
    return build_interactions(ratings, None, PARAMS)


@pytest.fixture(scope="module")
def frames(spark, interactions):
    return spark_engine._positives_frame(spark, interactions), spark_engine._stars_frame(spark, interactions)


def test_popularity_and_time_jobs_equal_the_local_arrays(spark, ratings, interactions, frames):
    positives, _ = frames
    popularity = spark_engine.popularity_job(positives, len(interactions.item_ids))
    np.testing.assert_array_equal(popularity, np.bincount(interactions.weights.indices, minlength=120))

    arrays, activity = spark_engine.time_job(spark, ratings, interactions, PARAMS)
    expected, expected_activity = _time_arrays(ratings, interactions.user_ids, interactions.item_ids, PARAMS)
    for name in ("recent", "rated", "time_keys"):
        np.testing.assert_array_equal(arrays[name], expected[name], err_msg=name)
    assert arrays["data_end"] == expected["data_end"]
    np.testing.assert_array_equal(activity, expected_activity)


def test_the_co_occurrence_job_gives_eases_weights(interactions, frames):
    positives, _ = frames
    popularity = np.bincount(interactions.weights.indices, minlength=len(interactions.item_ids))
    params = RecommenderParams(ease_min_count=5, ease_max_items=40, item_neighbours=1000, ease_lambda=20.0)

    spark_model = spark_engine.item_model_job(positives, popularity, len(interactions.item_ids), params)
    local_model = fit_item_model(interactions.weights, popularity, lam=20.0, min_count=5, max_items=40)

    np.testing.assert_array_equal(spark_model.columns, local_model.columns)
    np.testing.assert_allclose(spark_model.weights.toarray(), local_model.weights, atol=1e-5)
    # Kept as neighbour lists: the k strongest of each row, by magnitude.
    sparse = spark_engine.strongest(local_model.weights.astype(np.float64), 5)
    assert (np.diff(sparse.indptr) <= 5).all()
    row = np.abs(local_model.weights[3])
    assert np.abs(sparse[3].toarray()).sum() == pytest.approx(np.sort(row)[-5:].sum(), rel=1e-5)


def test_the_cholesky_inverse_equals_numpys_general_inverse():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(60, 40))
    matrix = a.T @ a + 3.0 * np.eye(40)

    np.testing.assert_allclose(spark_engine.spd_inverse(matrix.copy()), np.linalg.inv(matrix), rtol=1e-10, atol=1e-13)
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        spark_engine.spd_inverse(np.diag([1.0, -1.0, 2.0]))


def test_the_rating_factors_job_learns_biases_and_predicts_the_stars(interactions, frames, ratings):
    _, stars = frames
    factors = spark_engine.rating_factors_job(stars, len(interactions.user_ids), len(interactions.item_ids), PARAMS)

    # Biases against pandas: b_i = sum(r - mu) / (n + 10).
    mu = ratings["rating"].mean()
    assert factors.global_mean == pytest.approx(mu)
    grouped = (ratings["rating"] - mu).groupby(ratings["item"])
    expected_bi = grouped.sum() / (grouped.size() + spark_engine.BIAS_REG_ITEM)
    positions = np.searchsorted(interactions.item_ids, expected_bi.index.to_numpy())
    np.testing.assert_allclose(factors.item_bias[positions], expected_bi.to_numpy(), atol=1e-9)
    # The whole model fits the training stars far better than the mean does.
    rows = np.searchsorted(interactions.user_ids, ratings["user"].to_numpy())
    cols = np.searchsorted(interactions.item_ids, ratings["item"].to_numpy())
    predicted = factors.estimates(factors.user_bias[rows], factors.user_factors[rows])[np.arange(len(rows)), cols]
    rmse = np.sqrt(np.mean((predicted - ratings["rating"].to_numpy()) ** 2))
    assert rmse < 0.5 * ratings["rating"].std()


def test_the_spark_artifact_serves_the_local_engines_top_titles(spark, ratings, tmp_path):
    local = train(ratings, params=PARAMS)
    trained = train(ratings, engine="spark", params=PARAMS, master=MASTER)
    trained.save(tmp_path / "spark.npz")

    served = RecommenderModel.load(tmp_path / "spark.npz")

    with np.load(tmp_path / "spark.npz", allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["engine"] == "spark" and meta["item_model_kind"] == "sparse" and served.engine == "spark"
    users = local.user_ids
    ours, theirs = served.top_k_for_users(users, 10), local.top_k_for_users(users, 10)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ours, theirs, strict=True)])
    assert overlap >= 0.8, overlap
    # Both recommend the unseen half of the viewer's own taste cluster (ids c*100 + 1..30).
    clusters = (users - 1) // 25
    assert np.mean(ours // 100 == clusters[:, None]) >= 0.95


def test_many_viewers_teach_the_spark_ranker_through_a_sample_and_stage_one_is_fitted_once(spark, ratings):
    fits = []
    fit = spark_engine.fit_stage_one

    def counted(*args):
        fits.append(len(args[1]))
        return fit(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spark_engine, "fit_stage_one", counted)
        parts = spark_engine.train_parts(ratings, params=replace(PARAMS, ranker_max_viewers=40), master=MASTER)

    held_out_viewers = set(parts.inner_test["user"])
    assert len(held_out_viewers) == 40 and held_out_viewers <= set(ratings["user"])
    # Only the sample's fifths are held out, and every other rating teaches the one stage-1 fit.
    sizes = ratings.groupby("user").size()
    assert len(parts.inner_test) == sum(int(np.ceil(0.2 * sizes[user])) for user in held_out_viewers)
    assert fits == [len(ratings) - len(parts.inner_test)]
    assert parts.inner.history.nnz + len(parts.inner_test) == len(ratings)
    # The served stage 1: all the data's histories, the inner fit's learned models, tagged spark.
    full = parts.full
    assert full.engine == "spark" and full.history.nnz == len(ratings)
    for user in (1, 40, 100):
        row, inner_row = np.searchsorted(full.user_ids, user), np.searchsorted(parts.inner.user_ids, user)
        assert full.rating_factors.user_bias[row] == parts.inner.rating_factors.user_bias[inner_row]
        np.testing.assert_array_equal(full.implicit.user_factors[row], parts.inner.implicit.user_factors[inner_row])
    served = parts.model()
    users = served.user_ids
    clusters = (users - 1) // 25
    assert np.mean(served.top_k_for_users(users, 10) // 100 == clusters[:, None]) >= 0.95


@pytest.fixture(scope="module")
def all_viewer_parts(spark, ratings):
    return spark_engine.train_parts(ratings, params=replace(PARAMS, ranker_max_viewers=100), master=MASTER)


def test_up_to_the_ranker_viewer_limit_every_viewer_holds_a_fifth_out_on_spark(all_viewer_parts, ratings):
    parts = all_viewer_parts

    assert set(parts.inner_test["user"]) == set(ratings["user"])
    assert parts.full.rating_factors is not parts.inner.rating_factors
    assert parts.full.history.nnz == len(ratings) and parts.inner.history.nnz < len(ratings)


@pytest.mark.parametrize("without", [(), ("surprise", "content")])
def test_the_ranker_candidates_job_gives_the_drivers_labelled_features(spark, all_viewer_parts, without):
    parts = all_viewer_parts
    params = replace(parts.params, without=without)

    features, labels, rows = spark_engine.candidates_job(spark, parts.inner, parts.inner_test, params)

    # The driver's numpy path, row for row and bit for bit, from the stage 1 the workers got as bytes.
    expected = training.fold_candidates(parts.inner, parts.inner_test, params)
    assert features.shape == expected[0].shape and features.shape[1] == len(feature_names(params))
    np.testing.assert_array_equal(features, expected[0])
    np.testing.assert_array_equal(labels, expected[1])
    np.testing.assert_array_equal(rows, expected[2])
    # Every viewer with held-out titles is a query; no more liked labels than liked held-out titles.
    assert len(np.unique(rows)) == parts.inner_test["user"].nunique()
    liked = int((parts.inner_test["rating"] >= params.like_rating).sum())
    assert 0 < int((labels == 2).sum()) <= liked


def test_the_ranker_candidates_job_with_no_held_out_viewers_is_empty(spark, all_viewer_parts):
    parts = all_viewer_parts

    features, labels, rows = spark_engine.candidates_job(spark, parts.inner, parts.inner_test.iloc[:0], parts.params)

    assert features.shape == (0, len(feature_names(parts.params))) and len(labels) == len(rows) == 0


@pytest.mark.django_db
def test_retrain_with_the_spark_engine_serves_a_version_the_registry_marks_spark(spark, clustered_data):
    version = model_retrain(trigger="test", engine="spark", params=PARAMS)

    assert version.status == ModelVersion.Status.ACTIVE, version.reason
    assert version.engine == "spark"
    assert active_model().model.engine == "spark"
    assert version.metrics["ndcg_at_10"] > version.metrics["popularity_ndcg_at_10"]


def test_a_second_master_in_the_same_process_is_refused(spark):
    with pytest.raises(ValueError, match="already runs a Spark session"):
        spark_engine.session("spark://elsewhere:7077")
