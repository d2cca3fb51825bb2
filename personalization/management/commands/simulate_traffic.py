"""Simulated viewers through the real site code (personalization.services.simulation):

    python manage.py simulate_traffic --sessions 500 --seed 1 --json
        the bandit against random artwork and the oracle, the same sessions replayed under each from a
        fresh state in transactions that are rolled back (only the report is kept)
    python manage.py simulate_traffic --sessions 300 --seed 1 --experiment NAME
        the sessions through the live experiment path, kept as real traffic would be: the running
        experiments' assignments, impressions, events and learning passes stay in the database
    python manage.py simulate_traffic --sessions 300 --seed 1 --interleave personalized,popularity
        how many sessions team-draft interleaving needs to tell two row rankers apart at p < 0.05,
        against an A/B test of the same two (both rolled back)

Each session is one MovieLens viewer's visit: `homepage_build`, the lazy rows they scroll to
(`homepage_row`), impressions logged through Celery (run eagerly here), clicks and plays through
`event_submit`, and the bandit's learning pass every `--learn-every` sessions. The last stdout line is
one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import json
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.selectors import catalog_snapshot
from catalog.themes import ALL_THEMES
from personalization.models import Experiment, Impression, Profile, SimulationReport
from personalization.rows import RANKERS
from personalization.services.simulation import Run, interleaving_against_ab, live, replay, viewers_truth
from personalization.simulation import ClickWorld, session_specs, windows
from streamflix.celery import celery_override

POLICIES = {"bandit": "thompson", "random": "uniform", "oracle": "oracle"}
WARM_UP = 20_000  # impressions before the "after warm-up" comparison starts
INTERLEAVE_TITLE_WEIGHT = 1.0  # the truth for --interleave: liking a title's genres matters, so rankers differ


def _progress(items, **kwargs):
    return tqdm(items, disable=None, **kwargs)


class Command(BaseCommand):
    help = "Simulate viewers: the bandit against random and the oracle, a live experiment, or interleaving."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=500, help="Viewer visits (per policy; default 500).")
        parser.add_argument("--seed", type=int, default=1, help="Seed for viewers, contexts, clicks and draws.")
        parser.add_argument("--learn-every", type=int, default=10, help="Sessions between learning passes (~1 min).")
        parser.add_argument("--window", type=int, default=5000, help="Impressions per CTR window in the report.")
        parser.add_argument("--experiment", help="Run the sessions through this running experiment, and keep them.")
        parser.add_argument("--interleave", help="RANKER_A,RANKER_B: interleaving against an A/B test of the two.")
        parser.add_argument("--json", action="store_true", help="End with one JSON line (progress on stderr).")

    def handle(self, *args, sessions: int, seed: int, learn_every: int, window: int, **options):
        if sessions < 1 or learn_every < 1 or window < 100:
            raise CommandError("--sessions and --learn-every must be >= 1 and --window >= 100.")
        self._json = options["json"]
        if options.get("experiment") and options.get("interleave"):
            raise CommandError("Use --experiment or --interleave, not both.")
        snapshot = catalog_snapshot()
        profile_ids = list(
            Profile.objects.filter(ratings__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)
        )
        if not profile_ids or not snapshot.artworks:
            raise CommandError("No viewers or no artwork to simulate with: run `python manage.py seed_demo` first.")
        self._started = started = time.monotonic()
        specs = session_specs(profile_ids, sessions=sessions, seed=seed)
        profiles = Profile.objects.in_bulk({s.profile_id for s in specs})
        previous = celery_override(task_always_eager=True)  # log impressions in-process
        try:
            if options.get("experiment"):
                summary = self._live(options["experiment"], specs, profiles, seed, learn_every)
            elif options.get("interleave"):
                summary = self._interleave(options["interleave"], specs, profiles, seed)
            else:
                summary = self._replays(specs, profiles, seed, learn_every, window)
        finally:
            celery_override(**previous)
        summary["seconds"] = round(time.monotonic() - started, 1)
        if options["json"]:
            self.stdout.write(json.dumps(summary))

    # The bandit against random and the oracle -------------------------------------------------

    def _replays(self, specs, profiles, seed, learn_every, window) -> dict:
        world = ClickWorld.make(len(ALL_THEMES), seed)
        viewers = viewers_truth(set(profiles), world)
        runs = {
            label: replay(
                policy, specs, profiles, viewers, world, learn_every=learn_every, progress=_progress, label=label
            )
            for label, policy in POLICIES.items()
        }
        summary, series = _replay_report(runs, len(specs), seed, window)
        summary["seconds"] = round(time.monotonic() - self._started, 1)
        SimulationReport.objects.create(sessions=len(specs), seed=seed, summary=summary, series=series)
        out = self.stderr if self._json else self.stdout
        out.write(f"CTR per {window} impressions:")
        out.write("  window  " + "  ".join(f"{name:>9}" for name in series))
        for i in range(max(len(v) for v in series.values())):
            cells = "  ".join(f"{v[i]:9.4f}" if i < len(v) else " " * 9 for v in series.values())
            out.write(f"  {i + 1:6d}  {cells}")
        out.write(
            self.style.SUCCESS(
                f"Bandit CTR {summary['ctr_bandit']:.4f} vs random {summary['ctr_random']:.4f} and oracle "
                f"{summary['ctr_oracle']:.4f}: {summary['oracle_lift_share']:.0%} of the oracle's lift "
                f"({summary['impressions']} impressions)"
            )
        )
        return summary

    # A live experiment -------------------------------------------------------------------------

    def _live(self, name, specs, profiles, seed, learn_every) -> dict:
        experiment = Experiment.objects.filter(name=name).first()
        if experiment is None or experiment.status != Experiment.Status.RUNNING:
            raise CommandError(
                f"{name!r} is not a running experiment: start it first, e.g. `python manage.py experiment_start "
                f"{name} --surface artwork --variants uniform=0.5,bandit=0.5`."
            )
        world = ClickWorld.make(len(ALL_THEMES), seed)
        viewers = viewers_truth(set(profiles), world)
        before = Impression.objects.count()
        run = live(specs, profiles, viewers, world, learn_every=learn_every, progress=_progress)
        logged = Impression.objects.count() - before
        summary = {
            "experiment": name,
            "sessions": len(specs),
            "seed": seed,
            "impressions": len(run.outcomes),
            "impressions_logged": logged,
            "clicks": int(sum(run.outcomes)),
            "plays": run.plays,
            "learning_passes": run.learning_passes,
        }
        (self.stderr if self._json else self.stdout).write(
            self.style.SUCCESS(
                f"{len(specs)} sessions through {name}: {logged} impressions and {summary['clicks']} clicks kept; "
                f"see `python manage.py experiment_report {name}`"
            )
        )
        return summary

    # Interleaving against an A/B test ----------------------------------------------------------

    def _interleave(self, spec: str, specs, profiles, seed) -> dict:
        rankers = tuple(part.strip() for part in spec.split(","))
        if len(rankers) != 2 or any(r not in RANKERS for r in rankers) or rankers[0] == rankers[1]:
            raise CommandError(
                f"--interleave takes two different rankers among {', '.join(RANKERS)}, e.g. personalized,popularity."
            )
        world = ClickWorld.make(len(ALL_THEMES), seed, title_weight=INTERLEAVE_TITLE_WEIGHT)
        viewers = viewers_truth(set(profiles), world)
        summary = {
            "seed": seed,
            **interleaving_against_ab(rankers, specs, profiles, viewers, world, progress=_progress, resample_seed=seed),
        }
        sessions = len(specs)

        def needed(count) -> str:
            return f"{count:g}" if count is not None else f"more than {sessions}"

        (self.stderr if self._json else self.stdout).write(
            self.style.SUCCESS(
                f"p < 0.05 after {needed(summary['sessions_to_p05_interleaving_median'])} sessions interleaved, "
                f"{needed(summary['sessions_to_p05_ab_median'])} as an A/B test ({rankers[0]} vs {rankers[1]}; "
                f"medians over {summary['resamples']} resampled orders; in the order run: "
                f"{needed(summary['sessions_to_p05_interleaving'])} and {needed(summary['sessions_to_p05_ab'])})"
            )
        )
        return summary


def _replay_report(runs: dict[str, Run], sessions: int, seed: int, window: int) -> tuple[dict, dict]:
    def ctr(outcomes: list[int]) -> float:
        return float(np.mean(outcomes)) if outcomes else 0.0

    bandit, random, oracle = (runs[k].outcomes for k in ("bandit", "random", "oracle"))
    lift = ctr(oracle) - ctr(random)
    after = {k: ctr(runs[k].outcomes[WARM_UP:]) for k in runs}
    summary = {
        "ctr_bandit": round(ctr(bandit), 5),
        "ctr_random": round(ctr(random), 5),
        "ctr_oracle": round(ctr(oracle), 5),
        "impressions": len(bandit),
        "impressions_per_policy": {k: len(r.outcomes) for k, r in runs.items()},
        "clicks_per_policy": {k: int(sum(r.outcomes)) for k, r in runs.items()},
        "oracle_lift_share": round((ctr(bandit) - ctr(random)) / lift, 4) if lift > 0 else None,
        "ctr_bandit_after_warm_up": round(after["bandit"], 5),
        "ctr_random_after_warm_up": round(after["random"], 5),
        "ctr_oracle_after_warm_up": round(after["oracle"], 5),
        "bandit_vs_oracle_after_warm_up": round(after["bandit"] / after["oracle"], 4) if after["oracle"] else None,
        "warm_up_impressions": WARM_UP,
        "learning_passes": runs["bandit"].learning_passes,
        "sessions": sessions,
        "seed": seed,
    }
    return summary, {POLICIES[k]: windows(r.outcomes, size=window) for k, r in runs.items()}
