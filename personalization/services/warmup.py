"""A demo that starts warm, honestly: the artwork bandit and the row model learn from simulated sessions
before the first tester arrives (`warm_bandit --sessions N`, and `seed_demo`).

The sessions are the traffic simulator's (`personalization.services.simulation.session_run`, as it is):
sample viewers visit in the default simulated world, through the real page building (the live artwork
policy, the running experiments' assignments), the seen reports, clicks and plays by the world's
hidden truth, and the bandit's and the row model's learning passes every `learn_every` sessions. What stays:
- their page views and impressions, marked `simulated`: the bandit has learned from them (and a rebuild
  after a reward change learns from them again), but experiment results, live CTR, off-policy
  evaluation and the export's `counted` leave them out, and Insights says how many there are;
- their click and play events (each carries its simulated impression's id);
- the bandit and row model snapshots learned from them (the pages' row orders were logged, so the row
  model learns which rows' cards get clicked, as it does from people).
What does not: the sample viewers' own standing (plays, progress, Continue Watching), restored to what it
was, so that no tester finds a simulated viewer's plays in a sample viewer's rows.

"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.core.cache import cache

from catalog.selectors import catalog_snapshot
from catalog.themes import ALL_THEMES
from personalization.models import BanditSnapshot, Engagement, Impression, Profile
from personalization.page import PageExpired
from personalization.selectors.experiments import running_experiments_forget
from personalization.selectors.serving import published_bandit_forget, published_row_model_forget
from personalization.selectors.viewers import history_changed_key
from personalization.services.artwork import artwork_chooser, bandit_learn
from personalization.services.rows import rows_learn
from personalization.services.simulation import Run, session_run, viewers_truth
from personalization.simulation import ClickWorld, session_specs
from streamflix.celery import celery_override

DEFAULT_LEARN_EVERY = 10  # sessions between learning passes, as simulate_traffic's default


class NothingToWarm(ValueError):
    """No sample viewers or no artwork yet (seed the demo first)."""


@dataclass(frozen=True)
class WarmStats:
    sessions: int
    skipped: int  # sessions cut short: their page's plan was lost from the cache
    impressions: int  # seen, simulated impressions logged
    clicks: int
    plays: int
    learning_passes: int
    snapshot_id: int | None
    seconds: float

    def as_dict(self) -> dict:
        return {
            "sessions": self.sessions,
            "skipped": self.skipped,
            "impressions": self.impressions,
            "clicks": self.clicks,
            "plays": self.plays,
            "learning_passes": self.learning_passes,
            "snapshot_id": self.snapshot_id,
            "seconds": self.seconds,
        }


def bandit_warm(
    *,
    sessions: int,
    seed: int = 0,
    learn_every: int = DEFAULT_LEARN_EVERY,
    progress: Callable = lambda items, **kwargs: items,
) -> WarmStats:
    """Run `sessions` simulated sessions in the default world and let the bandit and the row model learn from them."""
    if sessions < 1 or learn_every < 1:
        raise ValueError("sessions and learn_every must be at least 1")
    started = time.monotonic()
    profile_ids = list(
        Profile.objects.filter(ratings__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)
    )
    if not profile_ids or not catalog_snapshot().artworks:
        raise NothingToWarm("No viewers or no artwork to simulate with: run `python manage.py seed_demo` first.")
    world = ClickWorld.make(len(ALL_THEMES), seed)  # the default world
    specs = session_specs(profile_ids, sessions=sessions, seed=seed)
    profiles = Profile.objects.in_bulk({spec.profile_id for spec in specs})
    viewers = viewers_truth(set(profiles), world)
    standing = _standing(set(profiles))
    before = Impression.objects.filter(simulated=True, seen_at__isnull=False).count()
    run = Run()
    skipped = 0
    previous = celery_override(task_always_eager=True)  # log impressions in-process, as simulate_traffic does
    running_experiments_forget()
    try:
        for number, spec in enumerate(progress(specs, desc="warm-up", unit="session"), start=1):
            rng = np.random.default_rng([spec.seed, 1])

            def factory(*, rng=rng, **kwargs):
                return artwork_chooser(rng=rng, **kwargs)

            profile = profiles[spec.profile_id]
            viewer = viewers[profile.pk]
            try:
                session_run(spec, profile, factory=factory, viewer=viewer, world=world, run=run, simulated=True)
            except PageExpired:  # its plan was lost from the cache (a Redis blip): what it logged stays
                skipped += 1
            if number % learn_every == 0 or number == len(specs):
                bandit_learn(lag=timedelta(0))
                rows_learn(lag=timedelta(0))
                published_bandit_forget()  # the next session's pages use what was just learned
                published_row_model_forget()
                run.learning_passes += 1
    finally:
        celery_override(**previous)
        _restore(set(profiles), standing)
    return WarmStats(
        sessions=len(specs),
        skipped=skipped,
        impressions=Impression.objects.filter(simulated=True, seen_at__isnull=False).count() - before,
        clicks=int(sum(run.outcomes)),
        plays=run.plays,
        learning_passes=run.learning_passes,
        snapshot_id=BanditSnapshot.objects.latest_id() or None,
        seconds=round(time.monotonic() - started, 1),
    )


_STANDING_FIELDS = ("thumb", "in_my_list", "plays", "progress")


def _standing(profile_ids: set[int]) -> dict[tuple[int, int], tuple]:
    return {
        (row[0], row[1]): row[2:]
        for row in Engagement.objects.filter(profile_id__in=profile_ids).values_list(
            "profile_id", "title_id", *_STANDING_FIELDS
        )
    }


def _restore(profile_ids: set[int], before: dict[tuple[int, int], tuple]) -> None:
    """Put the sample viewers' standing back as it was before the simulated sessions played titles."""
    changed = set()
    for pk, profile_id, title_id, *values in Engagement.objects.filter(profile_id__in=profile_ids).values_list(
        "pk", "profile_id", "title_id", *_STANDING_FIELDS
    ):
        was = before.get((profile_id, title_id))
        if was is None:
            Engagement.objects.filter(pk=pk).delete()
        elif tuple(values) != tuple(was):
            Engagement.objects.filter(pk=pk).update(**dict(zip(_STANDING_FIELDS, was, strict=True)))
        else:
            continue
        changed.add(profile_id)
    for profile_id in changed:
        cache.set(history_changed_key(profile_id), time.time(), None)
