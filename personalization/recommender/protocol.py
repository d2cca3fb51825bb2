"""Offline evaluation of the recommender, exactly as `../shared/docs/eval-protocol.md` describes it.

Pure pandas/numpy/Surprise: MovieLens-shaped frames (userId, movieId, rating, timestamp) in, dicts and
frames out, so a management command, a Celery task, the benchmark and the tests all share it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from surprise import SVD, Dataset, KNNBaseline, Reader, SVDpp
from surprise.model_selection import KFold, cross_validate

from personalization.recommender import RecommenderModel, RecommenderParams, train
from personalization.recommender.calibration import reliability_table
from personalization.recommender.rating_model import RATING_SCALE
from personalization.recommender.similar import SIMILARITIES
from personalization.recommender.training import SPLIT_SEED, fit_stage_one, holdout_split, train_parts

RELEVANT_RATING = 4.0
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
ABLATION_GROUPS = ("surprise", "ease", "popularity", "content", "viewer")
BECAUSE_DEPTH = 20


def protocol_split(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): shuffle with seed 0, then each user's first 20% of rows (rounded up) are test."""
    return holdout_split(df, "userId", SPLIT_SEED)


def relevant_items(test: pd.DataFrame, threshold: float = RELEVANT_RATING) -> dict[int, set[int]]:
    """Per user, the test titles they rated >= threshold (users with none are absent)."""
    liked = test[test["rating"] >= threshold]
    return {int(user): set(group.tolist()) for user, group in liked.groupby("userId")["movieId"]}


def per_user_ndcg(recommended: dict[int, list[int]], relevant: dict[int, set[int]], k: int = 10) -> np.ndarray:
    """NDCG@k of each user with relevant items, in sorted user order (what the bootstrap resamples)."""
    discounts = 1.0 / np.log2(np.arange(k) + 2)
    out = []
    for user in sorted(relevant):
        wanted = relevant[user]
        if not wanted:
            continue
        hits = np.array([item in wanted for item in list(recommended.get(user, []))[:k]], dtype=bool)
        out.append(discounts[: len(hits)][hits].sum() / discounts[: min(k, len(wanted))].sum())
    return np.asarray(out, dtype=np.float64)


def ranking_metrics(recommended: dict[int, list[int]], relevant: dict[int, set[int]], k: int = 10) -> dict[str, float]:
    """Mean P@k, R@k and NDCG@k (binary gain, log2 discount) over users with relevant items.

    A user with relevant items but no recommendation list counts as all misses.
    """
    precision, recall = [], []
    for user in sorted(relevant):
        wanted = relevant[user]
        if not wanted:
            continue
        hits = sum(item in wanted for item in list(recommended.get(user, []))[:k])
        precision.append(hits / k)
        recall.append(hits / len(wanted))
    ndcg = per_user_ndcg(recommended, relevant, k)
    if not len(ndcg):
        return {"p_at_k": 0.0, "r_at_k": 0.0, "ndcg_at_k": 0.0, "n_users": 0}
    return {
        "p_at_k": float(np.mean(precision)),
        "r_at_k": float(np.mean(recall)),
        "ndcg_at_k": float(np.mean(ndcg)),
        "n_users": len(ndcg),
    }


