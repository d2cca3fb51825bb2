"""Artwork discovery throughput: frames sampled, decoded and scored per second, and peak memory.

Generates a 10-minute and a 2-minute 720p H.264 video (24 fps, a keyframe every 2 s plus x264's
scene-cut keyframes, as streaming encodes have) in a temporary folder, then runs the real pipeline
(`catalog.frames.propose_from_file`: index, seek, decode, score, de-duplicate, pick) on each in a
fresh process. Memory is that process's peak resident size above what it had after its imports
(ru_maxrss: FFmpeg's own buffers count too), so the two videos show whether it grows with length.

`frames_per_s` is wall-clock, so other work on the machine lowers it: each run also reports
`cpu_ms_per_scored_frame` (all threads' CPU time over the run per frame scored; on an idle machine
frames_per_s can reach at most cores x 1000 / it) and `load_average` (1-minute, before and after).
Where the CPU goes (`cpu_ms_per_frame`, on the first 100 samples): `decode` is one decoder thread's
index share, seek and decode of a keyframe (~155 KB of CABAC, nearly all of it) and the small RGB
analysis frame; `score` is the features (the face cascade about half), the pHash and the shot-change
histogram. `analysis_frame` compares the two ways of making that small RGB frame (OpenCV per plane,
as the pipeline does, and swscale's area scaler, as it did) for time and for error against the exact
conversion (see catalog/frames/yuv.py).

Figures vary between machines of the same kind: on 2026-12-02's VM (swscale path) 19-20 ms of CPU a
scored frame and 84-94 frames/s; on 2026-12-03's, alternating three times on the same videos,
18.5-19.3 ms and 91.9-94.9 frames/s with the swscale path, 16.6-16.8 ms and 108.6-114.4 with the
OpenCV path (107-120 over twelve runs that day); with the finer face detector (catalog/frames/
features.py, bench/faces.py) 113.8-116.9 frames/s, 16.1-16.7 ms a frame, and an hour later, the
machine slower, 79.3-92.3 (19.9-23.0 ms; the previous face detector 93.7-107.4 alternating with it).

    python bench/frames.py [--json] [--minutes 10] [--short-minutes 2] [--keep DIR]

Generating the videos takes a few minutes (progress on stderr); `--keep DIR` reuses them.
The last stdout line is one JSON object.
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

from tqdm import tqdm  # noqa: E402

FPS = 24
SIZE = (1280, 720)


def generate(path: Path, minutes: float, seed: int) -> Path:
    from catalog.frames.synthetic import film, write_video

    if path.exists():
        return path
    frames = round(minutes * 60 * FPS)
    partial = path.with_suffix(".part.mp4")
    with tqdm(total=frames, desc=f"encoding {path.name}", unit="frame", file=sys.stderr) as bar:

        def counted():
            for frame in film(minutes * 60, size=SIZE, fps=FPS, seed=seed):
                yield frame
                bar.update()

        write_video(partial, counted(), fps=FPS, gop=2 * FPS, options={"preset": "veryfast", "crf": "23"})
    partial.rename(path)
    return path


def measure(path: Path) -> dict:
    """Run the pipeline on `path` in a child process; its figures come back as JSON."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True, cwd=REPO
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(path: Path) -> None:
    from catalog.frames import propose_from_file

    baseline = _rss_mb()
    load_before = os.getloadavg()[0]
    # Memory first, on a fresh process; the CPU breakdown after it (its list of frames would count).
    start = time.perf_counter()
    cpu_start = time.process_time()
    proposal = propose_from_file(path)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    decode_ms, score_ms = _cpu_breakdown(path)
    colour = _colour_accuracy(path)
    print(
        json.dumps(
            {
                "frames_scored": proposal.frames_scored,
                "duplicates_dropped": proposal.duplicates_dropped,
                "proposed": len(proposal.proposed),
                "seconds": round(elapsed, 2),
                "cpu_seconds": round(cpu, 2),
                "frames_per_s": round(proposal.frames_scored / elapsed, 1),
                "peak_mb": round(peak - baseline, 1),
                # All threads' CPU per scored frame: what the machine's other load does not change much
                # (frames_per_s is at most cores * 1000 / this on an otherwise idle machine).
                "cpu_ms_per_scored_frame": round(cpu * 1e3 / max(proposal.frames_scored, 1), 1),
                "cpu_ms_per_frame": {"decode": decode_ms, "score": score_ms},
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "analysis_frame": colour,
            }
        )
    )


