"""The spark engine: stage 1 as Spark jobs, the same `RecommenderModel` and artifact as the local engine.

Roles, each a DataFrame job over (user row, item position) integers of the model's own index:

- rating factors ("stars", the badge): biases as aggregations, mu + b_i + b_u (b_i shrunk by
  `BIAS_REG_ITEM` ratings, b_u by `BIAS_REG_USER`, as Surprise's baselines do), then MLlib ALS
  (explicit, rank `n_factors`) on the residual stars: r_hat = mu + b_u + b_i + q_i . p_u, the
  local engine's formula, so fold-in, clipping and calibration need no change;
- implicit factors: MLlib ALS with implicitPrefs on the positive interactions' weights (confidence
  1 + alpha * w), rank `implicit_factors`;
- the item model: the item-item co-occurrence (Gram) matrix of the weighted histories over the
  `ease_max_items` most-watched titles (X'X per partition of viewers, one per core, summed row by
  row on the driver); the driver solves EASE on it (a solve bounded by the number of titles, not by
  the data) and keeps each title's `item_neighbours` strongest weights as sparse neighbour lists (`item_model_job`);
- popularity (viewers per title), trend (ratings in the last `trend_days`), dated ratings per title,
  each viewer's first and last rating: aggregations; the (title, time) keys the "popular then"
  feature searches are computed by Spark and sorted on the driver;
- the ranker's labelled candidates (`candidates_job`): each inner fold's stage 1 broadcast as its
  artifact bytes, the viewers with held-out titles mapped by the Python workers, a range of viewers
  per core, to one row per (viewer, candidate) with a column per feature (the `features` functions a
  page uses, so the rows equal the local engine's bit for bit), graded by a broadcast join with the
  held-out ratings.

On the driver, as in the local engine: the index and histories (`build_interactions`, which the
artifact carries for scoring known viewers), titles' content, the inner split, and LightGBM fitting
the collected candidates (`ranker_max_viewers` bounds them: 3,000 viewers' rows whatever the data's
size). `master` is any Spark master URL (`local[*]` by default, spark://host:7077, yarn, k8s://...);
the process holds one SparkSession, reused across trainings, and ships this package to its workers.
"""

from __future__ import annotations

import functools
import io
import os
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from personalization.recommender import artifact, training
from personalization.recommender.features import DAY, TIME_KEY, feature_names
from personalization.recommender.interactions import Interactions, build_interactions, stored_pairs
from personalization.recommender.item_model import ItemModel, covered_items
from personalization.recommender.model import RecommenderModel
from personalization.recommender.params import RecommenderParams
from personalization.recommender.rating_model import ImplicitFactors, RatingFactors
from personalization.recommender.training import TrainedParts, stage_one_model

DEFAULT_MASTER = "local[*]"
DEFAULT_DRIVER_MEMORY = "4g"  # SPARK_DRIVER_MEMORY overrides
BIAS_REG_ITEM = 10.0  # Surprise's baseline defaults (reg_i, reg_u)
BIAS_REG_USER = 15.0
# The partial Gram matrices leave the Python workers as Arrow batches of this many rows (8,000 titles:
# 8 MB each; a whole 256 MB matrix in one value runs the JVM out of heap).
GRAM_ROWS_PER_BATCH = 256

Progress = Callable[[str], None]


def session(master: str | None = None):
    """The process's SparkSession on `master` (created on first use, then reused).

    A session already running on another master is an error rather than a silent reuse."""
    from pyspark.sql import SparkSession

    url = master or DEFAULT_MASTER
    active = SparkSession.getActiveSession()
    if active is not None:
        running = active.sparkContext.master
        if master is not None and running != url:
            raise ValueError(f"this process already runs a Spark session on {running}, not {url}")
        return active
    builder = (
        SparkSession.builder.master(url)
        .appName("streamflix-train")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        # In local mode the driver is the executor: the Gramian (8 bytes x titles^2) comes back to it.
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", DEFAULT_DRIVER_MEMORY))
    )
    if url.startswith("local"):
        # Local workers run on this machine: this interpreter (with pyarrow, which `item_model_job`'s
        # Arrow batches need), not whatever `python3` is first on the PATH; PYSPARK_PYTHON still rules.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # One shuffle partition per core (Spark's 200 are for clusters): every task is a core's share.
        builder = builder.config("spark.sql.shuffle.partitions", str(local_cores(url)))
    spark = builder.getOrCreate()
    _ship_code(spark)
    return spark