def bootstrap_indices(n: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """(resamples, n) user indices drawn with replacement; shared by every figure so deltas are paired."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def bootstrap_interval(values: np.ndarray, indices: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the mean of `values` over the resampled index rows."""
    means = np.asarray(values, dtype=np.float64)[indices].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


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
    return _cross_validate(SVD(**params.surprise_kwargs()), ratings_df, folds, params.random_state)


def rating_models_cv(ratings_df: pd.DataFrame, progress: Callable[[str], None] | None = None) -> dict[str, dict]:
    """The rating model against Surprise's other candidates on the same seeded 5 folds:
    plain SVD (the protocol's reference), the tuned SVD that serves, SVD++ and KNNBaseline (user-user
    Pearson-baseline similarity, 40 neighbours). Slow (SVD++ takes minutes): `evaluate_recs --rating-models`."""
    report = progress or (lambda message: None)
    params = RecommenderParams()
    candidates = {
        "svd_reference": SVD(random_state=0),
        "svd_tuned": SVD(**params.surprise_kwargs()),
        "svdpp": SVDpp(random_state=0, cache_ratings=True),
        "knn_baseline_user": KNNBaseline(
            k=40, sim_options={"name": "pearson_baseline", "user_based": True}, verbose=False
        ),
    }
    out = {}
    for name, algo in candidates.items():
        out[name] = _cross_validate(algo, ratings_df, 5, 0)
        report(f"{name}: RMSE {out[name]['rmse']:.4f}, MAE {out[name]['mae']:.4f}")
    return out


def _cross_validate(algo: object, ratings_df: pd.DataFrame, folds: int, seed: int) -> dict[str, float]:
    frame = _movielens(ratings_df)
    data = Dataset.load_from_df(frame[["userId", "movieId", "rating"]], Reader(rating_scale=RATING_SCALE))
    splitter = KFold(n_splits=folds, random_state=seed, shuffle=True)
    result = cross_validate(algo, data, measures=["rmse", "mae"], cv=splitter)
    return {
        "rmse": float(np.mean(result["test_rmse"])),
        "mae": float(np.mean(result["test_mae"])),
        "fit_seconds": float(np.mean(result["fit_time"])),
    }


def model_ratings(ratings_df: pd.DataFrame) -> pd.DataFrame:
    """MovieLens columns -> the recommender's (user, item, rating[, timestamp])."""
    frame = _movielens(ratings_df)
    out = pd.DataFrame({"user": frame["userId"], "item": frame["movieId"], "rating": frame["rating"]})
    if "timestamp" in frame:
        out["timestamp"] = frame["timestamp"]
    return out


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
    items: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    ablation: bool = False,
) -> dict:
    """The protocol's numbers: rating CV, top-10 on the fixed split with bootstrap intervals, the
    "Because you watched" hit rates, the match badge's reliability table, and (ablation=True) the
    ranker retrained without each feature group, paired against the full model.

    items: titles' year, genres and tags (`content.movielens_items`); None trains without content.
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
    parts = train_parts(model_ratings(train_df), items=items, params=params, progress=report)
    model = parts.model()
    train_seconds = time.perf_counter() - fit_started
    resamples = bootstrap_indices(len(users))
    ours, ours_per_user = top10_metrics(model, users, relevant)
    ease = top10_metrics(parts.full, users, relevant)[0]  # stage 1's own order: EASE + popularity prior
    popularity = ranking_metrics(popularity_baseline(train_df, users), relevant)
    low, high = bootstrap_interval(ours_per_user, resamples)
    report(f"NDCG@10 {ours['ndcg_at_k']:.4f} [{low:.4f}, {high:.4f}] (popularity {popularity['ndcg_at_k']:.4f})")
    result = {
        "rmse": cv["rmse"],
        "mae": cv["mae"],
        "p_at_10": ours["p_at_k"],
        "r_at_10": ours["r_at_k"],
        "ndcg_at_10": ours["ndcg_at_k"],
        "ndcg_at_10_ci_low": low,
        "ndcg_at_10_ci_high": high,
        "ease_ndcg_at_10": ease["ndcg_at_k"],
        "popularity_ndcg_at_10": popularity["ndcg_at_k"],
        "popularity_p_at_10": popularity["p_at_k"],
        "popularity_r_at_10": popularity["r_at_k"],
        "n_eval_users": ours["n_users"],
        "ranker_gain": model.ranker.importance() if model.ranker else {},
        "match_calibration": match_calibration(model, test_df),
    }
    if ablation:
        result["ablation"] = []
        for group in ABLATION_GROUPS:
            without, per_user = top10_metrics(parts.model(without=(group,)), users, relevant)
            delta = per_user - ours_per_user
            delta_low, delta_high = bootstrap_interval(delta, resamples)
            report(f"without {group}: NDCG@10 {without['ndcg_at_k']:.4f}, delta {delta.mean():+.4f}")
            result["ablation"].append(
                {
                    "without": group,
                    "ndcg_at_10": without["ndcg_at_k"],
                    "delta": float(delta.mean()),
                    "delta_ci_low": delta_low,
                    "delta_ci_high": delta_high,
                }
            )
    because = because_hit_rates(_movielens(ratings_df), items, params, progress=report)
    result.update(because)
    result.update(
        {
            "train_seconds": train_seconds,
            "cv_fit_seconds": cv["fit_seconds"],
            "total_seconds": time.perf_counter() - started,
        }
    )
    return result


def because_hit_rates(
    ratings_df: pd.DataFrame,
    items: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Callable[[str], None] | None = None,
    k: int = BECAUSE_DEPTH,
) -> dict[str, float]:
    """ "Because you watched" as the protocol measures it: per user with two or more ratings >= 4
    (by timestamp, ties by movieId), hide the latest liked title, seed with the one before, hit when
    the hidden title is among the seed's top k similar titles; the similarity is learned from all
    ratings but the hidden ones. `because_hit_rate_at_20` is the similarity that serves (blend)."""
    params = params or RecommenderParams()
    report = progress or (lambda message: None)
    frame = _movielens(ratings_df)
    seeds, hidden = because_pairs(frame)
    hidden_rows = pd.MultiIndex.from_arrays([hidden.index, hidden.to_numpy()])
    keep = ~pd.MultiIndex.from_frame(frame[["userId", "movieId"]]).isin(hidden_rows)
    model = fit_stage_one(model_ratings(frame[keep]), None, items, params, report)
    out: dict[str, float] = {"because_users": len(seeds)}
    lengths = []
    for kind in SIMILARITIES:
        hits = 0
        for user, seed in seeds.items():
            try:
                found = model.similar_items(int(seed), k, kind=kind)
            except KeyError:
                found = np.empty(0, dtype=np.int64)
            hits += int(hidden[user] in set(found.tolist()))
            if kind == "blend":
                lengths.append(len(found))
        out[f"because_hit_rate_at_{k}_{kind}"] = hits / max(len(seeds), 1)
    out[f"because_hit_rate_at_{k}"] = out[f"because_hit_rate_at_{k}_blend"]
    out["because_mean_row_length"] = float(np.mean(lengths)) if lengths else 0.0
    report(
        f"because you watched, hit rate @{k}: "
        + ", ".join(f"{kind} {out[f'because_hit_rate_at_{k}_{kind}']:.3f}" for kind in SIMILARITIES)
    )
    return out


def because_pairs(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(seed, hidden) title per user with two or more ratings >= 4: their last two liked titles by
    timestamp, ties by movieId (both Series indexed by userId)."""
    order = ["userId", "timestamp", "movieId"] if "timestamp" in frame else ["userId", "movieId"]
    liked = frame[frame["rating"] >= RELEVANT_RATING].sort_values(order, kind="stable")
    last_two = liked.groupby("userId").tail(2)
    pairs = last_two[last_two.groupby("userId")["movieId"].transform("size") == 2]
    return pairs.groupby("userId")["movieId"].first(), pairs.groupby("userId")["movieId"].last()


