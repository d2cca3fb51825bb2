"""How training scales: each engine on MovieLens-shaped synthetic data F times ml-latest-small.

Run from the repo root: `python bench/scale.py --json --factors 1,10,50 [--engines local,spark]
[--master local[2]] [--chart docs/scale.png] [--data-dir DIR]` (`--redraw OUT.json ... --chart F.png` draws the
chart from earlier runs' outputs). Progress goes to stderr; the last stdout line is one
JSON object: {"runs": [{"engine", "factor", "ratings", "viewers", "titles", "train_s", "peak_gb",
"peak_rss_gb", "cpu_s", "artifact_mb"}, ...],
"quality": [{"engine", "factor": 1, "ndcg_at_10", ...}], "machine": {...}}.

Each run is a fresh process (`--child`) that loads the data set and calls the training seam
(`personalization.recommender.train(..., engine=...)`, both stages, as the nightly retrain does
after its holdout measurement); train_s is its wall-clock training time, peak_gb the peak
proportional set size (PSS) summed over its whole process tree (the Python process, the local
engine's forked fitting processes, and for spark the JVM it starts), sampled every 0.2 s from /proc;
peak_rss_gb the same with RSS, which counts the pages forked processes share with their parent once
per process, so its sum overstates a forked tree; cpu_s the CPU seconds of the whole run (loading
the data and saving the artifact included), which unlike train_s does not grow with other work on
the machine. At factor 1 each engine is also measured on the
shared protocol (the fixed 80/20 split of `protocol.protocol_split`, NDCG@10 over viewers with liked
test titles). Data sets
come from `make_synthetic` (personalization/synthetic_movielens.py) with seed 0.
Targets (2 cores): local at factor 50 under 5 minutes and 8 GB; spark at factor 50 under 10 minutes;
at factor 1 both engines within 0.01 NDCG@10 of each other.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_SOURCE = REPO.parent / "shared" / "datasets" / "ml-latest-small"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _tree_memory_bytes(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants (Linux /proc).

    The RSS sum counts a page shared by a parent and its forked children once per process; PSS
    divides each shared page among the processes mapping it, so its sum is the memory the tree
    really holds (for a single process the two are nearly equal)."""
    rss, pss, stack = 0, 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss, pss


