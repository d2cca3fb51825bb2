"""The bandit against random, the oracle and its peers on every shipped world, over several seeds.

Runs `simulate_traffic --json` (by default the fast engine: the same row plans, choosers, truth
and learners as the site engine, without the database) for each world and seed, and reports per
world the mean and the spread (sd, min, max) of every policy's share of the oracle's lift.

The tuning rule (README, "The bandit must win on worlds it was not tuned on"): designs are tuned
on seeds 1-50 only; the reported figures are seeds 101-105, run once.

    python bench/worlds.py --seeds 101-105 --sessions 2000 [--worlds default,clickbait]
        [--policies bandit,random,oracle,vw,lints] [--reward play] [--engine fast] [--out FILE]

Needs a seeded database (`python manage.py seed_demo`). The last stdout line is one JSON object;
with --out, each run's JSON line is also appended to FILE as it finishes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")


def seeds_of(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        out.extend(range(int(low), int(high or low) + 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101-105")
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--worlds", default="")
    parser.add_argument("--policies", default="bandit,random,oracle,vw,lints")
    parser.add_argument("--reward", default="play")
    parser.add_argument("--engine", default="fast")
    parser.add_argument("--learn-every", type=int, default=10)
    parser.add_argument("--out")
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command

    worlds_dir = ROOT / "personalization" / "worlds"
    worlds = args.worlds.split(",") if args.worlds else sorted(p.stem for p in worlds_dir.glob("*.json"))
    seeds = seeds_of(args.seeds)
    results: dict[str, list[dict]] = {}
    started = time.monotonic()
    for world in worlds:
        for seed in seeds:
            out = io.StringIO()
            call_command(
                "simulate_traffic", "--sessions", str(args.sessions), "--seed", str(seed), "--json",
                "--world", world, "--policies", args.policies, "--reward", args.reward, "--engine", args.engine,
                "--learn-every", str(args.learn_every), stdout=out, stderr=io.StringIO(),
            )  # fmt: skip
            summary = json.loads(out.getvalue().strip().splitlines()[-1])
            results.setdefault(world, []).append(summary)
            line = {k: v for k, v in summary.items() if "share" in k or k.startswith("ctr_") or k == "seconds"}
            print(json.dumps({"world": world, "seed": seed, **line}), file=sys.stderr, flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(json.dumps({"world": world, **summary}) + "\n")

    report: dict = {
        "sessions": args.sessions,
        "seeds": args.seeds,
        "reward": args.reward,
        "engine": args.engine,
        "seconds": round(time.monotonic() - started, 1),
        "worlds": {},
    }
    for world, runs in results.items():
        entry = {}
        for key in sorted({k for r in runs for k in r if k.startswith("oracle_lift_share")}):
            values = np.array([r[key] for r in runs if r.get(key) is not None], dtype=float)
            if len(values):
                entry[key] = {
                    "mean": round(float(values.mean()), 4),
                    "sd": round(float(values.std(ddof=1)), 4) if len(values) > 1 else 0.0,
                    "min": round(float(values.min()), 4),
                    "max": round(float(values.max()), 4),
                }
        report["worlds"][world] = entry
    print(json.dumps(report))


if __name__ == "__main__":
    main()
