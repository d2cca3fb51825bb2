"""Artwork discovery in the foreground: `python manage.py propose_artwork TITLE_ID VIDEO_OR_ZIP --json`.

The same pipeline as an upload in the admin (the file is stored and checked, a job records the
result, the candidates appear on the title's admin page for approval), run here instead of in a
worker, with progress on stderr. The last stdout line is one JSON object with `frames_scored`,
`duplicates_dropped` and `proposed` (each `time_s`, `score`, `features`, plus `name`, `theme`, `terms`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import FrameProposalJob, Title
from catalog.services.frames import frame_job_create, frame_job_run
from streamflix.errors import ApplicationError


class Command(BaseCommand):
    help = "Score the frames of a video (or a zip of stills) and propose the best as artwork candidates."

    def add_arguments(self, parser):
        parser.add_argument("title_id", type=int, help="The title the artwork is for.")
        parser.add_argument("path", type=Path, help="An MP4, WebM or MKV video, or a zip of JPEG/PNG/WebP stills.")
        parser.add_argument("--json", action="store_true", help="End with one JSON line (progress on stderr).")

    def handle(self, *args, title_id: int, path: Path, **options):
        title = Title.objects.filter(pk=title_id).first()
        if title is None:
            raise CommandError(f"No title has id {title_id}: look it up under Catalog › Titles in the admin.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file: give the path of a video or a zip of stills.")
        try:
            with path.open("rb") as handle:
                job = frame_job_create(title=title, upload=File(handle, name=path.name), name=path.name, enqueue=False)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(f"{title}: scoring {job.source_description}")
        with tqdm(desc="scoring frames", unit="frame", file=sys.stderr, disable=None) as bar:

            def progress(scored: int, planned: int) -> None:
                bar.total = planned
                bar.update(scored - bar.n)

            job = frame_job_run(job_id=job.pk, progress=progress)
        if job.state != FrameProposalJob.State.DONE:
            raise CommandError(job.error or f"The job ended {job.state}.")
        candidates = list(job.candidates.order_by("rank"))
        summary = (
            f"{job.frames_scored} frames scored, {job.duplicates_dropped} near-duplicates dropped, "
            f"{len(candidates)} proposed (job {job.pk}; approve them on the title's admin page)"
        )
        if options["json"]:
            self.stderr.write(summary)
            result = {
                "job_id": job.pk,
                "title_id": title.pk,
                "frames_scored": job.frames_scored,
                "duplicates_dropped": job.duplicates_dropped,
                "proposed": [
                    {
                        "time_s": c.time_s,
                        "name": c.source_name,
                        "score": c.score,
                        "theme": c.theme,
                        "features": c.features["features"],
                        "terms": c.features["terms"],
                    }
                    for c in candidates
                ],
            }
            self.stdout.write(json.dumps(result))
        else:
            for c in candidates:
                self.stdout.write(f"#{c.rank} {c.source_name}  score {c.score:.2f}  theme {c.theme}")
            self.stdout.write(self.style.SUCCESS(summary))