def _ship_code(spark) -> None:
    """The ranker-candidates job's workers run this package's feature code (`candidates_job`): ship
    `personalization.recommender` (plain Python; numpy, scipy, pandas, pyarrow, LightGBM and numba
    from requirements.txt must be on the workers) so a cluster's executors need no checkout."""
    package = Path(__file__).resolve().parent
    archive = Path(tempfile.mkdtemp(prefix="streamflix-spark-")) / "streamflix_recommender.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(package.parent / "__init__.py", "personalization/__init__.py")
        for module in sorted(package.glob("*.py")):
            bundle.write(module, f"personalization/recommender/{module.name}")
    spark.sparkContext.addPyFile(str(archive))


def local_cores(url: str) -> int:
    """The cores a local master runs on: local -> 1, local[N] (or local[N,retries]) -> N, local[*] -> all."""
    match = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\s*\d+)?\])?", url)
    if match is None or match.group(1) == "*":
        return os.cpu_count() or 1
    return int(match.group(1) or 1)


def train(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    *,
    items: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Progress | None = None,
    master: str | None = None,
) -> RecommenderModel:
    """Both stages, stage 1 on Spark (see the module docstring); the same inputs as `training.train`."""
    return train_parts(ratings, signals, items=items, params=params, progress=progress, master=master).model()


def train_parts(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    *,
    items: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Progress | None = None,
    master: str | None = None,
) -> TrainedParts:
    """`training.train_parts` with stage 1 fitted by Spark jobs: the same inner folds, and the same
    size limit (above `ranker_max_viewers` viewers a sample holds ratings out and the inner fit serves)."""
    report = progress or (lambda message: None)
    spark = session(master)
    report(f"spark engine on {spark.sparkContext.master}")
    return training.train_parts(
        ratings,
        signals,
        items=items,
        params=params,
        progress=report,
        fit=functools.partial(fit_stage_one, spark),
        candidates=functools.partial(candidates_job, spark),
    )


def fit_stage_one(
    spark,
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None,
    items: pd.DataFrame | None,
    params: RecommenderParams,
    report: Progress,
) -> RecommenderModel:
    """Every candidate generator and feature source, computed by Spark jobs; no ranker yet."""
    interactions = build_interactions(ratings, signals, params)
    n_users, n_items = len(interactions.user_ids), len(interactions.item_ids)
    report(f"indexed {n_users} users, {n_items} items, {interactions.n_interactions} interactions")
    positives = _positives_frame(spark, interactions).cache()
    stars = _stars_frame(spark, interactions).cache()
    seconds: dict[str, float] = {}

    def timed(name, job, *args):
        started = time.perf_counter()
        result = job(*args)
        seconds[name] = time.perf_counter() - started
        return result

    try:
        popularity = timed("popularity", popularity_job, positives, n_items)
        factors = timed("ALS", rating_factors_job, stars, n_users, n_items, params)
        implicit = timed("implicit ALS", implicit_factors_job, positives, n_users, n_items, params)
        item_model = timed("Gramian + EASE", item_model_job, positives, popularity, n_items, params)
        time_arrays, activity = timed("time", time_job, spark, ratings, interactions, params)
        report(
            f"spark stage 1: ALS on {len(interactions.rating_rows)} stars, implicit ALS, "
            f"EASE from co-occurrence on {len(item_model.columns)} titles ({item_model.weights.nnz} neighbours kept); "
            + ", ".join(f"{name} {value:.1f}s" for name, value in seconds.items())
        )
    finally:
        positives.unpersist()
        stars.unpersist()
    return stage_one_model(
        params=params,
        interactions=interactions,
        items=items,
        item_model=item_model,
        factors=factors,
        implicit=implicit,
        popularity=popularity,
        time_arrays=time_arrays,
        activity=activity,
        engine="spark",
    )


