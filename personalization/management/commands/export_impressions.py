"""One CSV row per impression: `python manage.py export_impressions --out FILE.csv [--experiment NAME] [--since ISO]`.

Streams from the database (memory does not grow with the table). `counted` is 1 for exactly the rows
the experiment's report counts (with --experiment; without it, the rows any live rate counts: seen and not
simulated); `seen` is 1 when the card was on the viewer's screen (0: served, never seen: in no CTR, not
learned from); `simulated` is 1 for the warm-up's simulated sessions (learned from, in no result);
`clicked`/`played` are 0/1 from the events attributed to the impression.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from personalization.abtest import label_variant
from personalization.models import Experiment, Impression
from personalization.selectors.experiment_report import counted_impressions, with_outcomes

COLUMNS = [
    "impression_id", "shown_at", "profile_id", "page_view_id", "title_id", "artwork_id", "row", "position", "device",
    "daypart", "policy", "policy_version", "propensity", "n_candidates", "candidate_artwork_ids",
    "candidate_propensities", "experiment", "variant", "team", "clicked", "played", "counted", "seen", "simulated",
]  # fmt: skip


class Command(BaseCommand):
    help = "Write every impression (or an experiment's, or those since a time) as CSV, streaming."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the CSV file to write ('-' for stdout)")
        parser.add_argument("--experiment", help="only this experiment's impressions (its `counted` column set)")
        parser.add_argument("--since", help="only impressions shown at or after this ISO time")

    def handle(self, *args, out, experiment=None, since=None, **options):
        impressions = Impression.objects.all()
        counted_ids = None
        if experiment:
            found = Experiment.objects.filter(name=experiment).first()
            if found is None:
                raise CommandError(f"There is no experiment named {experiment!r}.")
            impressions = impressions.filter(experiment_variant__contains=f";{experiment}=")
            counted_ids = counted_impressions(found).values("id")
        if since:
            moment = parse_datetime(since)
            if moment is None:
                raise CommandError(f"--since {since!r} is not an ISO date-time (e.g. 2026-11-30T00:00:00Z).")
            impressions = impressions.filter(shown_at__gte=moment)
        rows = with_outcomes(impressions).order_by("shown_at", "id")
        if counted_ids is not None:
            rows = rows.annotate(counted=Exists(counted_ids.filter(id=OuterRef("id"))))
        total = impressions.count()
        # Written beside the target and moved over it only when complete: a failed export (a bad
        # folder, the database gone, Ctrl-C) leaves no half file and an earlier export untouched.
        target = None if out == "-" else Path(out)
        if target is not None and target.is_dir():
            raise CommandError(f"{out} is a folder: give --out a file name (e.g. {target / 'impressions.csv'}).")
        partial = None if target is None else target.with_name(target.name + ".partial")
        try:
            handle = sys.stdout if partial is None else partial.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                f"Cannot write {out} ({exc.strerror}): choose an --out in a folder you may write to."
            ) from None
        written = 0
        complete = False
        try:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for impression in tqdm(
                rows.iterator(chunk_size=5000), total=total, unit="row", disable=None, file=sys.stderr
            ):
                variant = _variant(impression.experiment_variant, experiment)
                seen, simulated = impression.seen_at is not None, impression.simulated
                writer.writerow(
                    [
                        impression.id, impression.shown_at.isoformat(), impression.profile_id, impression.page_view_id,
                        impression.title_id, impression.artwork_id or "", impression.row_index, impression.position,
                        impression.device, impression.daypart, impression.policy, impression.policy_version,
                        f"{impression.propensity:.6g}", impression.n_candidates, impression.candidates,
                        impression.candidate_propensities, experiment or "", variant, impression.team,
                        int(impression.clicked), int(impression.played),
                        int(getattr(impression, "counted", True)) if experiment else int(seen and not simulated),
                        int(seen), int(simulated),
                    ]
                )  # fmt: skip
                written += 1
            complete = True
        finally:
            if partial is not None:
                handle.close()
                if complete:
                    partial.replace(target)
                else:
                    partial.unlink(missing_ok=True)
        self.stderr.write(f"Wrote {written} impressions to {out}.")


def _variant(label: str, experiment: str | None) -> str:
    return (label_variant(label, experiment) or "") if experiment else label
