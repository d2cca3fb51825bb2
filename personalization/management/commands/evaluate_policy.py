"""What an artwork policy's click-through would have been on the logged impressions, without shipping it:

    python manage.py evaluate_policy bandit --json [--since ISO] [--experiment NAME] [--logged-policy uniform]

IPS, self-normalised IPS, doubly robust (a ridge reward model fitted on other folds of page views) and
replay, each with a 95% interval from a bootstrap over page views (1,000 resamples, seed 0). The last
line is one JSON object: ips, snips, dr, replay (each with _ci_low/_ci_high), n_impressions,
n_replay_matched, effective_sample_size.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from personalization.models import Experiment
from personalization.selectors.logged import TARGETS, NoDecisions, logged_impressions, off_policy_report


class Command(BaseCommand):
    help = "Off-policy estimates of an artwork policy's CTR from the impression log."

    def add_arguments(self, parser):
        parser.add_argument("policy", choices=TARGETS, help="the policy to evaluate")
        parser.add_argument("--since", help="only impressions shown at or after this ISO time")
        parser.add_argument("--experiment", help="only the impressions this experiment counts")
        parser.add_argument("--logged-policy", help="only impressions logged under this policy (e.g. uniform)")
        parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
        parser.add_argument("--json", action="store_true", help="end with one JSON line")

    def handle(self, *args, policy, since=None, experiment=None, logged_policy=None, resamples=1000, **options):
        moment = None
        if since:
            moment = parse_datetime(since)
            if moment is None:
                raise CommandError(f"--since {since!r} is not an ISO date-time (e.g. 2026-11-30T00:00:00Z).")
        found = None
        if experiment:
            found = Experiment.objects.filter(name=experiment).first()
            if found is None:
                raise CommandError(f"There is no experiment named {experiment!r}.")
        impressions = logged_impressions(since=moment, experiment=found, logged_policy=logged_policy)
        try:
            report = off_policy_report(policy, impressions, resamples=resamples)
        except NoDecisions as exc:
            raise CommandError(f"Nothing to evaluate: {exc}.") from None
        out = self.stderr if options["json"] else self.stdout
        effective = report["effective_sample_size"]
        out.write(f"{policy} on {report['n_impressions']} logged impressions (effective sample {effective:.0f}):")
        for name in ("ips", "snips", "dr", "replay"):
            value, low, high = report[name], report[f"{name}_ci_low"], report[f"{name}_ci_high"]
            shown = "n/a" if value is None else f"{value:.4f} (95% {low:.4f} - {high:.4f})"
            out.write(f"  {name:<7}{shown}")
        out.write(f"  replay matched {report['n_replay_matched']} impressions")
        if options["json"]:
            self.stdout.write(json.dumps(report))
