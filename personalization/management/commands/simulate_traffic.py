"""Simulated viewers through the real site code (personalization.services.simulation):

    python manage.py simulate_traffic --sessions 500 --seed 1 --json [--world clickbait]
            [--policies bandit,random,oracle,vw,lints] [--reward click|play|quality_play] [--engine fast]
        the bandit against random artwork, the oracle and (optionally) the peer bandits, the same
        sessions replayed under each from a fresh state in transactions that are rolled back (only the
        report is kept), in a world read from a JSON file (personalization/worlds/, docs/simulation.md)
    python manage.py simulate_traffic --sessions 300 --seed 1 --experiment NAME
        the sessions through the live experiment path, kept as real traffic would be: the running
        experiments' assignments, impressions, events and learning passes stay in the database
    python manage.py simulate_traffic --sessions 300 --seed 1 --interleave personalized,popularity
        how many sessions team-draft interleaving needs to tell two row rankers apart at p < 0.05,
        against an A/B test of the same two (both rolled back)

Each session is one MovieLens viewer's visit: `homepage_build`, the lazy rows they scroll to
(`homepage_rows`), impressions logged through Celery (run eagerly here), clicks and plays through
`event_batch_submit` (a client's batches), and the bandit's learning pass every `--learn-every`
sessions. The last stdout line is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.selectors import catalog_snapshot
from personalization.models import Experiment, Impression, Profile, SimulationReport
from personalization.rows import RANKERS
from personalization.services.simulation import (
    LEARNERS,
    REWARDS,
    ROW_POLICIES,
    Run,
    interleaving_against_ab,
    live,
    replay,
    viewers_truth,
)
from personalization.simulation import ClickWorld, session_specs, windows, world_from_dict, world_load
from streamflix.celery import celery_override

POLICIES = ("bandit", "random", "oracle", "theme_oracle", "vw", "lints")
DEFAULT_POLICIES = "bandit,random,oracle"
LEARNING = ("bandit", "vw", "lints")
COMPARED = (*LEARNING, "theme_oracle")  # given a share of the oracle's lift
WARM_UP = 20_000  # seen impressions before the "after warm-up" comparison starts
WORLDS_DIR = Path(__file__).resolve().parents[2] / "worlds"
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
        parser.add_argument(
            "--world",
            help="The hidden truth, a JSON file (see personalization/worlds/); a bare name means "
            "personalization/worlds/NAME.json. Default: today's world.",
        )
        parser.add_argument(
            "--policies",
            default=DEFAULT_POLICIES,
            help=f"Who is replayed, among {','.join(POLICIES)} (default {DEFAULT_POLICIES}; vw and lints are "
            "the peer bandits, dev dependencies; theme_oracle knows the world except each artwork variant's own "
            "hidden draws: the ceiling of a learner that cannot tell a theme's variants apart).",
        )
        parser.add_argument(
            "--engine",
            default="site",
            choices=("site", "fast"),
            help="site (default): every page, impression and event through the real services; fast: the same "
            "row plans, choosers, truth and learners without the database, for tuning and multi-seed reports.",
        )
        parser.add_argument(
            "--reward", default="play", choices=REWARDS, help="What the learning policies optimise (default play)."
        )

    def handle(self, *args, sessions: int, seed: int, learn_every: int, window: int, **options):
        if sessions < 1 or learn_every < 1 or window < 100:
            raise CommandError("--sessions and --learn-every must be >= 1 and --window >= 100.")
        self._json = options["json"]
        self._world_file = options.get("world")
        self._reward = options.get("reward") or "play"
        self._engine = options.get("engine") or "site"
        self._policies = _policies(options.get("policies") or DEFAULT_POLICIES)
        self._world_for(seed)  # a bad world file is refused before anything runs
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
        # The replays' own time was saved with their report: the same figure here as there.
        summary.setdefault("seconds", round(time.monotonic() - started, 1))
        if options["json"]:
            self.stdout.write(json.dumps(summary))

    # The bandit against random and the oracle -------------------------------------------------

    def _world_for(self, seed: int, **overrides) -> ClickWorld:
        if not self._world_file:
            return world_from_dict(overrides, default_seed=seed, source="default world")
        path = Path(self._world_file)
        if not path.suffix and not path.exists():
            path = WORLDS_DIR / f"{self._world_file}.json"
        try:
            return world_load(path, default_seed=seed, **overrides)
        except ValueError as error:
            raise CommandError(str(error)) from error

    def _replays(self, specs, profiles, seed, learn_every, window) -> dict:
        world = self._world_for(seed)
        viewers = viewers_truth(set(profiles), world)
        shared: dict = {}  # the fast engine's viewer signals and page plans, the same for every policy
        runs = {
            label: replay(
                label, specs, profiles, viewers, world, learn_every=learn_every, reward=self._reward,
                progress=_progress, seed=seed, engine=self._engine, shared=shared,
            )
            for label in self._policies
        }  # fmt: skip
        summary, series = _replay_report(runs, len(specs), seed, window, self._reward)
        if world.row_interest and self._engine == "fast":
            summary.update(self._row_orders(specs, profiles, viewers, world, learn_every, seed, shared))
        summary["world"] = world.name
        summary["engine"] = self._engine
        summary["seconds"] = round(time.monotonic() - self._started, 1)
        SimulationReport.objects.create(sessions=len(specs), seed=seed, summary=summary, series=series)
        out = self.stderr if self._json else self.stdout
        out.write(f"CTR per {window} impressions:")
        out.write("  window  " + "  ".join(f"{name:>9}" for name in series))
        for i in range(max(len(v) for v in series.values())):
            cells = "  ".join(f"{v[i]:9.4f}" if i < len(v) else " " * 9 for v in series.values())
            out.write(f"  {i + 1:6d}  {cells}")
        rates = ", ".join(f"{label} {summary[f'ctr_{label}']:.4f}" for label in runs)
        share = summary.get("oracle_lift_share")
        out.write(
            self.style.SUCCESS(
                f"CTR {rates} ({summary['impressions']} seen impressions)"
                + (
                    f"; the bandit reaches {share:.0%} of the oracle's lift in {self._reward}s"
                    if share is not None
                    else ""
                )
            )
        )
        return summary

    def _row_orders(self, specs, profiles, viewers, world, learn_every, seed, shared) -> dict:
        """Row policies (rules, learned, oracle) on the same sessions, artwork at random: the click
        rate of seen cards from the truth's expected clicks, and the learned order's share of the gap."""
        rates = {}
        for policy in ROW_POLICIES:
            run = replay(
                "random", specs, profiles, viewers, world, learn_every=learn_every, reward=self._reward,
                progress=_progress, seed=seed, engine="fast", shared=shared, row_policy=policy,
            )  # fmt: skip
            expected = np.asarray(run.expected).reshape(-1, 3)[:, 0]
            rates[policy] = float(expected.mean()) if len(expected) else 0.0
            if policy == "learned":
                logged = np.log(np.asarray(run.row_propensities)) if run.row_propensities else np.zeros(1)
        gap = rates["oracle"] - rates["rules"]
        return {
            "row_ctr_learned": round(rates["learned"], 6),
            "row_ctr_rules": round(rates["rules"], 6),
            "row_ctr_oracle": round(rates["oracle"], 6),
            "row_oracle_share": round((rates["learned"] - rates["rules"]) / gap, 4) if gap > 0 else None,
            "row_order_mean_log_propensity": round(float(logged.mean()), 3),
        }

    # A live experiment -------------------------------------------------------------------------

    def _live(self, name, specs, profiles, seed, learn_every) -> dict:
        experiment = Experiment.objects.filter(name=name).first()
        if experiment is None or experiment.status != Experiment.Status.RUNNING:
            raise CommandError(
                f"{name!r} is not a running experiment: start it first, e.g. `python manage.py experiment_start "
                f"{name} --surface artwork --variants uniform=0.5,bandit=0.5`."
            )
        world = self._world_for(seed)
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
        world = self._world_for(seed, title_weight=INTERLEAVE_TITLE_WEIGHT)
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


def _policies(spec: str) -> list[str]:
    labels = [part.strip() for part in spec.split(",") if part.strip()]
    unknown = [label for label in labels if label not in POLICIES]
    if unknown or not labels or len(set(labels)) != len(labels):
        raise CommandError(f"--policies takes distinct names among {', '.join(POLICIES)}, got {spec!r}.")
    return labels


def _replay_report(runs: dict[str, Run], sessions: int, seed: int, window: int, reward: str) -> tuple[dict, dict]:
    """Per policy: sampled CTR and play rate per seen impression; the oracle lift shares from the
    truth's expected reward of the cards shown (the same numbers without the clicks' sampling noise)."""

    def mean(values) -> float:
        return float(np.mean(values)) if len(values) else 0.0

    column = REWARDS.index(reward)
    expected = {k: np.asarray(r.expected).reshape(-1, 3)[:, column] for k, r in runs.items()}
    summary: dict = {}
    for label, run in runs.items():
        summary[f"ctr_{label}"] = round(mean(run.outcomes), 5)
        summary[f"play_rate_{label}"] = round(mean(run.play_outcomes), 5)
        summary[f"quality_play_rate_{label}"] = round(mean(run.quality_outcomes), 5)
        summary[f"expected_{reward}_rate_{label}"] = round(mean(expected[label]), 6)
    first = next(iter(runs.values()))
    summary["impressions"] = len(first.outcomes)
    summary["impressions_served"] = first.served
    summary["impressions_per_policy"] = {k: len(r.outcomes) for k, r in runs.items()}
    summary["served_per_policy"] = {k: r.served for k, r in runs.items()}
    summary["clicks_per_policy"] = {k: int(sum(r.outcomes)) for k, r in runs.items()}
    summary["plays_per_policy"] = {k: int(sum(r.play_outcomes)) for k, r in runs.items()}
    summary["reward"] = reward
    if "random" in runs and "oracle" in runs:
        base, top = mean(expected["random"]), mean(expected["oracle"])
        lift = top - base
        for label in (k for k in COMPARED if k in runs):
            share = round((mean(expected[label]) - base) / lift, 4) if lift > 0 else None
            summary["oracle_lift_share" if label == "bandit" else f"oracle_lift_share_{label}"] = share
        after_top = mean(expected["oracle"][WARM_UP:])
        for label in (k for k in COMPARED if k in runs):
            ratio = round(mean(expected[label][WARM_UP:]) / after_top, 4) if after_top else None
            summary["after_warmup_ratio" if label == "bandit" else f"after_warmup_ratio_{label}"] = ratio
    summary["warm_up_impressions"] = WARM_UP
    if "bandit" in runs:
        summary["learning_passes"] = runs["bandit"].learning_passes
    summary["sessions"] = sessions
    summary["seed"] = seed
    # Series keep the policies' logged names (thompson, uniform, oracle, vw, lints), as Insights reads them.
    return summary, {LEARNERS.get(k, k): windows(r.outcomes, size=window) for k, r in runs.items()}