# -- the jobs ---------------------------------------------------------------------------------------
def _positives_frame(spark, interactions: Interactions):
    rows, cols = stored_pairs(interactions.weights)
    frame = pd.DataFrame({"u": rows.astype(np.int32), "i": cols.astype(np.int32), "w": interactions.weights.data})
    return spark.createDataFrame(frame)


def _stars_frame(spark, interactions: Interactions):
    rows = interactions.rating_rows
    frame = pd.DataFrame(
        {
            "u": np.searchsorted(interactions.user_ids, rows["user"].to_numpy(dtype=np.int64)).astype(np.int32),
            "i": np.searchsorted(interactions.item_ids, rows["item"].to_numpy(dtype=np.int64)).astype(np.int32),
            "r": rows["rating"].to_numpy(dtype=np.float64),
        }
    )
    return spark.createDataFrame(frame)


def popularity_job(positives, n_items: int) -> np.ndarray:
    """Viewers with a positive interaction, per item position."""
    counts = positives.groupBy("i").count().toPandas()
    out = np.zeros(n_items, dtype=np.int64)
    out[counts["i"].to_numpy()] = counts["count"].to_numpy()
    return out


def rating_factors_job(stars, n_users: int, n_items: int, params: RecommenderParams) -> RatingFactors:
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F

    # The biases are small (one value per title, per viewer): collected as soon as computed and joined
    # back as broadcasts, so each is one pass over the cached stars (as lazy joins, the sort-merge
    # joins behind them ran again for every use: the job at factor 10 and 2 iterations took 24.6 s
    # instead of 14.1).
    spark = stars.sparkSession
    mu = float(stars.agg(F.avg("r")).first()[0])
    bi = stars.groupBy("i").agg((F.sum(F.col("r") - mu) / (F.count(F.lit(1)) + BIAS_REG_ITEM)).alias("bi")).toPandas()
    with_item = stars.join(F.broadcast(spark.createDataFrame(bi)), "i")
    bu = (
        with_item.groupBy("u")
        .agg((F.sum(F.col("r") - mu - F.col("bi")) / (F.count(F.lit(1)) + BIAS_REG_USER)).alias("bu"))
        .toPandas()
    )
    residual = with_item.join(F.broadcast(spark.createDataFrame(bu)), "u").select(
        "u", "i", (F.col("r") - mu - F.col("bi") - F.col("bu")).alias("e")
    )
    als = ALS(
        rank=params.n_factors,
        maxIter=params.als_iterations,
        regParam=params.als_reg,
        userCol="u",
        itemCol="i",
        ratingCol="e",
        seed=params.random_state,
        coldStartStrategy="nan",
        **_blocks(stars),
    )
    fitted = als.fit(residual)
    user_bias_array, item_bias_array = np.zeros(n_users), np.zeros(n_items)
    user_bias_array[bu["u"].to_numpy()], item_bias_array[bi["i"].to_numpy()] = bu["bu"], bi["bi"]
    user_factors, user_known = _factors(fitted.userFactors, n_users, params.n_factors)
    item_factors, _ = _factors(fitted.itemFactors, n_items, params.n_factors)
    return RatingFactors(
        global_mean=mu,
        user_bias=user_bias_array,
        user_factors=user_factors,
        user_known=user_known,
        item_bias=item_bias_array,
        item_factors=item_factors,
    )


def implicit_factors_job(positives, n_users: int, n_items: int, params: RecommenderParams) -> ImplicitFactors:
    from pyspark.ml.recommendation import ALS

    als = ALS(
        rank=params.implicit_factors,
        maxIter=params.als_iterations,
        regParam=params.als_implicit_reg,
        alpha=params.als_alpha,
        implicitPrefs=True,
        userCol="u",
        itemCol="i",
        ratingCol="w",
        seed=params.random_state,
        **_blocks(positives),
    )
    fitted = als.fit(positives.where("w > 0"))
    user_factors, user_known = _factors(fitted.userFactors, n_users, params.implicit_factors)
    item_factors, _ = _factors(fitted.itemFactors, n_items, params.implicit_factors)
    return ImplicitFactors(user_factors=user_factors, user_known=user_known, item_factors=item_factors)


