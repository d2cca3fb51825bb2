"""Background work for the catalog: drawing artwork renditions ahead of viewers, scoring uploaded videos."""

from __future__ import annotations

from celery import shared_task

from catalog.services import artwork_cards_generate, artwork_pending_ids
from catalog.services.frames import frame_job_run

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


# Under the broker's visibility timeout (300 s), or a redelivered message would start a second run:
# a feature-length file samples ~300 frames, under a minute here.
@shared_task(acks_late=True, soft_time_limit=200, time_limit=240)
def frame_proposals_task(job_id: int) -> str:
    """Score an uploaded video's (or zip's) frames and store the proposed candidates.

    No automatic retry: a bad file fails the job with its reason, and a redelivered message for a
    finished job does nothing (`frame_job_run` checks the job's state).
    """
    return frame_job_run(job_id=job_id).state