def _cpu_breakdown(path: Path, frames: int = 100) -> tuple[float, float]:
    """CPU milliseconds per frame for decoding (one decoder thread) and for scoring, on the first frames."""
    from itertools import islice

    from catalog.frames.picker import score_sample
    from catalog.frames.video import SamplingPlan, video_samples

    start = time.process_time()
    samples = list(islice(video_samples(path, SamplingPlan(decoders=1)), frames))
    decoded = time.process_time()
    for sample in samples:
        score_sample(sample)
    scored = time.process_time()
    return round((decoded - start) * 1e3 / len(samples), 1), round((scored - decoded) * 1e3 / len(samples), 1)


def _colour_accuracy(path: Path, keyframes: int = 40) -> dict:
    """The analysis frame (320 wide, RGB) made two ways, against the exact conversion: how far off
    (levels of 255) and how long, on the video's first keyframes."""
    import av
    import cv2
    import numpy as np

    from catalog.frames.features import analysis_size
    from catalog.frames.yuv import analysis_rgb, plane_pixels

    # BT.601 limited range, as the textbooks print it (the video is untagged, which means BT.601)
    textbook = np.array([[1.164, 0.0, 1.596], [1.164, -0.392, -0.813], [1.164, 2.017, 0.0]])
    ways = {
        "opencv": analysis_rgb,
        "swscale_area": lambda frame, size: frame.to_ndarray(
            width=size[0], height=size[1], format="rgb24", interpolation="AREA"
        ),
    }
    errors: dict[str, list] = {name: [] for name in ways}
    seconds = dict.fromkeys(ways, 0.0)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        for number, frame in enumerate(container.decode(stream)):
            if number == keyframes:
                break
            y, u, v = (plane_pixels(plane) for plane in frame.planes)
            chroma = [np.repeat(np.repeat(c, 2, axis=0), 2, axis=1) for c in (u, v)]  # a 2x2 block each
            yuv = np.dstack([y, *chroma]).astype(np.float64)
            exact = np.clip((yuv - [16, 128, 128]) @ textbook.T, 0, 255).astype(np.float32)
            size = analysis_size(frame.width, frame.height)
            exact = cv2.resize(exact, size, interpolation=cv2.INTER_AREA)
            for name, way in ways.items():
                start = time.perf_counter()
                rgb = way(frame, size)
                seconds[name] += time.perf_counter() - start
                errors[name].append(np.abs(rgb - exact))
    out = {}
    for name, parts in errors.items():
        error = np.stack(parts)
        out[name] = {
            "ms": round(seconds[name] * 1e3 / len(parts), 2),
            "error_mean": round(float(error.mean()), 2),
            "error_p99": round(float(np.percentile(error, 99)), 1),
            "error_max": round(float(error.max()), 1),
        }
    return out


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON summary on stdout")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--short-minutes", type=float, default=2.0)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated videos in this folder")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    with tempfile.TemporaryDirectory(prefix="frames-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        long_video = generate(folder / f"film-{args.minutes:g}min-720p.mp4", args.minutes, seed=1)
        short_video = generate(folder / f"film-{args.short_minutes:g}min-720p.mp4", args.short_minutes, seed=2)
        print("scoring…", file=sys.stderr)
        long_run = measure(long_video)
        short_run = measure(short_video)
    summary = {
        **long_run,
        "video": f"{args.minutes:g} min 720p H.264, {FPS} fps",
        "short_video": {"minutes": args.short_minutes, **short_run},
    }
    if not args.json:
        print(
            f"{args.minutes:g} min: {long_run['frames_scored']} frames scored in {long_run['seconds']} s "
            f"({long_run['frames_per_s']}/s), peak {long_run['peak_mb']} MB; {args.short_minutes:g} min: "
            f"{short_run['frames_scored']} frames, peak {short_run['peak_mb']} MB"
        )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
