"""Celery tasks: thin wrappers that load ids, call one service and own retry and failure policy.

Periodic schedules are declared in `personalization.services.schedule.PERIODIC_TASKS`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery_batches import Batches
from django.conf import settings
from django.db import DatabaseError

from personalization.models import Experiment
from personalization.services.artwork import bandit_learn
from personalization.services.experiments import (
    experiment_analyse,
    experiment_holdout_ensure,
    experiments_to_analyse,
)
from personalization.services.impressions import (
    InvalidBatch,
    impressions_ingest,
    impressions_messages_read,
    impressions_outbox_drain,
    impressions_quarantine,
    impressions_rollup,
)
from personalization.services.rows import rows_learn
from personalization.services.training import RetrainAlreadyRunning, model_retrain

logger = logging.getLogger(__name__)
OUTBOX_BATCH = 200


@shared_task(base=Batches, flush_every=50, flush_interval=0.2, acks_late=True, soft_time_limit=60, time_limit=90)
def impressions_log_task(requests: list) -> int:
    """Insert the impressions of up to 50 page views at once (one transaction, one commit).

    celery-batches hands the worker's buffered messages over together and acknowledges them only
    after this returns (acks_late), so a crash means redelivery, and inserts are idempotent. A message
    names the page view's outbox row, which stays until its impressions are in: if the database fails
    here, the rows stay there and the every-minute drain inserts them once it is back.
    """
    try:
        batches = impressions_messages_read(request.args[0] for request in requests)
        return impressions_ingest(batches)
    except InvalidBatch:
        return sum(_ingest_or_quarantine(batch) for batch in batches)  # keep the good ones
    except DatabaseError as exc:
        logger.warning("Database unavailable (%s): %d page views wait in the outbox", exc, len(requests))
        return 0


def _ingest_or_quarantine(batch: dict) -> int:
    try:
        return impressions_ingest([batch])
    except InvalidBatch as exc:
        logger.error("Quarantined an unreadable impression batch: %s", exc)
        impressions_quarantine(batch, str(exc))
        return 0


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5, soft_time_limit=240, time_limit=300)
def impressions_outbox_drain_task() -> int:
    """Every minute: insert the page views kept in the outbox while the broker was down."""
    total = 0
    while True:
        handled = impressions_outbox_drain(limit=OUTBOX_BATCH)
        total += handled
        if handled < OUTBOX_BATCH:  # a full batch means there may be more
            return total


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5, soft_time_limit=1700, time_limit=1800)
def impressions_rollup_task() -> int:
    """Daily: roll raw impressions past IMPRESSION_RETENTION_DAYS into daily aggregates."""
    stats = impressions_rollup(older_than=timedelta(days=settings.IMPRESSION_RETENTION_DAYS))
    logger.info("Rolled %d impressions into %d daily aggregates", stats.impressions, stats.aggregates)
    return stats.impressions


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    dont_autoretry_for=(RetrainAlreadyRunning,),
    retry_backoff=60,  # 1, 2, 4 minutes: enough for a database blip to pass
    retry_backoff_max=900,
    max_retries=3,
    soft_time_limit=1500,
    time_limit=1800,
)
def model_retrain_task(self, trigger: str = "nightly") -> int | None:
    """Nightly (and on demand): retrain the recommender; the active model serves until a better one is ready."""
    try:
        return model_retrain(trigger=trigger).pk
    except RetrainAlreadyRunning as exc:
        logger.info("Retrain skipped: %s", exc)
        return None


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3, soft_time_limit=50, time_limit=55)
def bandit_learn_task() -> int:
    """Every minute: fold newly seen impressions and new rewards into the artwork bandit (web processes pick
    it up)."""
    stats = bandit_learn()
    if stats.skipped:
        logger.info("Bandit learning skipped: the previous pass is still running")
    elif stats.impressions or stats.rewards:
        logger.info("Bandit learned from %d seen impressions and %d rewards", stats.impressions, stats.rewards)
    return stats.impressions


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3, soft_time_limit=50, time_limit=55)
def rows_learn_task() -> int:
    """Every minute: fold the rows' newly seen cards and new clicks into the row-order model (web processes
    pick it up)."""
    stats = rows_learn()
    if stats.skipped:
        logger.info("Row order learning skipped: the previous pass is still running")
    elif stats.cards or stats.clicks:
        logger.info("Row order learned from %d rows (%d seen cards, %d clicks)", stats.rows, stats.cards, stats.clicks)
    return stats.cards


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3, soft_time_limit=540, time_limit=600)
def experiment_analyse_task(experiment_id: int | None = None) -> int:
    """Hourly (every experiment that is running or owes its final report), or one on demand. The hourly
    run also makes the built-in artwork holdout on a deployment that never ran seed_demo (once: an
    admin who stops it is not overruled)."""
    if experiment_id is None:
        experiment_holdout_ensure()
    experiments = (
        list(Experiment.objects.filter(pk=experiment_id)) if experiment_id is not None else experiments_to_analyse()
    )
    for experiment in experiments:
        experiment_analyse(experiment=experiment)
    return len(experiments)
