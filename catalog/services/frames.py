"""Artwork discovery: an uploaded video (or zip of stills) becomes a background job that scores its
frames (`catalog.frames`); an admin approves the best as artwork variants, which then get extra
tries from the bandit while they are new (`Artwork.explore_until`).

Nothing partial is left behind: a refused upload is deleted before any job exists, a job that
fails records why and creates no candidates, and approval creates artwork in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from catalog.frames import InvalidMedia, StillLimits, check_source, full_frame, propose_from_file, suggest_themes
from catalog.images import encode_jpeg
from catalog.models import Artwork, FrameCandidate, FrameProposalJob, Title
from catalog.services import artwork_renditions_reset, catalog_changed
from catalog.themes import ALL_THEMES, themes_for_title
from streamflix import queue
from streamflix.errors import InvalidInput

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S = 1.0  # how often a running job writes its progress (the admin page polls it)


def still_limits() -> StillLimits:
    """A zip's stills are held to the same limits as an uploaded artwork image."""
    return StillLimits(
        max_member_bytes=settings.ARTWORK_MAX_UPLOAD_BYTES,
        max_total_bytes=settings.VIDEO_MAX_UPLOAD_BYTES,
        max_pixels=settings.ARTWORK_MAX_PIXELS,
    )


def frame_job_create(*, title: Title, upload: File, name: str, enqueue: bool = True) -> FrameProposalJob:
    """Store the upload, check it is a complete video or a safe zip of stills, and queue the scoring
    (`enqueue=False`: the caller runs `frame_job_run` itself, as the command does).

    Returns at once; the job's progress is on the row. A refused file is deleted and InvalidMedia
    says why.
    """
    size = upload.size or 0
    if size > settings.VIDEO_MAX_UPLOAD_BYTES:
        raise InvalidMedia(
            f"The file is {size / 1e6:.1f} MB; the limit is {settings.VIDEO_MAX_UPLOAD_BYTES / 1e6:.1f} MB "
            "(VIDEO_MAX_UPLOAD_BYTES)."
        )
    if size == 0:
        raise InvalidMedia("The file is empty.")
    job = FrameProposalJob(title=title, source_name=name[:255])
    job.source.save(name, upload, save=False)
    try:
        source = check_source(job.source.path, limits=still_limits())
    except InvalidMedia:
        job.source.delete(save=False)
        raise
    job.source_description = source.description
    with transaction.atomic():
        job.save()
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: FrameProposalJob) -> None:
    try:
        queue.send(queue.FRAME_PROPOSALS, job.pk)
    except (OperationalError, OSError) as exc:
        logger.warning("Could not queue frame proposals for job %s: %s", job.pk, exc)
        _fail(job.pk, "The task queue is unreachable, so scoring never started: upload the file again later.")


def frame_job_run(*, job_id: int, progress: Callable[[int, int], None] | None = None) -> FrameProposalJob:
    """Score the job's frames and store the proposed candidates (the Celery task's one call).

    A finished job is left as it is (a redelivered message); a job a dead worker left running starts
    over. `progress(scored, planned)` is told after each frame (the command's progress bar).
    """
    job = FrameProposalJob.objects.select_related("title").get(pk=job_id)
    if job.is_finished:
        return job
    FrameProposalJob.objects.filter(pk=job.pk).update(
        state=FrameProposalJob.State.RUNNING, started_at=timezone.now(), frames_planned=0, frames_scored=0, error=""
    )
    reporter = _Progress(job.pk, progress)
    path = job.source.path
    try:
        proposal = propose_from_file(
            path,
            k=settings.FRAME_PROPOSALS_K,
            limits=still_limits(),
            planned=reporter.planned,
            progress=reporter.scored,
        )
        images = [full_frame(path, frame, limits=still_limits()) for frame in proposal.proposed]
    except InvalidMedia as exc:
        _fail(job.pk, exc.message)
        _source_discard(job)
        return FrameProposalJob.objects.get(pk=job.pk)
    except Exception:
        _fail(job.pk, "Scoring stopped on an unexpected error; the worker's log has the details.")
        raise
    title = job.title
    themes = suggest_themes(proposal.proposed, themes_for_title([g.name for g in title.genres.all()], title.tags))
    with transaction.atomic():
        job.candidates.all().delete()
        for rank, (frame, image, theme) in enumerate(zip(proposal.proposed, images, themes, strict=True), start=1):
            described = frame.as_dict()
            candidate = FrameCandidate(
                job=job,
                rank=rank,
                time_s=frame.time_s,
                source_name=frame.name,
                score=frame.score,
                features={"features": described["features"], "terms": described["terms"]},
                suggested_theme=theme,
                theme=theme,
            )
            candidate.image.save("frame.jpg", ContentFile(encode_jpeg(image, quality=90)), save=False)
            candidate.save()
        FrameProposalJob.objects.filter(pk=job.pk).update(
            state=FrameProposalJob.State.DONE,
            frames_scored=proposal.frames_scored,
            frames_planned=max(reporter.total, proposal.frames_scored),
            duplicates_dropped=proposal.duplicates_dropped,
            finished_at=timezone.now(),
        )
    _source_discard(job)
    return FrameProposalJob.objects.get(pk=job.pk)