def match_calibration(model: RecommenderModel, test_df: pd.DataFrame, bins: int = 10) -> list[dict[str, float]]:
    """Reliability of the "NN% match" badge on held-out ratings: per badge decile, how many test
    ratings fell in it, their mean badge and the share the viewer actually rated >= 4."""
    probabilities, liked = [], []
    known = set(model.user_ids.tolist())
    for user, group in test_df.groupby("userId"):
        if user not in known:
            continue
        badge = model.match_probabilities(model.viewer_for(int(user)))
        items = group["movieId"].to_numpy()
        positions = np.searchsorted(model.item_ids, items).clip(max=model.n_items - 1)
        found = model.item_ids[positions] == items
        probabilities.append(badge[positions[found]])
        liked.append(group["rating"].to_numpy()[found] >= RELEVANT_RATING)
    if not probabilities:
        return reliability_table(np.empty(0), np.empty(0), bins)
    return reliability_table(np.concatenate(probabilities), np.concatenate(liked), bins)


def holdout_metrics(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Callable[[str], None] | None = None,
    items: pd.DataFrame | None = None,
    *,
    engine: str = "local",
    master: str | None = None,
) -> dict[str, float]:
    """What the retrain gate compares: the protocol's split of the site's own data.

    `ratings` has the recommender's columns (user, item, rating[, timestamp]), `signals` (user, item,
    kind), `items` the titles' content. The model learns from the training ratings and the signals,
    except signals on held-out pairs (a play of a held-out title would give its answer away); it is
    scored on the held-out ratings: top-10 ranking as in `evaluate`, and RMSE/MAE of its stars.
    `engine` and `master` choose the training engine (`engines.train`).
    """
    params = params or RecommenderParams()
    frame = ratings.rename(columns={"user": "userId", "item": "movieId"})
    train_df, test_df = protocol_split(frame)
    if signals is not None and len(signals):
        held_out = pd.MultiIndex.from_frame(test_df[["userId", "movieId"]])
        signals = signals[~pd.MultiIndex.from_frame(signals[["user", "item"]]).isin(held_out)]
    relevant = relevant_items(test_df)
    users = sorted(user for user in relevant if user in set(train_df["userId"]))
    model = train(
        model_ratings(train_df), signals, engine=engine, items=items, params=params, progress=progress, master=master
    )
    ranking = top10_metrics(model, users, {user: relevant[user] for user in users})[0]
    popularity = ranking_metrics(popularity_baseline(train_df, users), relevant)
    errors = rating_errors(model, test_df)
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


def rating_errors(model: RecommenderModel, test_df: pd.DataFrame) -> dict[str, float]:
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


def top10_metrics(model: RecommenderModel, users: list[int], relevant: dict[int, set[int]]) -> tuple[dict, np.ndarray]:
    """Mean metrics and per-user NDCG@10 (sorted user order) of the model's top 10."""
    frame = recommend_all(model, users, k=10)
    recommended = frame.sort_values(["userId", "rank"]).groupby("userId")["movieId"].agg(list).to_dict()
    return ranking_metrics(recommended, relevant, k=10), per_user_ndcg(recommended, relevant, k=10)


def _movielens(ratings_df: pd.DataFrame) -> pd.DataFrame:
    missing = {"userId", "movieId", "rating"} - set(ratings_df.columns)
    if missing:
        raise ValueError(f"expected MovieLens columns userId, movieId, rating; missing {sorted(missing)}")
    return ratings_df
