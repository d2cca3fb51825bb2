"""Benchmark of the recommender on MovieLens small: training time, scoring latency, memory, artifact.

Run from the repo root: `python bench/recommender.py --json`. Progress goes to stderr; the last stdout
line is one JSON object. Data: $MOVIELENS_DIR (default ../shared/datasets/ml-latest-small).
Targets: the nightly retrain (holdout measurement + training, both stages each) < 60 s, one viewer's
scores (candidates + features + ranker) < 5 ms, top-50 for all 610 viewers < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from personalization.recommender import RecommenderModel, Viewer, train  # noqa: E402
from personalization.recommender.content import movielens_items  # noqa: E402
from personalization.recommender.protocol import holdout_metrics, model_ratings  # noqa: E402


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _latencies_us(function, viewers: list[Viewer], repeats: int = 5) -> np.ndarray:
    """Per viewer, the fastest of `repeats` calls: the compute time, not time spent preempted (2 cores shared
    with other services; with 3 repeats the p95 was still mostly preemption)."""
    function(viewers[0])  # warm-up
    out = np.full(len(viewers), np.inf)
    for _ in range(repeats):
        for index, viewer in enumerate(viewers):
            started = time.perf_counter()
            function(viewer)
            out[index] = min(out[index], (time.perf_counter() - started) * 1e6)
    return out


def _summary(latencies: np.ndarray) -> dict[str, float]:
    return {
        "median": round(float(np.median(latencies)), 1),
        "p95": round(float(np.percentile(latencies, 95)), 1),
        "max": round(float(latencies.max()), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON summary on stdout")
    args = parser.parse_args()
    data_dir = Path(os.environ.get("MOVIELENS_DIR", REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    ratings = model_ratings(pd.read_csv(data_dir / "ratings.csv"))
    items = movielens_items(pd.read_csv(data_dir / "movies.csv"), pd.read_csv(data_dir / "tags.csv"))
    _log(f"loaded {len(ratings)} ratings and {len(items)} titles from {data_dir}")

    # The nightly pipeline's model work (services.training.model_retrain without the database):
    # measure on the holdout split, then train on everything. Each trains both stages.
    started = time.perf_counter()
    holdout_metrics(ratings, None, items=items)
    holdout_seconds = time.perf_counter() - started
    _log(f"holdout measurement in {holdout_seconds:.2f}s")
    started = time.perf_counter()
    model = train(
        ratings, items=items, progress=lambda message: _log(f"  {time.perf_counter() - started:6.2f}s {message}")
    )
    neighbours_started = time.perf_counter()
    assert model.precompute_similar()  # (model_retrain saves every title's "Because you watched" with the model)
    neighbours_seconds = time.perf_counter() - neighbours_started
    _log(f"  every title's neighbours in {neighbours_seconds:.2f}s")
    train_seconds = time.perf_counter() - started
    nightly_seconds = holdout_seconds + train_seconds
    _log(f"trained in {train_seconds:.2f}s; nightly retrain {nightly_seconds:.2f}s")

    known = [model.viewer_for(int(user)) for user in model.user_ids]
    folded = [Viewer(items=viewer.items, ratings=viewer.ratings) for viewer in known]
    onboarding = [Viewer(items=viewer.items[:3]) for viewer in known]
    scores_known = _latencies_us(model.scores, known)
    scores_folded = _latencies_us(model.scores, folded)
    scores_onboarding = _latencies_us(model.scores, onboarding)
    top10_known = _latencies_us(lambda viewer: model.top_k(viewer, 10), known)
    _log(f"scores per viewer: median {np.median(scores_known):.0f} us, fold-in {np.median(scores_folded):.0f} us")

    all_top50_seconds = np.inf
    for _ in range(3):  # best of 3, for the same reason
        started = time.perf_counter()
        model.top_k_for_users(model.user_ids, 50)
        all_top50_seconds = min(all_top50_seconds, time.perf_counter() - started)
    _log(f"top-50 for all {model.n_users} viewers in {all_top50_seconds:.3f}s")

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "model.npz"
        started = time.perf_counter()
        model.save(path)
        save_seconds = time.perf_counter() - started
        artifact_bytes = path.stat().st_size
        tracemalloc.start()
        started = time.perf_counter()
        loaded = RecommenderModel.load(path)
        load_seconds = time.perf_counter() - started
        loaded.top_k_for_users(loaded.user_ids, 50)
        _, serving_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    _log(f"artifact {artifact_bytes / 1e6:.1f} MB, load {load_seconds * 1000:.0f} ms")

    # Training again under tracemalloc (it slows Python-level code, so its time is not the one reported).
    tracemalloc.start()
    train(ratings, items=items)
    _, training_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "nightly_retrain_seconds": round(nightly_seconds, 3),
        "similar_precompute_seconds": round(neighbours_seconds, 3),
        "holdout_measurement_seconds": round(holdout_seconds, 3),
        "train_seconds": round(train_seconds, 3),
        "score_one_viewer_us": _summary(scores_known),
        "score_one_viewer_fold_in_us": _summary(scores_folded),
        "score_onboarding_three_picks_us": _summary(scores_onboarding),
        "top10_one_viewer_us": _summary(top10_known),
        "all_viewers_top50_seconds": round(all_top50_seconds, 4),
        "artifact_mb": round(artifact_bytes / 1e6, 2),
        "artifact_save_seconds": round(save_seconds, 3),
        "artifact_load_seconds": round(load_seconds, 3),
        "tracemalloc_peak_training_mb": round(training_peak / 1e6, 1),
        "tracemalloc_peak_load_and_serve_mb": round(serving_peak / 1e6, 1),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **model.counts(),
        "targets_met": {
            "nightly_retrain_under_60s": nightly_seconds < 60,
            "score_one_viewer_p95_under_5ms": float(np.percentile(scores_known, 95)) < 5000,
            "score_one_viewer_fold_in_p95_under_5ms": float(np.percentile(scores_folded, 95)) < 5000,
            "all_top50_under_2s": all_top50_seconds < 2,
        },
    }
    if not args.json:
        _log(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