def _run_child(arguments: list[str], timeout: float) -> tuple[dict, float, float]:
    """Run `bench/scale.py --child ...`; its JSON result and the peak memory of its process tree
    (PSS and RSS sums, GB)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", *arguments]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak, peak_rss, started = 0, 0, time.monotonic()
    while process.poll() is None:
        rss, pss = _tree_memory_bytes(process.pid)
        peak, peak_rss = max(peak, pss), max(peak_rss, rss)
        if time.monotonic() - started > timeout:
            process.kill()
            process.wait()
            raise TimeoutError(f"{' '.join(arguments)} took longer than {timeout:.0f}s")
        time.sleep(0.2)
    out = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed with exit code {process.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.strip().splitlines()[-1])
    # CPU seconds of the child and every process it waited for (the forked fitting processes): what
    # the run costs whatever else the machine is doing (its wall time includes waiting for a core).
    result["cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result, peak / 1024**3, peak_rss / 1024**3


def _child(engine: str, data: Path, master: str | None, quality: bool) -> None:
    import numpy as np
    import pandas as pd

    from personalization.recommender import train
    from personalization.recommender.content import movielens_items
    from personalization.recommender.protocol import model_ratings, protocol_split, relevant_items, top10_metrics

    ratings = pd.read_parquet(data / "ratings.parquet")
    items = movielens_items(pd.read_csv(data / "movies.csv"), pd.read_csv(data / "tags.csv"))
    result: dict = {}
    if quality:
        train_df, test_df = protocol_split(ratings)
        relevant = relevant_items(test_df)
        started = time.perf_counter()
        model = train(model_ratings(train_df), engine=engine, items=items, master=master, progress=_log)
        result["train_s"] = time.perf_counter() - started
        metrics, per_user = top10_metrics(model, sorted(relevant), relevant)
        result.update({"ndcg_at_10": metrics["ndcg_at_k"], "p_at_10": metrics["p_at_k"], "n_users": len(per_user)})
        np.save(data / f"per_user_ndcg_{engine}.npy", per_user)
    else:
        started = time.perf_counter()
        model = train(model_ratings(ratings), engine=engine, items=items, master=master, progress=_log)
        result["train_s"] = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "model.npz"
            model.save(path)
            result["artifact_mb"] = path.stat().st_size / 1024**2
    print(json.dumps(result), flush=True)


def _make_data(factor: float, source: Path, directory: Path) -> dict:
    from personalization import synthetic_movielens as synthetic

    grown = synthetic.grow(synthetic.read_source(source), synthetic.SyntheticSpec(factor=factor, seed=0))
    directory.mkdir(parents=True, exist_ok=True)
    grown.ratings.to_parquet(directory / "ratings.parquet", index=False)
    grown.movies.to_csv(directory / "movies.csv", index=False)
    grown.tags.to_csv(directory / "tags.csv", index=False)
    return {
        "ratings": len(grown.ratings),
        "viewers": int(grown.ratings["userId"].nunique()),
        "titles": len(grown.movies),
    }


def _cached_shape(directory: Path) -> dict | None:
    """The shape of a data set an earlier run kept in `directory` (None: there is none)."""
    try:
        return json.loads((directory / "shape.json").read_text())
    except FileNotFoundError:
        return None


def _chart(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for engine, colour in (("local", "#1f77b4"), ("spark", "#d62728")):
        mine = sorted((run for run in runs if run["engine"] == engine and "train_s" in run), key=lambda r: r["ratings"])
        if not mine:
            continue
        millions = [run["ratings"] / 1e6 for run in mine]
        left.plot(millions, [run["train_s"] for run in mine], "o-", color=colour, label=engine)
        right.plot(millions, [run["peak_gb"] for run in mine], "o-", color=colour, label=engine)
        for run, x in zip(mine, millions, strict=True):
            left.annotate(f"x{run['factor']:g}", (x, run["train_s"]), textcoords="offset points", xytext=(4, 4))
    for axis, label in ((left, "training time (s)"), (right, "peak memory (GB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("ratings (millions)")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle("Training the recommender on MovieLens-shaped synthetic data (bench/scale.py)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON summary on stdout")
    parser.add_argument("--factors", default="1,10,50", help="comma-separated size factors")
    parser.add_argument("--engines", default="local,spark")
    parser.add_argument("--master", default="local[2]", help="Spark master for the spark engine")
    parser.add_argument("--source", default=os.environ.get("MOVIELENS_DIR", str(DEFAULT_SOURCE)))
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run before giving up")
    parser.add_argument("--chart", help="write a PNG of time and memory against size here")
    parser.add_argument(
        "--data-dir",
        help="keep the synthetic data sets here (DIR/x<factor>) and reuse them on later runs instead of regenerating",
    )
    parser.add_argument("--redraw", nargs="+", metavar="JSON", help="only redraw --chart from earlier outputs")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "DATA", "MASTER", "QUALITY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, data, master, quality = args.child
        _child(engine, Path(data), master or None, quality == "1")
        return

    if args.redraw:
        runs = [run for path in args.redraw for run in json.loads(Path(path).read_text().splitlines()[-1])["runs"]]
        _chart(runs, Path(args.chart or "docs/scale.png"))
        return
    factors = [float(value) for value in args.factors.split(",")]
    engines = [value.strip() for value in args.engines.split(",")]
    native_blas = _native_blas()
    if "spark" in engines and not native_blas:
        _log(
            "No native BLAS (libblas.so.3): MLlib's ALS falls back to Java BLAS, ~1.6x slower at factor 50 "
            "(595 s instead of 377 for the spark engine). Debian/Ubuntu: apt-get install libopenblas0-pthread"
        )
    runs: list[dict] = []
    quality: list[dict] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="streamflix-scale-") as scratch:
        for factor in factors:
            data = Path(args.data_dir or scratch) / f"x{factor:g}"
            shape = _cached_shape(data) if args.data_dir else None
            if shape is None:
                shape = _make_data(factor, Path(args.source), data)
                (data / "shape.json").write_text(json.dumps(shape))
            _log(f"factor {factor:g}: {shape['ratings']} ratings, {shape['viewers']} viewers, {shape['titles']} titles")
            for engine in engines:
                run = {"engine": engine, "factor": factor, **shape}
                load_before = os.getloadavg()[0]
                try:
                    result, peak, peak_rss = _run_child([engine, str(data), args.master, "0"], args.timeout)
                    run.update({key: round(value, 2) for key, value in result.items()})
                    run.update(peak_gb=round(peak, 2), peak_rss_gb=round(peak_rss, 2))
                    # 1-minute load average when the run started and ended (2 cores: above 2, runs wait)
                    run["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                except (RuntimeError, TimeoutError) as exc:
                    run["error"] = str(exc)
                _log(f"  {json.dumps(run)}")
                runs.append(run)
                if factor == 1:
                    try:
                        result, peak, _ = _run_child([engine, str(data), args.master, "1"], args.timeout)
                        entry = {"engine": engine, "factor": factor, **result, "peak_gb": round(peak, 2)}
                    except (RuntimeError, TimeoutError) as exc:
                        entry = {"engine": engine, "factor": factor, "error": str(exc)}
                    _log(f"  protocol: {json.dumps(entry)}")
                    quality.append(entry)
            if factor == 1 and {"local", "spark"} <= set(engines):
                quality.append(_paired_difference(data))
    if args.chart:
        _chart(runs, Path(args.chart))
        _log(f"chart written to {args.chart}")
    summary = {
        "runs": runs,
        "quality": quality,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
            "spark_master": args.master,
            "native_blas": native_blas,
        },
        "total_s": round(time.monotonic() - started, 1),
    }
    if not args.json:
        for run in runs:
            _log(f"{run['engine']:>6} x{run['factor']:<5g} {run['ratings']:>10} ratings: {run.get('train_s', '-')} s, "
                 f"{run.get('peak_gb', '-')} GB")  # fmt: skip
    print(json.dumps(summary))


def _native_blas() -> bool:
    """Whether MLlib will find a native BLAS: it loads libblas.so.3 by that name (dev.ludovic.netlib)."""
    import ctypes

    try:
        ctypes.CDLL("libblas.so.3")
    except OSError:
        return False
    return True


def _paired_difference(data: Path) -> dict:
    """spark - local NDCG@10 per viewer at factor 1, with a bootstrap 95% interval (paired)."""
    import numpy as np

    from personalization.recommender.protocol import bootstrap_indices, bootstrap_interval

    try:
        local, spark = (np.load(data / f"per_user_ndcg_{engine}.npy") for engine in ("local", "spark"))
    except FileNotFoundError:
        return {"comparison": "spark - local", "error": "a protocol run failed"}
    delta = spark - local
    low, high = bootstrap_interval(delta, bootstrap_indices(len(delta)))
    return {"comparison": "spark - local", "ndcg_at_10_delta": round(float(delta.mean()), 4),
            "ci_low": round(low, 4), "ci_high": round(high, 4)}  # fmt: skip


if __name__ == "__main__":
    main()
