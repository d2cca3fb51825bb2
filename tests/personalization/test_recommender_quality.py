"""The recommender on MovieLens small under the shared offline protocol (one evaluation run, ~20 s)."""

from __future__ import annotations

import pandas as pd
import pytest

from personalization.recommender import train
from personalization.recommender.protocol import evaluate

FELLOWSHIP, TWO_TOWERS, RETURN_OF_THE_KING = 4993, 5952, 7153
TOY_STORY, TOY_STORY_2 = 1, 3114


@pytest.fixture(scope="module")
def ratings(movielens_dir) -> pd.DataFrame:
    return pd.read_csv(movielens_dir / "ratings.csv")


@pytest.fixture(scope="module")
def metrics(ratings) -> dict[str, float]:
    return evaluate(ratings)


@pytest.fixture(scope="module")
def full_model(ratings):
    frame = ratings.rename(columns={"userId": "user", "movieId": "item"})
    return train(frame[["user", "item", "rating"]])


def test_top10_ranking_reaches_the_target_and_beats_popularity(metrics):
    assert metrics["ndcg_at_10"] >= 0.27
    assert metrics["ndcg_at_10"] > metrics["popularity_ndcg_at_10"]
    assert metrics["n_eval_users"] == 599


def test_rating_predictions_are_at_least_as_good_as_the_reference_svd(metrics):
    assert metrics["rmse"] <= 0.90
    assert metrics["mae"] <= 0.70


def test_because_you_watched_finds_the_sequels(full_model):
    # Ground truth independent of the model: a film's own sequels are the most similar titles there are.
    assert {TWO_TOWERS, RETURN_OF_THE_KING} <= set(full_model.similar_items(FELLOWSHIP, 5).tolist())
    assert TOY_STORY_2 in full_model.similar_items(TOY_STORY, 5).tolist()
