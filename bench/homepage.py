"""Server time to build a homepage, and the share of it spent choosing artwork.

    python bench/homepage.py --json [--pages 200]

Runs against the configured database (the demo's SQLite by default; run `make demo` or
`python manage.py seed_demo` first). Builds full pages (every lazy row filled, ~200 cards) for
sample viewers; the impression message is built but not published (bench/impressions.py times
that). Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="pages to build (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")
    import django

    django.setup()
    from personalization.chooser import ArtworkChooser
    from personalization.context import Context
    from personalization.models import Profile
    from personalization.services import homepage

    profiles = list(Profile.objects.filter(ratings__isnull=False).distinct().order_by("pk")[: args.pages])
    if not profiles:
        sys.exit("No viewers: run `python manage.py seed_demo` first.")

    choose_seconds: list[float] = []
    original_choose = ArtworkChooser.choose

    def timed_choose(self, title_ids):
        started = time.perf_counter()
        try:
            return original_choose(self, title_ids)
        finally:
            choose_seconds.append(time.perf_counter() - started)

    ArtworkChooser.choose = timed_choose
    # Publishing a page's message is timed by bench/impressions.py (publish_ms_per_page); here it is
    # left out so no bench messages reach the demo's queue.
    homepage.impressions_publish = lambda batch: "not published"

    context = Context(hour=20, daypart="evening", device="desktop")
    homepage.homepage_build(profile=profiles[0], context=context)  # warm the snapshot and the model
    page_ms, choose_ms, cards = [], [], []
    for i in range(args.pages):
        profile = profiles[i % len(profiles)]
        choose_seconds.clear()
        started = time.perf_counter()
        page = homepage.homepage_build(profile=profile, context=context)
        rows = [
            homepage.homepage_row(profile=profile, page_view_id=page.page_view_id, index=r.index)
            for r in page.rows
            if r.lazy
        ]
        page_ms.append(1000 * (time.perf_counter() - started))
        choose_ms.append(1000 * sum(choose_seconds))
        cards.append(1 + sum(len(r.cards) for r in page.rows) + sum(len(r.cards) for r in rows))
        if (i + 1) % 50 == 0:
            print(f"{i + 1} pages", file=sys.stderr)

    def p95(values):
        return statistics.quantiles(values, n=20)[-1]

    result = {
        "pages": args.pages,
        "cards_per_page_median": statistics.median(cards),
        "page_ms_median": round(statistics.median(page_ms), 2),
        "page_ms_p95": round(p95(page_ms), 2),
        "artwork_choice_ms_median": round(statistics.median(choose_ms), 3),
        "artwork_choice_ms_p95": round(p95(choose_ms), 3),
        "artwork_choice_target_ms": 5.0,
    }
    print(
        f"artwork choice {result['artwork_choice_ms_median']} ms of a {result['page_ms_median']} ms page "
        f"({result['cards_per_page_median']} cards)",
        file=sys.stderr,
    )
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