def item_model_job(positives, popularity: np.ndarray, n_items: int, params: RecommenderParams) -> ItemModel:
    """EASE from a Spark co-occurrence job, kept as sparse neighbour lists.

    The job: the weighted co-occurrence (Gram) matrix G = X'X of the viewers' histories over the
    `ease_max_items` most-watched titles with >= ease_min_count viewers. The (viewer, title, weight)
    rows are partitioned by viewer, one partition per core; each partition's rows reach a Python
    worker as Arrow batches (`mapInArrow`: no Row objects, which cost ~20 s per million entries),
    which sums its viewers' X_p'X_p with scipy and sends it back in blocks of rows the driver adds
    up as they arrive (`toLocalIterator`: the driver holds one matrix, whatever the partitions).
    MLlib's `RowMatrix.computeGramianMatrix` does the same but pickles a float64 copy inside the JVM,
    which ran out of a 4 GB heap at 8,000 titles; so does one 256 MB value per partition. The driver
    solves B = -P / diag(P), P = (G + lambda I)^-1
    (bounded by ease_max_items, not by the data) and keeps each title's `item_neighbours` strongest
    weights (by magnitude) as a sparse row.
    """
    from pyspark.sql import functions as F

    columns = covered_items(popularity, min_count=params.ease_min_count, max_items=params.ease_max_items)
    size = len(columns)
    if size == 0:
        return ItemModel(columns, sp.csr_matrix((0, 0), dtype=np.float32), n_items)
    spark = positives.sparkSession
    covered = spark.createDataFrame(pd.DataFrame({"i": columns.astype(np.int32), "l": np.arange(size, dtype=np.int32)}))
    # One partial Gram per core, not per shuffle partition: each is a dense titles^2 array to send back.
    parts = max(1, spark.sparkContext.defaultParallelism)
    entries = positives.join(F.broadcast(covered), "i").select("u", "l", "w").repartition(parts, "u")
    gram = np.zeros((size, size))
    for row in entries.mapInArrow(_partial_gram(size), "r int, g binary").toLocalIterator():
        gram[row.r] += np.frombuffer(row.g, dtype=np.float32)
    gram[np.diag_indices(size)] += params.ease_lambda
    precision = spd_inverse(gram)
    b = -precision / np.diag(precision)
    np.fill_diagonal(b, 0.0)
    return ItemModel(columns, strongest(b, params.item_neighbours), n_items)


def spd_inverse(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix (overwritten) by its Cholesky factor
    (LAPACK potrf + potri): half the work of a general inverse (8,000 titles: ~19 s instead of ~30)."""
    from scipy.linalg import LinAlgError, lapack

    # A symmetric matrix is its own transpose, which is Fortran-ordered: LAPACK works in place, no copy.
    factor, info = lapack.dpotrf(matrix.T, lower=True, clean=False, overwrite_a=True)
    if info == 0:
        inverse, info = lapack.dpotri(factor, lower=True, overwrite_c=True)
    if info != 0:
        raise LinAlgError(f"the regularised co-occurrence matrix is not positive definite (LAPACK info {info})")
    lower = np.tril(inverse)
    lower += np.tril(lower, -1).T
    return lower


def _partial_gram(size: int):
    """X_p' X_p of one partition's viewers (a scipy product in the Python worker) from its Arrow
    batches of (u, l, w) rows, as one row of float32 bytes: exact for these sums (multiples of 1/16
    below a million) and half the bytes sent back to be summed. Every row of a viewer is in the same
    partition (partitioned by u), so the partials add up to X'X."""

    def gram(batches):
        import pyarrow as pa

        chunks = [
            (batch.column("u").to_numpy(), batch.column("l").to_numpy(), batch.column("w").to_numpy())
            for batch in batches
            if batch.num_rows
        ]
        if not chunks:
            return
        users, cols, weights = (np.concatenate(parts) for parts in zip(*chunks, strict=True))
        _, rows = np.unique(users, return_inverse=True)
        x = sp.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=(int(rows.max()) + 1, size))
        product = np.ascontiguousarray((x.T @ x).toarray(), dtype=np.float32)
        for start in range(0, size, GRAM_ROWS_PER_BATCH):
            block = product[start : start + GRAM_ROWS_PER_BATCH]
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(np.arange(start, start + len(block), dtype=np.int32)),
                    pa.array([r.tobytes() for r in block]),
                ],
                names=["r", "g"],
            )

    return gram


