"""Warm the artwork bandit from simulated sessions: `python manage.py warm_bandit --sessions 300`.

The sessions are the traffic simulator's, in the default world (personalization.services.warmup): the
bandit learns from them, their impressions are kept marked `simulated` (left out of experiment results,
live CTR and off-policy evaluation; Insights shows them apart), and the sample viewers' own standing is
left as it was. The last stdout line with --json is one JSON object.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from personalization.services.warmup import DEFAULT_LEARN_EVERY, NothingToWarm, bandit_warm


def _progress(items, **kwargs):
    return tqdm(items, disable=None, **kwargs)


class Command(BaseCommand):
    help = "Warm the artwork bandit from N simulated sessions in the default world (marked simulated)."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, required=True, help="Simulated viewer visits (e.g. 300).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the world and the sessions (default 0).")
        parser.add_argument(
            "--learn-every", type=int, default=DEFAULT_LEARN_EVERY, help="Sessions between learning passes."
        )
        parser.add_argument("--json", action="store_true", help="End with one JSON line (progress on stderr).")

    def handle(self, *args, sessions: int, seed: int, learn_every: int, **options):
        if sessions < 1 or learn_every < 1:
            raise CommandError("--sessions and --learn-every must be at least 1.")
        try:
            stats = bandit_warm(sessions=sessions, seed=seed, learn_every=learn_every, progress=_progress)
        except NothingToWarm as exc:
            raise CommandError(str(exc)) from exc
        message = (
            f"Warmed the bandit from {stats.sessions} simulated sessions: {stats.impressions} seen impressions, "
            f"{stats.clicks} clicks and {stats.plays} plays, {stats.learning_passes} learning passes, in "
            f"{stats.seconds:.1f}s (impressions marked simulated: in no experiment result)."
        )
        if options["json"]:
            self.stderr.write(message)
            self.stdout.write(json.dumps(stats.as_dict()))
        else:
            self.stdout.write(self.style.SUCCESS(message))
