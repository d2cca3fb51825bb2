"""`train`: from ratings, site signals and titles' content to a two-stage `RecommenderModel`.

1. Inner folds: the protocol's recipe with random_state=1 holds out a fifth of each viewer's ratings
   (`holdout_split`); fold f of `ranker_folds` (default 5) holds out the f-th fifth of the same
   shuffle, so the five folds hold out every rating once and fold 0 is the inner split itself. On
   each fold, stage-1 models (EASE, Surprise SVD on stars, Surprise SVD on 0/1, popularity, content)
   are fitted on the rest, score each viewer's candidates, and the held-out ratings label them. The
   LambdaRank ranker learns from every fold's labelled candidates stacked (one query per fold and
   viewer), the match-badge calibration from fold 0; nothing else is learned from held-out rows.
2. The stage-1 models are fitted again on all the data given, and carry the ranker and calibration.

`train_parts` keeps every stage-1 fit so ablations retrain only the ranker without some feature
groups (`TrainedParts.model(without=...)`), on exactly the same data."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from personalization.recommender.calibration import Calibration, fit_calibration
from personalization.recommender.content import build_content
from personalization.recommender.features import DAY, TIME_KEY, ItemArrays, feature_names
from personalization.recommender.interactions import build_interactions
from personalization.recommender.item_model import ItemModel, fit_item_model
from personalization.recommender.model import RecommenderModel
from personalization.recommender.params import RecommenderParams
from personalization.recommender.ranker import Ranker, fit_ranker
from personalization.recommender.rating_model import (
    RATING_SCALE,
    ImplicitFactors,
    RatingFactors,
    fit_implicit_model,
    fit_rating_model,
)

HOLDOUT_SHARE = 0.2
SPLIT_SEED = 0  # the protocol's split
INNER_SPLIT_SEED = 1  # the inner split of a training part (the protocol's "tune on" split)

Progress = Callable[[str], None]
# (ratings, signals, items, params, progress) -> stage 1 without a ranker: how an engine fits stage 1.
StageOneFit = Callable[
    [pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, RecommenderParams, Progress], RecommenderModel
]
# (stage 1 of a fold, its held-out ratings, params) -> (features, labels, viewer rows): how an engine
# computes the ranker's labelled candidates (`fold_candidates`; the spark engine's is a DataFrame job).
CandidateRows = Callable[[RecommenderModel, pd.DataFrame, RecommenderParams], tuple[np.ndarray, np.ndarray, np.ndarray]]


def holdout_split(frame: pd.DataFrame, user_column: str, seed: int, fold: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept, held out): shuffle with `seed`, then each user's first 20% of rows (rounded up) are held out.
    The protocol's split with seed 0 (`protocol.protocol_split`); the inner split with seed 1.

    `fold` f in 0..4 holds out the f-th fifth of the same shuffle instead: the rows whose position
    among the user's rows is in [0.2 f n, 0.2 (f + 1) n). Fold 0 is the split above; the five folds
    hold out every row exactly once (the ranker's stacked inner folds, `ranker_folds`)."""
    if not 0 <= fold < round(1 / HOLDOUT_SHARE):
        raise ValueError(f"fold must be in 0..{round(1 / HOLDOUT_SHARE) - 1}, got {fold}")
    shuffled = frame.sample(frac=1, random_state=seed)
    by_user = shuffled.groupby(user_column)
    position = by_user.cumcount()
    size = by_user[user_column].transform("size")
    if fold == 0:  # the protocol's own words
        held_out = position < HOLDOUT_SHARE * size
    else:  # in integers (0.2 * 3 * 5 is 3.0000000000000004 in floats); the same rule for fold 0
        parts = round(1 / HOLDOUT_SHARE)
        held_out = (parts * position >= fold * size) & (parts * position < (fold + 1) * size)
    return shuffled[~held_out], shuffled[held_out]