def strongest(weights: np.ndarray, k: int) -> sp.csr_matrix:
    """Each row's k largest-magnitude entries (ties to the lower column) as CSR; zeros dropped."""
    n_rows, n_cols = weights.shape
    if k >= n_cols:
        return sp.csr_matrix(weights, dtype=np.float32)
    keep = np.argpartition(-np.abs(weights), k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n_rows), k)
    values = weights[rows, keep.reshape(-1)]
    matrix = sp.csr_matrix((values.astype(np.float32), (rows, keep.reshape(-1))), shape=(n_rows, n_cols))
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix


def time_job(
    spark, ratings: pd.DataFrame, interactions: Interactions, params: RecommenderParams
) -> tuple[dict, np.ndarray]:
    """Per item: ratings in the last trend_days, dated ratings, sorted (item, time) keys; per user:
    first and last rating time (NaN without timestamps). The same arrays as `training._time_arrays`."""
    from pyspark.sql import functions as F

    n_users, n_items = len(interactions.user_ids), len(interactions.item_ids)
    activity = np.full((n_users, 2), np.nan)
    empty = {
        "recent": np.zeros(n_items),
        "rated": np.zeros(n_items),
        "time_keys": np.empty(0, np.int64),
        "data_end": 0.0,
    }
    if "timestamp" not in ratings or len(ratings) == 0:
        return empty, activity
    dated = ratings.dropna(subset=["timestamp"])
    dated = dated[dated["item"].isin(interactions.item_ids) & dated["user"].isin(interactions.user_ids)]
    if len(dated) == 0:
        return empty, activity
    frame = spark.createDataFrame(
        pd.DataFrame(
            {
                "u": np.searchsorted(interactions.user_ids, dated["user"].to_numpy(dtype=np.int64)).astype(np.int32),
                "i": np.searchsorted(interactions.item_ids, dated["item"].to_numpy(dtype=np.int64)).astype(np.int32),
                "t": dated["timestamp"].to_numpy(dtype=np.float64),
            }
        )
    ).cache()
    try:
        end = float(frame.agg(F.max("t")).first()[0])
        per_item = (
            frame.groupBy("i")
            .agg(
                F.sum((F.col("t") >= end - params.trend_days * DAY).cast("double")).alias("recent"),
                F.count(F.lit(1)).cast("double").alias("rated"),
            )
            .toPandas()
        )
        per_user = frame.groupBy("u").agg(F.min("t").alias("first"), F.max("t").alias("last")).toPandas()
        clipped = F.least(F.greatest(F.col("t"), F.lit(0.0)), F.lit(float(TIME_KEY - 1)))
        keys = frame.select((F.col("i").cast("long") * int(TIME_KEY) + clipped.cast("long")).alias("k")).toPandas()
    finally:
        frame.unpersist()
    recent, rated = np.zeros(n_items), np.zeros(n_items)
    recent[per_item["i"].to_numpy()] = per_item["recent"].to_numpy()
    rated[per_item["i"].to_numpy()] = per_item["rated"].to_numpy()
    activity[per_user["u"].to_numpy(), 0] = per_user["first"].to_numpy()
    activity[per_user["u"].to_numpy(), 1] = per_user["last"].to_numpy()
    time_keys = np.sort(keys["k"].to_numpy(dtype=np.int64))
    return {"recent": recent, "rated": rated, "time_keys": time_keys, "data_end": end}, activity


