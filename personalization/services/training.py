"""Retraining the recommender: learn, measure on a holdout, and serve it only if it is not worse.

One run at a time (the `one_training_at_a_time` constraint on ModelVersion is the lock, so it holds
across processes and machines); a failed run is recorded and re-raised for Celery to retry, and the
active model keeps serving throughout.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Title
from personalization.models import Engagement, ModelVersion, Rating
from personalization.recommender import ENGINES, RecommenderParams, train
from personalization.recommender.protocol import holdout_metrics
from personalization.services.title_stats import title_stats_refresh
from streamflix import queue

logger = logging.getLogger(__name__)

# Holdout noise on ~20k test ratings is about +-0.005 NDCG: a candidate within this of the active
# version counts as "not worse", anything further below is rejected.
NDCG_TOLERANCE = 0.01
RMSE_TOLERANCE = 0.02
ABANDONED_AFTER = timedelta(hours=1)  # a "training" row older than this belongs to a dead worker

Progress = Callable[[str], None]


class RetrainAlreadyRunning(Exception):
    """Another retrain holds the lock; this one did not start."""


def training_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The site's ratings (with their time, epoch seconds) and its implicit signals (plays, thumbs,
    My List) as plain frames."""
    ratings = pd.DataFrame.from_records(
        Rating.objects.values_list("profile_id", "title_id", "rating", "rated_at").iterator(chunk_size=20_000),
        columns=["user", "item", "rating", "rated_at"],
    )
    ratings["timestamp"] = [moment.timestamp() for moment in ratings.pop("rated_at")]
    signals = []
    for user, item, thumb, in_my_list, plays in Engagement.objects.values_list(
        "profile_id", "title_id", "thumb", "in_my_list", "plays"
    ).iterator(chunk_size=20_000):
        if thumb > 0:
            signals.append((user, item, "thumb_up"))
        elif thumb < 0:
            signals.append((user, item, "thumb_down"))
        if in_my_list:
            signals.append((user, item, "my_list"))
        if plays:
            signals.append((user, item, "play"))
    return ratings, pd.DataFrame.from_records(signals, columns=["user", "item", "kind"])


def training_items() -> pd.DataFrame:
    """Every title's year, genres and tags, the content the ranker and "Because you watched" read."""
    genres: dict[int, list[str]] = {}
    for title_id, name in Title.genres.through.objects.values_list("title_id", "genre__name"):
        genres.setdefault(title_id, []).append(name)
    rows = [
        (title_id, year, genres.get(title_id, []), list(tags or []))
        for title_id, year, tags in Title.objects.values_list("id", "year", "tags").iterator(chunk_size=20_000)
    ]
    return pd.DataFrame.from_records(rows, columns=["item", "year", "genres", "tags"])