def _source_discard(job: FrameProposalJob) -> None:
    """The upload is not needed once its frames are stored (videos run to gigabytes): delete it.
    Kept after an unexpected error, for whoever reads the worker's log."""
    job.source.delete(save=False)
    FrameProposalJob.objects.filter(pk=job.pk).update(source="")


class _Progress:
    """Writes a running job's progress to its row, at most every PROGRESS_EVERY_S."""

    def __init__(self, job_id: int, listener: Callable[[int, int], None] | None) -> None:
        self.job_id = job_id
        self.listener = listener
        self.total = 0
        self.last = 0.0

    def planned(self, total: int) -> None:
        # Called from the decoding thread: only remember it (the database is written from the
        # scoring thread, whose connection holds the job's transaction state).
        self.total = total

    def scored(self, count: int) -> None:
        if self.listener is not None:
            self.listener(count, max(self.total, count))
        now = time.monotonic()
        if count == 1 or now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            # Shot-change extras can take the count past the plan: the plan grows with it.
            FrameProposalJob.objects.filter(pk=self.job_id).update(
                frames_scored=count, frames_planned=max(self.total, count)
            )


def _fail(job_id: int, message: str) -> None:
    FrameProposalJob.objects.filter(pk=job_id).update(
        state=FrameProposalJob.State.FAILED, error=message, finished_at=timezone.now()
    )


def frame_candidate_theme_set(*, candidate_id: int, theme: str) -> FrameCandidate:
    """Change the theme a candidate will carry as artwork (before it is approved)."""
    candidate = FrameCandidate.objects.get(pk=candidate_id)
    candidate.theme = _checked_theme(theme)
    candidate.save(update_fields=["theme"])
    return candidate


@transaction.atomic
def frame_candidates_approve(*, candidate_ids: list[int], themes: dict[int, str] | None = None) -> list[Artwork]:
    """Make each candidate an active artwork variant of its title (renditions cut from the frame),
    exploring for ARTWORK_EXPLORATION_DAYS. Already approved candidates are skipped.

    `themes` overrides the candidates' themes; an unknown theme refuses the whole batch.
    """
    themes = {int(pk): _checked_theme(theme) for pk, theme in (themes or {}).items()}
    candidates = list(
        FrameCandidate.objects.select_for_update()
        .select_related("job")
        .filter(pk__in=candidate_ids, artwork__isnull=True)
        .order_by("job_id", "rank")
    )
    now = timezone.now()
    days = settings.ARTWORK_EXPLORATION_DAYS
    explore_until = now + timedelta(days=days) if days else None
    created = []
    for candidate in candidates:
        theme = themes.get(candidate.pk, candidate.theme)
        artwork = Artwork.objects.create(
            title_id=candidate.job.title_id, theme=theme, source=Artwork.Source.FRAME, explore_until=explore_until
        )
        with candidate.image.open("rb") as handle:
            artwork.original.save("frame.jpg", File(handle), save=False)
        artwork.save(update_fields=["original"])
        candidate.artwork, candidate.theme, candidate.approved_at = artwork, theme, now
        candidate.save(update_fields=["artwork", "theme", "approved_at"])
        transaction.on_commit(lambda artwork=artwork: artwork_renditions_reset(artwork=artwork))
        created.append(artwork)
    if created:
        catalog_changed()
    return created


def _checked_theme(theme: str) -> str:
    # The bandit learns one set of weights per theme, so themes come from the fixed vocabulary.
    normalised = " ".join(str(theme).split()).lower()
    if normalised not in ALL_THEMES:
        raise InvalidInput(f"“{normalised}” is not a theme; use one of: {', '.join(ALL_THEMES)}.", code="unknown_theme")
    return normalised