def candidates_job(
    spark, model: RecommenderModel, test: pd.DataFrame, params: RecommenderParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`training.fold_candidates` as a DataFrame job: (features, labels, viewer rows) of one inner fold.

    The fold's stage 1 travels to the workers as its artifact (`artifact.write`, the bytes a web
    process loads) in a broadcast variable. A DataFrame of the viewers with held-out titles, split
    into one range of viewers per core, is mapped by the Python workers (`mapInArrow`) to one row per
    (viewer, candidate) with a column per ranker feature, computed by the same `features` functions
    as a page (`RecommenderModel.candidates_for_users`); a broadcast join with the held-out ratings
    grades them (2 liked, `ranker_label_watched` rated lower, 0 otherwise). The driver collects the
    graded rows as Arrow and orders them by viewer, then title: the local engine's rows exactly."""
    from pyspark.sql import functions as F

    users, grades = training.held_out_grades(model, test, params)
    names = feature_names(params)
    if len(users) == 0:
        return np.zeros((0, len(names)), dtype=np.float32), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp)
    buffer = io.BytesIO()
    artifact.write(model, buffer)
    shared = spark.sparkContext.broadcast(buffer.getvalue())
    del buffer
    try:
        viewers = spark.createDataFrame(pd.DataFrame({"u": np.arange(len(users), dtype=np.int32), "user": users}))
        parts = max(1, spark.sparkContext.defaultParallelism)
        schema = ", ".join(["u int", "i int", *(f"`{name}` float" for name in names)])
        pairs = viewers.repartitionByRange(parts, "u").mapInArrow(_candidate_rows(shared, params, names), schema)
        grades_frame = spark.createDataFrame(grades.astype(np.int32))
        graded = pairs.join(F.broadcast(grades_frame), ["u", "i"], "left").fillna(0, subset=["g"])
        table = graded.toArrow()
    finally:
        shared.destroy()
    rows, cols = table.column("u").to_numpy(), table.column("i").to_numpy()
    order = np.lexsort((cols, rows))
    features = np.empty((len(order), len(names)), dtype=np.float32)
    for j, name in enumerate(names):
        features[:, j] = table.column(name).to_numpy()[order]
    return features, table.column("g").to_numpy().astype(np.int64)[order], rows[order].astype(np.intp)


def _candidate_rows(shared, params: RecommenderParams, names: list[str]):
    """The workers' side of `candidates_job`: each Arrow batch of (u, user) viewers to their
    candidates' (u, i, features...) rows, from the broadcast stage 1. One partition per core, so each
    task builds the model once; it is dropped with the task (an idle Python worker keeps nothing)."""

    def candidates(batches):
        import pyarrow as pa

        model = None
        for batch in batches:
            if not batch.num_rows:
                continue
            if model is None:
                model = RecommenderModel(**artifact.read(io.BytesIO(shared.value)))
            u = batch.column("u").to_numpy()
            rows, cols, features = model.candidates_for_users(batch.column("user").to_numpy(), params)
            yield pa.RecordBatch.from_arrays(
                [pa.array(u[rows]), pa.array(cols.astype(np.int32))]
                + [pa.array(features[:, j]) for j in range(len(names))],
                names=["u", "i", *names],
            )

    return candidates


def _blocks(frame) -> dict[str, int]:
    """ALS blocks: one per core the session has (MLlib's default of 10 is 2.5x slower on 2 cores)."""
    blocks = max(1, frame.sparkSession.sparkContext.defaultParallelism)
    return {"numUserBlocks": blocks, "numItemBlocks": blocks}


def _factors(frame, n_rows: int, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """ALS's (id, features) rows as an (n_rows, rank) array and which rows it learned."""
    collected = frame.toPandas()
    out, known = np.zeros((n_rows, rank)), np.zeros(n_rows, dtype=bool)
    if len(collected):
        ids = collected["id"].to_numpy()
        out[ids] = np.vstack(collected["features"].to_numpy()).astype(np.float64)
        known[ids] = True
    return out, known
