"""Does `export_impressions` stream? Its peak memory for a small and a ten times larger export.

    python bench/export.py --json [--rows 20000,200000]

Against the configured database (PostgreSQL with DATABASE_URL, migrated): inserts synthetic
impressions dated in 2099 (so they are told apart from real ones), runs the real command in a child
process for each size (`--since` selecting exactly them, output to /dev/null), reads the child's peak
resident memory from the kernel (wait4), and deletes the synthetic rows. Streaming means the peak
stays flat while the rows grow tenfold. Last stdout line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
FUTURE = datetime(2099, 1, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="20000,200000", help="export sizes, comma separated")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.rows.split(","))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")
    import django

    django.setup()
    from tqdm import tqdm

    from personalization.models import Impression

    results = []
    try:
        inserted = 0
        for size in sizes:
            with tqdm(total=size - inserted, desc=f"inserting up to {size}", unit="row", file=sys.stderr) as bar:
                while inserted < size:
                    batch = min(10_000, size - inserted)
                    Impression.objects.bulk_create(_synthetic(inserted, batch))
                    inserted += batch
                    bar.update(batch)
            started = time.monotonic()
            peak_mb = _export_peak_mb()
            results.append({"rows": size, "peak_rss_mb": peak_mb, "seconds": round(time.monotonic() - started, 1)})
            print(f"  {size} rows: peak {peak_mb} MB", file=sys.stderr)
    finally:
        deleted, _ = Impression.objects.filter(shown_at__gte=FUTURE).delete()
        print(f"  removed {deleted} synthetic impressions", file=sys.stderr)
    growth = results[-1]["peak_rss_mb"] / results[0]["peak_rss_mb"]
    summary = {"exports": results, "peak_growth": round(growth, 3), "streams": growth < 1.2}
    print(
        f"{results[-1]['rows'] / results[0]['rows']:.0f}x the rows, {growth:.2f}x the peak memory",
        file=sys.stderr,
    )
    if args.json:
        print(json.dumps(summary))


def _synthetic(start: int, count: int):
    from personalization.models import Impression

    now = datetime.now(UTC)
    for n in range(start, start + count):
        yield Impression(
            id=uuid.uuid4(), page_view_id=uuid.uuid4(), profile_id=1 + n % 600, title_id=1 + n % 9000,
            artwork_id=None, theme="drama", row_key="top-picks", row_index=n % 12, position=n % 20,
            shown_at=FUTURE + timedelta(seconds=n), daypart="evening", device="desktop", policy="uniform",
            policy_version="bench/export", propensity=1 / 3, candidates="1 2 3",
            candidate_propensities="0.333333 0.333333 0.333333", n_candidates=3, ingested_at=now,
        )  # fmt: skip


def _export_peak_mb() -> float:
    command = [sys.executable, str(REPO / "manage.py"), "export_impressions", "--out", os.devnull]
    command += ["--since", FUTURE.isoformat()]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"export_impressions failed (exit {child.returncode}); run it by hand to see why.")
    return round(usage.ru_maxrss / 1024, 1)


if __name__ == "__main__":
    main()