@dataclass
class TrainedParts:
    """Stage 1 fitted on the inner train part (fold 0), on each further inner fold, and on all data,
    with each fold's held-out ratings."""

    params: RecommenderParams
    inner: RecommenderModel
    inner_test: pd.DataFrame  # user, item, rating
    full: RecommenderModel
    progress: Progress
    # Folds 1.. of the inner split (`holdout_split(..., fold=f)`): (stage 1 on the rest, held-out rows).
    extra_folds: list[tuple[RecommenderModel, pd.DataFrame]] = field(default_factory=list)
    candidates: CandidateRows | None = None  # default: `fold_candidates`

    def model(self, without: tuple[str, ...] | None = None) -> RecommenderModel:
        """The served model: all-data stage 1 + a ranker trained on the inner split without `without`."""
        params = self.params if without is None else replace(self.params, without=tuple(without))
        ranker = self._ranker(params)
        return self.full.with_ranker(ranker, self._calibration(), params)

    def _ranker(self, params: RecommenderParams) -> Ranker:
        """LambdaRank on every inner fold's candidates stacked: one query per (fold, viewer)."""
        candidates = self.candidates or fold_candidates
        parts = [candidates(model, test, params) for model, test in [(self.inner, self.inner_test), *self.extra_folds]]
        offsets = np.cumsum([0] + [int(rows.max()) + 1 if len(rows) else 0 for _, _, rows in parts])[:-1]
        features = np.concatenate([features for features, _, _ in parts])
        labels = np.concatenate([labels for _, labels, _ in parts])
        rows = np.concatenate([rows + offset for (_, _, rows), offset in zip(parts, offsets, strict=True)])
        ranker = fit_ranker(features, labels, rows, feature_names(params), params)
        self.progress(
            f"ranker (LightGBM LambdaRank) fitted on {len(features)} candidates of {len(np.unique(rows))} "
            f"(fold, viewer) queries from {len(parts)} inner fold(s)"
            + (f" without {', '.join(params.without)}" if params.without else "")
        )
        return ranker

    def _calibration(self) -> Calibration:
        test = self.inner_test
        factors = self.inner.rating_factors
        user_rows = np.searchsorted(self.inner.user_ids, test["user"].to_numpy()).clip(max=self.inner.n_users - 1)
        item_rows = np.searchsorted(self.inner.item_ids, test["item"].to_numpy()).clip(max=self.inner.n_items - 1)
        known = (
            (self.inner.user_ids[user_rows] == test["user"].to_numpy())
            & (self.inner.item_ids[item_rows] == test["item"].to_numpy())
            & factors.user_known[user_rows]
        )
        user_rows, item_rows = user_rows[known], item_rows[known]
        predicted = (
            factors.global_mean
            + factors.user_bias[user_rows]
            + factors.item_bias[item_rows]
            + np.einsum("ij,ij->i", factors.user_factors[user_rows], factors.item_factors[item_rows])
        )
        liked = test["rating"].to_numpy()[known] >= self.params.like_rating
        return fit_calibration(np.clip(predicted, *RATING_SCALE), liked)


def fold_candidates(
    model: RecommenderModel, test: pd.DataFrame, params: RecommenderParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, viewer rows) of one inner fold: `model` (stage 1 fitted without the fold's
    held-out rows) proposes candidates for each viewer with held-out titles it knows, and the held-out
    ratings grade them (`held_out_grades`), 0 for the other candidates."""
    users, grades = held_out_grades(model, test, params)
    rows, cols, features = model.candidates_for_users(users, params)
    keys = grades["u"].to_numpy() * len(model.item_ids) + grades["i"].to_numpy()
    label_of = pd.Series(grades["g"].to_numpy(), index=keys)
    labels = label_of.reindex(rows.astype(np.int64) * len(model.item_ids) + cols).fillna(0).to_numpy()
    return features, labels.astype(np.int64), rows


def held_out_grades(
    model: RecommenderModel, test: pd.DataFrame, params: RecommenderParams
) -> tuple[np.ndarray, pd.DataFrame]:
    """The viewers with held-out titles the model knows (sorted raw ids) and each such held-out rating
    as (u: row into those viewers, i: item position, g: grade), graded 2 for >= like_rating and
    `ranker_label_watched` below: the ranker's labels, whichever engine pairs them with candidates."""
    known = test[test["user"].isin(model.user_ids) & test["item"].isin(model.item_ids)]
    users = np.unique(known["user"].to_numpy())
    grades = pd.DataFrame(
        {
            "u": np.searchsorted(users, known["user"].to_numpy()),
            "i": np.searchsorted(model.item_ids, known["item"].to_numpy()),
            "g": np.where(known["rating"].to_numpy() >= params.like_rating, 2, params.ranker_label_watched),
        }
    )
    return users, grades


