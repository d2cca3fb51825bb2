"""Replay simulated viewers under the bandit, random artwork and the oracle:

    python manage.py simulate_traffic --sessions 500 --seed 1 --json

Each session is one MovieLens viewer's visit through the real code: `homepage_build`, the lazy rows
they scroll to (`homepage_row`), impressions logged through Celery (run eagerly here), clicks and
plays through `event_submit`, and the bandit's every-minute learning pass (`bandit_learn`) every
`--learn-every` sessions. The same sessions are replayed under each policy from a fresh state (each
run happens in a transaction that is rolled back); only the report is kept.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from catalog.selectors import catalog_snapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.bandit import BanditState, PageContext, Policy, publish, state_new
from personalization.chooser import ArtworkChooser
from personalization.models import BanditSnapshot, Event, Profile, SimulationReport
from personalization.personal import viewer_tastes
from personalization.selectors.serving import bandit_params
from personalization.selectors.viewers import viewer_history
from personalization.services.artwork import bandit_learn
from personalization.services.events import event_submit
from personalization.services.homepage import homepage_build, homepage_row
from personalization.simulation import ClickWorld, OracleChooser, SessionSpec, session_specs, windows
from streamflix.celery import celery_override

POLICIES = {"bandit": "thompson", "random": "uniform", "oracle": "oracle"}
PLAY_AFTER_CLICK = 0.35  # share of clicks that go on to press Play
WARM_UP = 20_000  # impressions before the "after warm-up" comparison starts


@dataclass
class Run:
    outcomes: list[int] = field(default_factory=list)  # 0/1 per impression, in order
    plays: int = 0
    learning_passes: int = 0


class Command(BaseCommand):
    help = "Simulate viewers and compare the artwork bandit with random artwork and the oracle."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=500, help="Viewer visits per policy (default 500).")
        parser.add_argument("--seed", type=int, default=1, help="Seed for viewers, contexts, clicks and draws.")
        parser.add_argument("--learn-every", type=int, default=10, help="Sessions between learning passes (~1 min).")
        parser.add_argument("--window", type=int, default=5000, help="Impressions per CTR window in the report.")
        parser.add_argument("--json", action="store_true", help="End with one JSON line (progress on stderr).")

    def handle(self, *args, sessions: int, seed: int, learn_every: int, window: int, **options):
        if sessions < 1 or learn_every < 1 or window < 100:
            raise CommandError("--sessions and --learn-every must be >= 1 and --window >= 100.")
        snapshot = catalog_snapshot()
        profile_ids = list(
            Profile.objects.filter(ratings__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)
        )
        if not profile_ids or not snapshot.artworks:
            raise CommandError("No viewers or no artwork to simulate with: run `python manage.py seed_demo` first.")
        started = time.monotonic()
        world = ClickWorld.make(len(ALL_THEMES), seed)
        specs = session_specs(profile_ids, sessions=sessions, seed=seed)
        # The truth is fixed before any run, from each viewer's history as it is now.
        profiles = Profile.objects.in_bulk({s.profile_id for s in specs})
        affinity = {
            pk: world.affinity(pk, viewer_tastes(viewer_history(pk), snapshot).themes)
            for pk in {s.profile_id for s in specs}
        }
        runs = {}
        previous = celery_override(task_always_eager=True)  # log impressions in-process, in the rolled-back run
        try:
            for label, policy in POLICIES.items():
                runs[label] = self._replay(label, policy, specs, profiles, affinity, world, learn_every)
        finally:
            celery_override(**previous)
        summary, series = self._report(runs, sessions, seed, window, started)
        SimulationReport.objects.create(sessions=sessions, seed=seed, summary=summary, series=series)
        self._print(summary, series, window, as_json=options["json"])

    def _replay(self, label, policy, specs, profiles, affinity, world, learn_every) -> Run:
        run = Run()
        served = {"model": publish(state_new(n_themes=len(ALL_THEMES), params=bandit_params()), version="prior")}
        with transaction.atomic():
            BanditSnapshot.objects.all().delete()  # a fresh bandit (the rollback restores the real one)
            for number, spec in enumerate(tqdm(specs, desc=f"{label:>6}", unit="session", disable=None), start=1):
                profile = profiles[spec.profile_id]
                choice_rng = np.random.default_rng([spec.seed, 1])
                factory = _factory(policy, served, world, affinity[profile.pk], choice_rng)
                self._session(spec, profile, factory, affinity[profile.pk], world, run)
                if policy == "thompson" and number % learn_every == 0:
                    bandit_learn(lag=timedelta(0))
                    latest = BanditSnapshot.objects.first()
                    state = BanditState.from_bytes(bytes(latest.state))
                    served["model"] = publish(state, bandit_params(), version=f"sim{number}")
                    run.learning_passes += 1
            transaction.set_rollback(True)
        return run

    def _session(self, spec: SessionSpec, profile, factory, affinity, world: ClickWorld, run: Run) -> None:
        click_rng = np.random.default_rng([spec.seed, 2])
        page = homepage_build(profile=profile, context=spec.context, chooser_factory=factory)
        rows = [(0, [page.hero])] if page.hero else []
        lazy_seen = 0
        for row in page.rows:
            if row.lazy:
                if lazy_seen == spec.lazy_rows:
                    break
                lazy_seen += 1
                row = homepage_row(
                    profile=profile, page_view_id=page.page_view_id, index=row.index, chooser_factory=factory
                )
            rows.append((row.index + 1, list(row.cards)))
        for row_number, cards in rows:
            for card in cards:
                if not card.theme:
                    continue
                p = world.click_probability(affinity, THEME_INDEX[card.theme], row_number, card.position)
                clicked = click_rng.random() < p
                run.outcomes.append(int(clicked))
                if clicked:
                    event_submit(
                        profile=profile, title_id=card.title_id, kind=Event.Kind.CLICK, impression=card.impression
                    )
                    if click_rng.random() < PLAY_AFTER_CLICK:
                        event_submit(
                            profile=profile, title_id=card.title_id, kind=Event.Kind.PLAY, impression=card.impression
                        )
                        run.plays += 1

    def _report(self, runs: dict[str, Run], sessions: int, seed: int, window: int, started: float):
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
            "seconds": round(time.monotonic() - started, 1),
        }
        series = {POLICIES[k]: windows(r.outcomes, size=window) for k, r in runs.items()}
        return summary, series

    def _print(self, summary: dict, series: dict[str, list[float]], window: int, *, as_json: bool) -> None:
        out = self.stderr if as_json else self.stdout
        out.write(f"CTR per {window} impressions:")
        out.write("  window  " + "  ".join(f"{name:>9}" for name in series))
        for i in range(max(len(v) for v in series.values())):
            cells = "  ".join(f"{v[i]:9.4f}" if i < len(v) else " " * 9 for v in series.values())
            out.write(f"  {i + 1:6d}  {cells}")
        if as_json:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Bandit CTR {summary['ctr_bandit']:.4f} vs random {summary['ctr_random']:.4f} and oracle "
                    f"{summary['ctr_oracle']:.4f}: {summary['oracle_lift_share']:.0%} of the oracle's lift "
                    f"({summary['impressions']} impressions, {summary['seconds']:.0f}s)"
                )
            )


def _factory(policy: str, served: dict, world: ClickWorld, affinity: np.ndarray, rng: np.random.Generator):
    """The chooser every page of the session uses: a fixed policy, seeded, or the oracle."""

    def factory(*, taste, snapshot, context, page_view_id, policy_name=None):
        if policy == "oracle":
            return OracleChooser(snapshot, world, affinity)
        return ArtworkChooser(
            snapshot,
            policy=Policy(policy, bandit_params()),
            model=served["model"] if policy == "thompson" else None,
            context=PageContext.from_labels(taste, daypart=context.daypart, device=context.device),
            rng=rng,
        )

    return factory
