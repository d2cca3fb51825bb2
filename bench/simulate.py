"""Wall time of `simulate_traffic` through the real site code: 500 sessions under bandit, random and
oracle (issue 11's target: under 120 s on this machine), and the fast engine for comparison.

Each engine runs in a fresh process (as a user would run the command); the time includes loading
the catalogue snapshot and the viewers' truth.

    python bench/simulate.py [--sessions 500] [--seed 1] [--world default] [--engines site,fast] [--no-vacuum]

On PostgreSQL the tables the replays write are vacuumed first (`dead_rows_before` says how many
there were): every replay rolls back its ~90,000 impressions, events and page views, and where
autovacuum is off (as on the development machine's server) each run leaves them dead for the next,
which slowed a 500-session run from 148 to 155 s within four runs.

Needs a seeded database (`python manage.py seed_demo`). The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", default="default")
    parser.add_argument("--engines", default="site,fast")
    parser.add_argument("--no-vacuum", action="store_true", help="measure the tables as they are")
    args = parser.parse_args()
    out: dict = {"sessions": args.sessions, "seed": args.seed, "world": args.world, "policies": "bandit,random,oracle"}
    if not args.no_vacuum:
        out["dead_rows_before"] = vacuum()
    for engine in args.engines.split(","):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "manage.py", "simulate_traffic", "--sessions", str(args.sessions), "--seed",
             str(args.seed), "--world", args.world, "--engine", engine, "--json"],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}, check=True,
        )  # fmt: skip
        wall = time.monotonic() - started
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        out[f"{engine}_seconds"] = round(wall, 1)
        out[f"{engine}_seconds_in_command"] = summary["seconds"]
        out[f"{engine}_oracle_lift_share"] = summary.get("oracle_lift_share")
        out[f"{engine}_impressions"] = summary["impressions"]
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    out["target_seconds"] = 120
    print(json.dumps(out))


REPLAY_TABLES = (
    "personalization_impression",
    "personalization_impressionoutbox",
    "personalization_event",
    "personalization_engagement",
    "personalization_pageview",
    "personalization_impressionseenpending",
)


def vacuum() -> int | None:
    """VACUUM ANALYZE the tables the replays write (PostgreSQL); the dead rows there were before."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables WHERE relname LIKE ANY(%s)",
                       [[f"{table}%" for table in REPLAY_TABLES]])  # fmt: skip
        dead = int(cursor.fetchone()[0])
        print(f"vacuuming {len(REPLAY_TABLES)} tables ({dead:,} dead rows)", file=sys.stderr)
        for table in REPLAY_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    connection.close()
    return dead


if __name__ == "__main__":
    main()