def train(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    *,
    items: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Progress | None = None,
) -> RecommenderModel:
    """Fit both stages on the data given (see the module docstring).

    ratings: columns user, item, rating, and optionally timestamp (epoch seconds; the time features
    are 0 without it). signals: optional user, item, kind with kind in play / thumb_up / thumb_down /
    my_list (see `interactions`). items: optional item, year, genres, tags (see `content`).
    Deterministic: the same data and params give the same model.
    """
    return train_parts(ratings, signals, items=items, params=params, progress=progress).model()


def train_parts(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    *,
    items: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Progress | None = None,
    fit: StageOneFit | None = None,
    candidates: CandidateRows | None = None,
) -> TrainedParts:
    """Stage 1 on each inner fold and on all the data, by `fit` (default: this engine's
    `fit_stage_one`; the spark engine passes its own), and the ranker's labelled candidates by
    `candidates` (default `fold_candidates`). Above `params.ranker_max_viewers` viewers only
    a sample of them holds ratings out and the inner fit serves (`ranker_viewers`, `reuse_stage_one`)."""
    params = params or RecommenderParams()
    report = progress or (lambda message: None)
    fit = fit or fit_stage_one
    sample = ranker_viewers(ratings["user"].to_numpy(), params)
    folds = [
        (fit(inner_ratings, inner_signals, items, params, report), inner_test)
        for inner_ratings, inner_signals, inner_test in inner_folds(ratings, signals, params, report, sample)
    ]
    (inner, inner_test), *extra = folds
    if sample is None:
        full = fit(ratings, signals, items, params, report)
    else:
        full = reuse_stage_one(inner, ratings, signals, items, params, report)
    return TrainedParts(
        params=params,
        inner=inner,
        inner_test=inner_test,
        full=full,
        progress=report,
        extra_folds=extra,
        candidates=candidates,
    )


def inner_folds(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None,
    params: RecommenderParams,
    report: Progress,
    sample: np.ndarray | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]]:
    """(ratings to learn from, their signals, held-out ratings) of each of the `ranker_folds` inner
    folds, one at a time; a fold's signals leave out its held-out pairs (a play of a held-out title
    gives it away). With a `sample` of viewers (`ranker_viewers`), only theirs are held out; everyone
    else's ratings all teach stage 1."""
    for fold in range(params.ranker_folds):
        inner_ratings, inner_test = holdout_split(ratings, "user", INNER_SPLIT_SEED, fold)
        if sample is not None:
            back = ~inner_test["user"].isin(sample)
            inner_ratings, inner_test = pd.concat([inner_ratings, inner_test[back]]), inner_test[~back]
        inner_signals = signals
        if signals is not None and len(signals):
            held = pd.MultiIndex.from_frame(inner_test[["user", "item"]])
            inner_signals = signals[~pd.MultiIndex.from_frame(signals[["user", "item"]]).isin(held)]
        report(
            f"inner fold {fold}: {len(inner_ratings)} ratings to learn from, {len(inner_test)} to learn the ranking"
            + (f" (a sample of {len(sample)} viewers)" if sample is not None else "")
        )
        yield inner_ratings, inner_signals, inner_test


def ranker_viewers(users: np.ndarray, params: RecommenderParams) -> np.ndarray | None:
    """The viewers whose held-out ratings teach the ranker: None (all of them) up to
    `params.ranker_max_viewers`, else a sample of that many drawn with `params.ranker_seed`."""
    distinct = np.unique(users)
    if len(distinct) <= params.ranker_max_viewers:
        return None
    rng = np.random.default_rng([params.ranker_seed, INNER_SPLIT_SEED])
    return np.sort(rng.choice(distinct, size=params.ranker_max_viewers, replace=False))


