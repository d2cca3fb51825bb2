"""Background work for the catalog: drawing artwork renditions ahead of viewers."""

from __future__ import annotations

from celery import shared_task

from catalog.services import artwork_cards_generate, artwork_pending_ids

ARTWORK_BATCH = 300


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, soft_time_limit=200, time_limit=240
)
def artwork_generate_pending_task(batch: int = ARTWORK_BATCH) -> int:
    """Draw one batch of missing cards, most popular titles first, then queue the next batch.

    Small batches keep the worker responsive to impression logging and retrains in between.
    """
    drawn = artwork_cards_generate(limit=batch)
    if drawn and artwork_pending_ids(limit=1):
        artwork_generate_pending_task.delay(batch)
    return drawn
