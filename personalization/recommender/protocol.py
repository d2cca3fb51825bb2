"""Offline evaluation of the recommender, exactly as `../shared/docs/eval-protocol.md` describes it.

Pure pandas/numpy/Surprise: MovieLens-shaped frames (userId, movieId, rating, timestamp) in, dicts and
frames out, so a management command, a Celery task, the benchmark and the tests all share it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from surprise import SVD, Dataset, Reader
from surprise.model_selection import KFold, cross_validate

from personalization.recommender import RecommenderModel, RecommenderParams, train
from personalization.recommender.rating_model import RATING_SCALE

RELEVANT_RATING = 4.0
TEST_SHARE = 0.2
SPLIT_SEED = 0


def protocol_split(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): shuffle with seed 0, then each user's first 20% of rows (rounded up) are test."""
    shuffled = df.sample(frac=1, random_state=SPLIT_SEED)
    by_user = shuffled.groupby("userId")
    in_test = by_user.cumcount() < TEST_SHARE * by_user["userId"].transform("size")
    return shuffled[~in_test], shuffled[in_test]


def relevant_items(test: pd.DataFrame, threshold: float = RELEVANT_RATING) -> dict[int, set[int]]:
    """Per user, the test titles they rated >= threshold (users with none are absent)."""
    liked = test[test["rating"] >= threshold]
    return {int(user): set(group.tolist()) for user, group in liked.groupby("userId")["movieId"]}


def ranking_metrics(recommended: dict[int, list[int]], relevant: dict[int, set[int]], k: int = 10) -> dict[str, float]:
    """Mean P@k, R@k and NDCG@k (binary gain, log2 discount) over users with relevant items.

    A user with relevant items but no recommendation list counts as all misses.
    """
    precision, recall, ndcg = [], [], []
    discounts = [1.0 / math.log2(rank + 2) for rank in range(k)]
    for user, wanted in relevant.items():
        if not wanted:
            continue
        hits = [item in wanted for item in list(recommended.get(user, []))[:k]]
        dcg = sum(discount for hit, discount in zip(hits, discounts, strict=False) if hit)
        ideal = sum(discounts[: min(k, len(wanted))])
        precision.append(sum(hits) / k)
        recall.append(sum(hits) / len(wanted))
        ndcg.append(dcg / ideal)
    if not ndcg:
        return {"p_at_k": 0.0, "r_at_k": 0.0, "ndcg_at_k": 0.0, "n_users": 0}
    return {
        "p_at_k": float(np.mean(precision)),
        "r_at_k": float(np.mean(recall)),
        "ndcg_at_k": float(np.mean(ndcg)),
        "n_users": len(ndcg),
    }


def popularity_baseline(train_df: pd.DataFrame, users: Iterable[int], k: int = 10) -> dict[int, list[int]]:
    """The k most-rated titles in train that each user has not rated (the protocol's reference)."""
    counts = train_df["movieId"].value_counts()
    order = counts.index[np.lexsort((counts.index.to_numpy(), -counts.to_numpy()))].to_numpy()
    seen = train_df.groupby("userId")["movieId"].agg(set).to_dict()
    out = {}
    for user in users:
        user_seen = seen.get(user, set())
        picks = []
        for item in order:
            if item not in user_seen:
                picks.append(int(item))
                if len(picks) == k:
                    break
        out[int(user)] = picks
    return out


def rating_cv(ratings_df: pd.DataFrame, params: RecommenderParams | None = None, folds: int = 5) -> dict[str, float]:
    """5-fold cross-validated RMSE/MAE of the rating model, with seeded folds so reruns agree."""
    params = params or RecommenderParams()
    frame = _movielens(ratings_df)
    data = Dataset.load_from_df(frame[["userId", "movieId", "rating"]], Reader(rating_scale=RATING_SCALE))
    splitter = KFold(n_splits=folds, random_state=params.random_state, shuffle=True)
    result = cross_validate(SVD(**params.surprise_kwargs()), data, measures=["rmse", "mae"], cv=splitter)
    return {
        "rmse": float(np.mean(result["test_rmse"])),
        "mae": float(np.mean(result["test_mae"])),
        "fit_seconds": float(np.mean(result["fit_time"])),
    }


def model_ratings(ratings_df: pd.DataFrame) -> pd.DataFrame:
    """MovieLens columns -> the recommender's (user, item, rating)."""
    frame = _movielens(ratings_df)
    return pd.DataFrame({"user": frame["userId"], "item": frame["movieId"], "rating": frame["rating"]})


def recommend_all(model: RecommenderModel, users: Iterable[int] | None = None, k: int = 10) -> pd.DataFrame:
    """Top-k per user, excluding their own history: columns userId, movieId, rank (0 = first).

    users: ids the model was trained on (KeyError otherwise); None means all of them.
    """
    users = model.user_ids if users is None else np.asarray(list(users), dtype=np.int64)
    if len(users) == 0:
        return pd.DataFrame({"userId": [], "movieId": [], "rank": []}, dtype=np.int64)
    top = model.top_k_for_users(users, k, exclude_seen=True)
    ranks = np.broadcast_to(np.arange(k), top.shape)
    user_column = np.broadcast_to(users[:, None], top.shape)
    filled = top >= 0  # -1 pads users with fewer than k unseen titles
    return pd.DataFrame({"userId": user_column[filled], "movieId": top[filled], "rank": ranks[filled]})