def reuse_stage_one(
    inner: RecommenderModel,
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None,
    items: pd.DataFrame | None,
    params: RecommenderParams,
    report: Progress,
) -> RecommenderModel:
    """The served stage 1 when the ranker learned from a sample of viewers: the inner fit's learned
    models (EASE, both Surprise SVDs), which already saw every rating but the sample's held-out fifth,
    over the index, histories, popularity, trend and activity of all the data. Saves the second fit
    of the expensive models; the inner data are a subset, so every inner user and item keeps a row.
    Whichever engine fitted `inner`: the result is tagged with its engine."""
    interactions = build_interactions(ratings, signals, params)
    report(
        f"indexed {len(interactions.user_ids)} users, {len(interactions.item_ids)} items, "
        f"{interactions.n_interactions} interactions (stage 1's models reused from the inner fit)"
    )
    users = np.searchsorted(interactions.user_ids, inner.user_ids)
    positions = np.searchsorted(interactions.item_ids, inner.item_ids)
    n_users, n_items = len(interactions.user_ids), len(interactions.item_ids)

    def spread(values: np.ndarray, at: np.ndarray, size: int) -> np.ndarray:
        # Rows the inner fit never saw get zeros: Surprise's own fallback for unknown ids.
        out = np.zeros((size, *values.shape[1:]), dtype=values.dtype)
        out[at] = values
        return out

    old = inner.rating_factors
    factors = RatingFactors(
        global_mean=old.global_mean,
        user_bias=spread(old.user_bias, users, n_users),
        user_factors=spread(old.user_factors, users, n_users),
        user_known=spread(old.user_known, users, n_users),
        item_bias=spread(old.item_bias, positions, n_items),
        item_factors=spread(old.item_factors, positions, n_items),
    )
    implicit = ImplicitFactors(
        user_factors=spread(inner.implicit.user_factors, users, n_users),
        user_known=spread(inner.implicit.user_known, users, n_users),
        item_factors=spread(inner.implicit.item_factors, positions, n_items),
    )
    item_model = ItemModel(positions[inner.item_model.columns], inner.item_model.weights, n_items)
    popularity = interactions.popularity()
    items_arrays, activity = _time_arrays(ratings, interactions.user_ids, interactions.item_ids, params)
    return stage_one_model(
        params=params,
        interactions=interactions,
        items=items,
        item_model=item_model,
        factors=factors,
        implicit=implicit,
        popularity=popularity,
        time_arrays=items_arrays,
        activity=activity,
        engine=inner.engine,
        rating_algo=inner.rating_algo,
    )


def fit_stage_one(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None,
    items: pd.DataFrame | None,
    params: RecommenderParams,
    report: Progress,
) -> RecommenderModel:
    """Every candidate generator and feature source on this data; the model it returns has no ranker."""
    interactions = build_interactions(ratings, signals, params)
    report(
        f"indexed {len(interactions.user_ids)} users, {len(interactions.item_ids)} items, "
        f"{interactions.n_interactions} interactions"
    )
    popularity = interactions.popularity()
    # The three learned models are independent and each runs on one core at a time (Surprise's SGD)
    # or mostly so: EASE and the 0/1 model fit in two forked processes while this one fits the stars.
    # Same code, same seeds, so the same models as fitted one after the other.
    with _fitting_pool() as pool:
        item_model_job = pool.submit(
            fit_item_model,
            interactions.weights,
            popularity,
            lam=params.ease_lambda,
            min_count=params.ease_min_count,
            max_items=params.ease_max_items,
        )
        implicit_job = pool.submit(
            fit_implicit_model,
            interactions.weights,
            interactions.user_ids,
            interactions.item_ids,
            negatives_per_positive=params.implicit_negatives,
            kwargs=params.implicit_kwargs(),
            max_rows=params.implicit_max_rows,
        )
        factors, algo = fit_rating_model(
            interactions.rating_rows,
            interactions.user_ids,
            interactions.item_ids,
            params.surprise_kwargs(len(interactions.rating_rows)),
        )
        item_model, implicit = item_model_job.result(), implicit_job.result()
    report(
        f"stage 1 fitted: EASE on {len(item_model.columns)} items, Surprise SVD on "
        f"{len(interactions.rating_rows)} ratings ({algo.n_epochs} epochs), Surprise SVD on 0/1 interactions"
    )
    items_arrays, activity = _time_arrays(ratings, interactions.user_ids, interactions.item_ids, params)
    return stage_one_model(
        params=params,
        interactions=interactions,
        items=items,
        item_model=item_model,
        factors=factors,
        implicit=implicit,
        popularity=popularity,
        time_arrays=items_arrays,
        activity=activity,
        rating_algo=algo,
    )