def model_retrain(
    *,
    trigger: str,
    engine: str | None = None,
    params: RecommenderParams | None = None,
    progress: Progress | None = None,
) -> ModelVersion:
    """Train, evaluate and (if not worse than the active version) activate a new model version.

    engine: "local" or "spark" (default: settings.RECOMMENDER_ENGINE; spark runs on SPARK_MASTER).
    """
    report = progress or logger.info
    engine = engine or settings.RECOMMENDER_ENGINE
    if engine not in ENGINES:
        raise ValueError(f"unknown training engine {engine!r}; expected one of {', '.join(ENGINES)}")
    params = params or RecommenderParams(
        ease_max_items=settings.RECOMMENDER_EASE_TITLES,
        ranker_max_viewers=settings.RECOMMENDER_RANKER_VIEWERS,
        implicit_max_rows=settings.RECOMMENDER_IMPLICIT_ROWS,
        rating_max_updates=settings.RECOMMENDER_RATING_UPDATES,
    )
    master = settings.SPARK_MASTER or None
    version = _claim_lock(trigger=trigger, params=params, engine=engine)
    started = time.monotonic()
    try:
        report(f"{version.label}: refreshing title statistics, loading ratings and signals")
        title_stats_refresh()
        ratings, signals = training_frames()
        items = training_items()
        if ratings.empty:
            raise ValueError("There are no ratings to learn from; run `python manage.py seed_demo` first.")
        version.data_counts = {
            "ratings": len(ratings),
            "signals": len(signals),
            "profiles": int(pd.concat([ratings["user"], signals["user"]]).nunique()),
            "titles": int(pd.concat([ratings["item"], signals["item"]]).nunique()),
        }
        report(f"{version.label}: measuring on a holdout of {len(ratings)} ratings")
        version.metrics = holdout_metrics(ratings, signals, params, items=items, engine=engine, master=master)
        rejection = _gate(version.metrics, ModelVersion.objects.active())
        if rejection:
            return _finish(version, started, status=ModelVersion.Status.REJECTED, reason=rejection, report=report)
        report(f"{version.label}: NDCG@10 {version.metrics['ndcg_at_10']:.4f}; training on all data ({engine})")
        model = train(ratings, signals, engine=engine, items=items, params=params, master=master)
        if model.precompute_similar():
            report(f'{version.label}: every title\'s "Because you watched" neighbours computed')
        else:
            report(f'{version.label}: too many titles to precompute "Because you watched": computed as asked')
        path = Path(settings.MODEL_DIR) / f"recommender-{version.label}.npz"
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        version.artifact_path = str(path)
        return _finish(version, started, status=ModelVersion.Status.ACTIVE, reason="", report=report)
    except Exception as exc:
        detail = traceback.format_exception_only(exc)[-1].strip()
        _finish(version, started, status=ModelVersion.Status.FAILED, reason=detail, report=report)
        raise


def _claim_lock(*, trigger: str, params: RecommenderParams, engine: str) -> ModelVersion:
    stale = timezone.now() - ABANDONED_AFTER
    ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING, created_at__lt=stale).update(
        status=ModelVersion.Status.FAILED,
        reason="Abandoned: the worker running it stopped.",
        finished_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            return ModelVersion.objects.create(trigger=trigger, params=params.to_dict(), engine=engine)
    except IntegrityError:
        running = ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).first()
        raise RetrainAlreadyRunning(f"{running.label if running else 'Another version'} is training now.") from None


def _gate(metrics: dict, active: ModelVersion | None) -> str:
    """Why the candidate must not serve, or "" if it may."""
    if active is None or not active.metrics:
        return ""
    best = active.metrics.get("ndcg_at_10", 0.0)
    if metrics["ndcg_at_10"] < best - NDCG_TOLERANCE:
        return (
            f"NDCG@10 {metrics['ndcg_at_10']:.4f} on the holdout is worse than the active {active.label}'s "
            f"{best:.4f} (tolerance {NDCG_TOLERANCE})."
        )
    active_rmse = active.metrics.get("rmse")
    if active_rmse is not None and metrics["rmse"] > active_rmse + RMSE_TOLERANCE:
        return (
            f"RMSE {metrics['rmse']:.4f} on the holdout is worse than the active {active.label}'s "
            f"{active_rmse:.4f} (tolerance {RMSE_TOLERANCE})."
        )
    return ""


def _finish(version: ModelVersion, started: float, *, status: str, reason: str, report: Progress) -> ModelVersion:
    version.status = status
    version.reason = reason
    version.training_seconds = round(time.monotonic() - started, 3)
    version.finished_at = timezone.now()
    with transaction.atomic():
        if status == ModelVersion.Status.ACTIVE:
            ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).update(status=ModelVersion.Status.RETIRED)
            version.activated_at = version.finished_at
        version.save()
    # Committed: every web process swaps to it at its next look at the registry (selectors.active_model).
    summary = f"{version.label} {version.get_status_display().lower()} in {version.training_seconds:.1f}s"
    report(f"{summary}: {reason}" if reason else summary)
    return version


def model_retrain_enqueue(*, trigger: str) -> None:
    """Queue a retrain once the current transaction commits (admin "retrain now")."""
    queue.send_on_commit(queue.MODEL_RETRAIN, kwargs={"trigger": trigger})