def evaluate(
    ratings_df: pd.DataFrame,
    params: RecommenderParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """The protocol's numbers for one setting: rating CV, then top-10 on the fixed split.

    Also reports the ranking with and without the Surprise gate (`ndcg_at_10_with_surprise`,
    `ndcg_at_10_without_surprise`), scored from the same learned arrays, to show what it contributes.
    """
    params = params or RecommenderParams()
    report = progress or (lambda message: None)
    started = time.perf_counter()
    cv = rating_cv(ratings_df, params)
    report(f"rating CV: RMSE {cv['rmse']:.4f}, MAE {cv['mae']:.4f}")
    train_df, test_df = protocol_split(_movielens(ratings_df))
    relevant = relevant_items(test_df)
    users = sorted(relevant)
    fit_started = time.perf_counter()
    model = train(model_ratings(train_df), params=params, progress=report)
    train_seconds = time.perf_counter() - fit_started
    ours = _top10_metrics(model, users, relevant)
    other = _top10_metrics(model.variant(rating_gate=not params.rating_gate), users, relevant)
    with_gate, without_gate = (ours, other) if params.rating_gate else (other, ours)
    popularity = ranking_metrics(popularity_baseline(train_df, users), relevant)
    report(f"NDCG@10 {ours['ndcg_at_k']:.4f} (popularity {popularity['ndcg_at_k']:.4f})")
    return {
        "rmse": cv["rmse"],
        "mae": cv["mae"],
        "p_at_10": ours["p_at_k"],
        "r_at_10": ours["r_at_k"],
        "ndcg_at_10": ours["ndcg_at_k"],
        "popularity_ndcg_at_10": popularity["ndcg_at_k"],
        "popularity_p_at_10": popularity["p_at_k"],
        "popularity_r_at_10": popularity["r_at_k"],
        "ndcg_at_10_with_surprise": with_gate["ndcg_at_k"],
        "ndcg_at_10_without_surprise": without_gate["ndcg_at_k"],
        "p_at_10_without_surprise": without_gate["p_at_k"],
        "r_at_10_without_surprise": without_gate["r_at_k"],
        "n_eval_users": ours["n_users"],
        "train_seconds": train_seconds,
        "cv_fit_seconds": cv["fit_seconds"],
        "total_seconds": time.perf_counter() - started,
    }


def holdout_metrics(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """What the retrain gate compares: the protocol's split of the site's own data.

    `ratings` has the recommender's columns (user, item, rating), `signals` (user, item, kind). The
    model learns from the training ratings and the signals, except signals on held-out pairs (a
    play of a held-out title would give its answer away); it is scored on the held-out ratings:
    top-10 ranking as in `evaluate`, and RMSE/MAE of its predicted stars.
    """
    params = params or RecommenderParams()
    frame = pd.DataFrame({"userId": ratings["user"], "movieId": ratings["item"], "rating": ratings["rating"]})
    train_df, test_df = protocol_split(frame)
    if signals is not None and len(signals):
        held_out = pd.MultiIndex.from_frame(test_df[["userId", "movieId"]])
        signals = signals[~pd.MultiIndex.from_frame(signals[["user", "item"]]).isin(held_out)]
    relevant = relevant_items(test_df)
    users = sorted(user for user in relevant if user in set(train_df["userId"]))
    model = train(model_ratings(train_df), signals, params=params, progress=progress)
    ranking = _top10_metrics(model, users, relevant)
    popularity = ranking_metrics(popularity_baseline(train_df, users), relevant)
    errors = _rating_errors(model, test_df)
    return {
        "ndcg_at_10": ranking["ndcg_at_k"],
        "p_at_10": ranking["p_at_k"],
        "r_at_10": ranking["r_at_k"],
        "popularity_ndcg_at_10": popularity["ndcg_at_k"],
        "rmse": errors["rmse"],
        "mae": errors["mae"],
        "n_eval_users": ranking["n_users"],
        "n_test_ratings": len(test_df),
    }


def _rating_errors(model: RecommenderModel, test_df: pd.DataFrame) -> dict[str, float]:
    """RMSE/MAE of predicted stars on held-out ratings of users the model knows."""
    known = set(model.user_ids.tolist())
    errors = []
    for user, group in test_df.groupby("userId"):
        if user not in known:
            continue
        predicted = model.predicted_ratings(model.viewer_for(int(user)))
        positions = np.searchsorted(model.item_ids, group["movieId"].to_numpy())
        positions = np.clip(positions, 0, len(model.item_ids) - 1)
        found = model.item_ids[positions] == group["movieId"].to_numpy()
        mean = model.rating_factors.global_mean
        estimate = np.where(found, predicted[positions], mean)  # unseen titles: the global mean
        errors.append(estimate - group["rating"].to_numpy())
    if not errors:
        return {"rmse": float("nan"), "mae": float("nan")}
    error = np.concatenate(errors)
    return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error)))}


def _top10_metrics(model: RecommenderModel, users: list[int], relevant: dict[int, set[int]]) -> dict[str, float]:
    frame = recommend_all(model, users, k=10)
    recommended = frame.sort_values(["userId", "rank"]).groupby("userId")["movieId"].agg(list).to_dict()
    return ranking_metrics(recommended, relevant, k=10)


def _movielens(ratings_df: pd.DataFrame) -> pd.DataFrame:
    missing = {"userId", "movieId", "rating"} - set(ratings_df.columns)
    if missing:
        raise ValueError(f"expected MovieLens columns userId, movieId, rating; missing {sorted(missing)}")
    return ratings_df
