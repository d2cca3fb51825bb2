"""What the warm-up buys a tester's first page: the bandit's share of the oracle's lift, cold and warm.

    python bench/warm_start.py --sessions 200 --viewers 100 --json

Runs against the configured database (seeded: `python manage.py seed_demo`) inside one transaction that
is rolled back: nothing it does is kept. It starts from a cold bandit (the prior, blind to whatever the log
already holds: `bandit_fresh_start`), measures,
warms it with `bandit_warm` (the simulator's sessions in the default world, seed 0), and measures again.

The measure: for `--viewers` sample viewers (not chosen by the warm-up: a separate seed) and the 60 most
popular titles with at least two artwork variants, in two contexts (evening on a desktop, morning on a
phone), the expected click rate of a first-row card under the default world's hidden truth when the
artwork is drawn with the published bandit's exact probabilities, against uniformly random artwork and
the oracle (the truth's best variant): share = (bandit - random) / (oracle - random), pooled.
Honest limit: the truth the warm-up learned from and the one it is scored on are the same simulated
world; this says the warm-up reaches the first page, not how real people respond. Progress goes to
stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CONTEXTS = (("evening", "desktop"), ("morning", "mobile"))
TITLES = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200, help="warm-up sessions (default 200, as seed_demo)")
    parser.add_argument("--viewers", type=int, default=100, help="sample viewers scored (default 100)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")
    import django

    django.setup()
    import numpy as np
    from django.db import transaction

    from catalog.selectors import catalog_snapshot
    from catalog.themes import ALL_THEMES, THEME_INDEX
    from personalization.bandit import PageContext, Policy, page_probabilities
    from personalization.models import Profile
    from personalization.personal import viewer_tastes
    from personalization.selectors.serving import bandit_params, published_bandit, published_bandit_forget
    from personalization.selectors.viewers import viewer_history
    from personalization.services.artwork import bandit_fresh_start
    from personalization.services.warmup import bandit_warm
    from personalization.simulation import ClickWorld

    snapshot = catalog_snapshot()
    profile_ids = list(Profile.objects.filter(ratings__isnull=False).distinct().values_list("pk", flat=True))
    if not profile_ids:
        sys.exit("No sample viewers: run `python manage.py seed_demo` first.")
    rng = np.random.default_rng(101)
    scored = sorted(rng.choice(profile_ids, size=min(args.viewers, len(profile_ids)), replace=False).tolist())
    world = ClickWorld.make(len(ALL_THEMES), 0)  # the warm-up's default world
    popular = [int(t) for t in snapshot.title_ids[np.argsort(-snapshot.rating_count, kind="stable")]]
    titles = [t for t in popular if len(snapshot.artworks.get(t, ())) >= 2][:TITLES]
    arms = [np.array([THEME_INDEX[v.theme] for v in snapshot.artworks[t]]) for t in titles]
    viewers = []
    for profile_id in scored:
        taste = viewer_tastes(viewer_history(profile_id), snapshot).themes
        viewers.append((taste, world.affinity(profile_id, taste)))

    def measure() -> dict:
        published_bandit_forget()
        model, policy = published_bandit(), Policy("thompson", bandit_params())
        totals = np.zeros(3)  # bandit, random, oracle: summed expected clicks
        for taste, affinity in viewers:
            for daypart, device in CONTEXTS:
                context = PageContext.from_labels(taste, daypart=daypart, device=device)
                probabilities = page_probabilities(policy, model, context, arms)
                for card, themes in enumerate(arms):
                    clicks = np.array([world.click_probability(affinity, int(k), 1, 0) for k in themes])
                    totals += [probabilities[card, : len(themes)] @ clicks, clicks.mean(), clicks.max()]
        n = len(viewers) * len(CONTEXTS) * len(arms)
        bandit, random, oracle = totals / n
        return {
            "ctr_bandit": round(float(bandit), 5),
            "ctr_random": round(float(random), 5),
            "ctr_oracle": round(float(oracle), 5),
            "oracle_lift_share": round(float((bandit - random) / (oracle - random)), 4),
        }

    started = time.monotonic()
    with transaction.atomic():
        bandit_fresh_start()  # cold: the prior, blind to the log so far (the rollback restores the real one)
        cold = measure()
        print(f"cold: {cold}", file=sys.stderr)
        stats = bandit_warm(sessions=args.sessions, seed=0)
        warm = measure()
        print(f"warm after {args.sessions} sessions: {warm}", file=sys.stderr)
        transaction.set_rollback(True)
    published_bandit_forget()
    result = {
        "sessions": args.sessions,
        "viewers": len(viewers),
        "titles": len(titles),
        "warm_up_impressions": stats.impressions,
        "warm_up_seconds": stats.seconds,
        "cold_oracle_lift_share": cold["oracle_lift_share"],
        "warm_oracle_lift_share": warm["oracle_lift_share"],
        "cold": cold,
        "warm": warm,
        "seconds": round(time.monotonic() - started, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(result)


if __name__ == "__main__":
    main()
