"""Wall time of `simulate_traffic` through the real site code: 500 sessions under bandit, random and
oracle (issue 11's target: under 120 s on this machine), and the fast engine for comparison.

Each engine runs in a fresh process (as a user would run the command); the time includes loading
the catalogue snapshot and the viewers' truth.

    python bench/simulate.py [--sessions 500] [--seed 1] [--world default] [--engines site,fast]

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
    args = parser.parse_args()
    out: dict = {"sessions": args.sessions, "seed": args.seed, "world": args.world, "policies": "bandit,random,oracle"}
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


if __name__ == "__main__":
    main()
