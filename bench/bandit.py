"""Timings of the artwork bandit: choosing a homepage's artwork, and the minute job's fold + publish.

The web process calls `choose_page` once per homepage (~200 cards plus the hero) inside the
request, so its median and p95 are what a viewer waits for; the batch job folds the last
minute's impressions and publishes a new model, which must stay far below a minute.

Two card mixes: "uniform_3_6" (3-6 arms each, all sets distinct: the worst case for the
per-set cache and the quadrature) and "catalog" (arm counts as in the demo catalogue: 85% of
titles have 3 variants, 10% 4, 3% 5, 2% 6; sets still all distinct).

    python bench/bandit.py [--json] [--pages 300] [--seed 0]

The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# One BLAS thread, as web and worker processes should run: on this 2-core box a 2-thread OpenBLAS
# turns the fold's 0.2 ms gram matrix into ~16 ms whenever the other core is busy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from personalization.bandit import (  # noqa: E402
    BanditParams,
    Policy,
    choose_page,
    fold,
    fold_rewards,
    publish,
    state_new,
)
from personalization.bandit.synthetic import SyntheticWorld, simulate  # noqa: E402

CARDS_PER_PAGE = 200
CARD_MIXES = {
    "uniform_3_6": ((3, 4, 5, 6), (0.25, 0.25, 0.25, 0.25)),
    "catalog": ((3, 4, 5, 6), (0.85, 0.10, 0.03, 0.02)),
}
FOLD_IMPRESSIONS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--pages", type=int, default=300, help="pages timed per card mix")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    world = SyntheticWorld.make(rng)
    params = BanditParams()
    started = time.perf_counter()
    _, model = simulate(world, Policy("thompson", params), rng, rounds=20, pages_per_round=10, cards_per_page=50)
    train_s = time.perf_counter() - started

    result: dict[str, object] = {
        "openblas_threads": os.environ["OPENBLAS_NUM_THREADS"],
        "load_average_1m": round(os.getloadavg()[0], 2),
        "machine_reference_ms": _machine_reference_ms(),
        "n_themes": world.n_themes,
        "d": model.space.d,
        "model_impressions": model.n_impressions,
        "model_bytes": len(model.to_bytes()),
        "train_s": round(train_s, 2),
        "cards_per_page": CARDS_PER_PAGE,
    }
    for mix, (counts, weights) in CARD_MIXES.items():
        result[f"choose_page_{mix}"] = _time_pages(world, model, params, rng, counts, weights, args.pages)
    result["fold_publish_10k"] = _time_fold(world, params, rng)

    if not args.json:
        for key, value in result.items():
            print(f"{key}: {value}")
    print(json.dumps(result))


def _time_pages(world, model, params, rng, counts, weights, pages: int) -> dict[str, float]:
    """Median/p95 of choose_page over `pages` viewers, each with fresh random cards."""
    policy = Policy("thompson", params)
    inputs = []
    for _ in range(pages):
        sizes = rng.choice(counts, size=CARDS_PER_PAGE, p=weights)
        cards = [rng.choice(world.n_themes, size=size, replace=False) for size in sizes]
        inputs.append((world.viewer(rng).context, cards))
    for context, cards in inputs[:10]:  # warm-up: first-call allocations and imports
        choose_page(policy, model, context, cards, rng)
    times = []
    for context, cards in inputs:
        started = time.perf_counter()
        choose_page(policy, model, context, cards, rng)
        times.append(time.perf_counter() - started)
    ms = np.array(times) * 1e3
    return {
        "median_ms": round(float(np.median(ms)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "pages": pages,
        "arms_per_card": round(float(np.mean([len(card) for _, cards in inputs for card in cards])), 2),
    }


def _machine_reference_ms() -> float:
    """A fixed numpy workload (ndtr of 100k values), to compare runs on a shared, noisy machine."""
    from scipy.special import ndtr

    z = np.linspace(-5.0, 5.0, 100_000)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        ndtr(z)
        times.append(time.perf_counter() - started)
    return round(float(np.median(times)) * 1e3, 3)


def _time_fold(world, params, rng) -> dict[str, float]:
    """The minute job on 10,000 impressions: features, fold (impressions), fold (clicks), publish."""
    n = FOLD_IMPRESSIONS
    tastes = np.clip(rng.normal(0.0, 1.0, (n, world.n_themes)), -3, 3)
    themes = rng.integers(world.n_themes, size=n)
    dayparts = rng.integers(4, size=n)
    devices = rng.integers(4, size=n)
    clicked = rng.random(n) < 0.08
    state = state_new(n_themes=world.n_themes, params=params)
    space = state.space

    t0 = time.perf_counter()
    x = space.impression_features(tastes, themes, dayparts, devices)
    t1 = time.perf_counter()
    state = fold(state, x)
    state = fold_rewards(state, x[clicked], np.ones(int(clicked.sum())))
    t2 = time.perf_counter()
    model = publish(state, params)
    blob = model.to_bytes()
    t3 = time.perf_counter()
    return {
        "features_ms": round((t1 - t0) * 1e3, 2),
        "fold_ms": round((t2 - t1) * 1e3, 2),
        "publish_and_serialise_ms": round((t3 - t2) * 1e3, 2),
        "total_ms": round((t3 - t0) * 1e3, 2),
        "model_bytes": len(blob),
    }


if __name__ == "__main__":
    main()