class _InlineExecutor(Executor):
    """Runs each job when submitted: where this process cannot fork workers (no fork start method)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _fitting_pool() -> Executor:
    """Two forked processes for stage 1's independent fits, or the fits one after the other in this
    process where it may not have children: without a fork start method, or in a daemonic process.
    The nightly retrain runs in one: a Celery prefork worker's child, where multiprocessing refuses to
    start processes ("daemonic processes are not allowed to have children"): every scheduled retrain
    failed so. In sequence the fits take ~20% longer (4.2 s against 3.4 on MovieLens small)."""
    if "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return _InlineExecutor()
    return ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context("fork"), initializer=_end_with_parent
    )


def _end_with_parent() -> None:
    """A fitting process ends when the training process does (a killed retrain leaves no orphans)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux: nothing to set
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stage_one_model(
    *,
    params: RecommenderParams,
    interactions,
    items: pd.DataFrame | None,
    item_model,
    factors,
    implicit,
    popularity: np.ndarray,
    time_arrays: dict,
    activity: np.ndarray,
    engine: str = "local",
    rating_algo: object | None = None,
) -> RecommenderModel:
    """The stage-1 model from its fitted parts, whichever engine fitted them (`spark_engine` too)."""
    content = build_content(items, interactions.item_ids)
    return RecommenderModel(
        params=params,
        user_ids=interactions.user_ids,
        item_ids=interactions.item_ids,
        history=interactions.weights,
        stars=interactions.stars,
        negatives=interactions.negatives,
        item_model=item_model,
        rating_factors=factors,
        implicit=implicit,
        content=content,
        items=ItemArrays(popularity=popularity, item_bias=factors.item_bias, year=content.year, **time_arrays),
        user_activity=activity,
        engine=engine,
        rating_algo=rating_algo,
    )


def _time_arrays(
    ratings: pd.DataFrame, user_ids: np.ndarray, item_ids: np.ndarray, params: RecommenderParams
) -> tuple[dict, np.ndarray]:
    """Per item: ratings in the last trend_days, dated ratings, sorted (item, time) keys; per user:
    first and last rating time (NaN without timestamps)."""
    activity = np.full((len(user_ids), 2), np.nan)
    empty = {
        "recent": np.zeros(len(item_ids)),
        "rated": np.zeros(len(item_ids)),
        "time_keys": np.empty(0, dtype=np.int64),
        "data_end": 0.0,
    }
    if "timestamp" not in ratings or len(ratings) == 0:
        return empty, activity
    dated = ratings.dropna(subset=["timestamp"])
    dated = dated[dated["item"].isin(item_ids) & dated["user"].isin(user_ids)]
    if len(dated) == 0:
        return empty, activity
    times = dated["timestamp"].to_numpy(dtype=np.float64)
    positions = np.searchsorted(item_ids, dated["item"].to_numpy(dtype=np.int64))
    end = float(times.max())
    recent = np.bincount(positions, weights=(times >= end - params.trend_days * DAY), minlength=len(item_ids))
    rated = np.bincount(positions, minlength=len(item_ids)).astype(np.float64)
    keys = np.sort(positions.astype(np.int64) * TIME_KEY + np.clip(times, 0, TIME_KEY - 1).astype(np.int64))
    spans = pd.DataFrame({"user": dated["user"].to_numpy(), "t": times}).groupby("user")["t"].agg(["min", "max"])
    rows = np.searchsorted(user_ids, spans.index.to_numpy(dtype=np.int64))
    activity[rows, 0], activity[rows, 1] = spans["min"].to_numpy(), spans["max"].to_numpy()
    return {"recent": recent, "rated": rated, "time_keys": keys, "data_end": end}, activity
