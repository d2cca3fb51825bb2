"""Scoring a stream of frames and proposing the best few that differ. Pure.

Only each frame's numbers are kept (time, score, features, a 64-bit perceptual hash), never its
pixels, so memory does not grow with the video; the proposed frames are read again at full
resolution afterwards (`catalog.frames.pipeline.full_frame`).

Near-duplicates: frames are taken best first, and a frame whose pHash lies within
NEAR_DUPLICATE_BITS of a better frame already taken is the same picture (the same shot sampled
twice, a repeated shot, a slightly shifted or re-graded copy) and is dropped. Diversity: the K
proposed frames are, where the video allows, at least DIVERSE_BITS apart from each other as well.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import cv2
import imagehash
import numpy as np
from PIL import Image

from catalog.frames.features import FrameFeatures, frame_features
from catalog.frames.scoring import frame_score, score_terms
from catalog.frames.video import Sample

DEFAULT_K = 8
NEAR_DUPLICATE_BITS = 10  # of 64: re-encodes, small shifts and grading changes stay well under this
DIVERSE_BITS = 18  # proposed frames differ at least this much when enough frames allow it
WORTH_A_LOOK = 0.5  # a frame scoring under this share of the best one is not proposed
PREFETCH = 8  # frames decoded ahead of scoring (decoding and scoring overlap on two cores)

T = TypeVar("T")


@dataclass(frozen=True)
class ScoredFrame:
    time_s: float | None
    name: str
    score: float
    features: FrameFeatures
    phash: int  # 64-bit DCT perceptual hash

    def as_dict(self) -> dict:
        return {
            "time_s": self.time_s,
            "name": self.name,
            "score": self.score,
            "features": self.features.as_dict(),
            "terms": {key: round(value, 4) for key, value in score_terms(self.features).items()},
        }


@dataclass(frozen=True)
class Proposal:
    frames_scored: int
    duplicates_dropped: int
    proposed: list[ScoredFrame]  # best first

    def as_dict(self) -> dict:
        return {
            "frames_scored": self.frames_scored,
            "duplicates_dropped": self.duplicates_dropped,
            "proposed": [frame.as_dict() for frame in self.proposed],
        }


def perceptual_hash(rgb: np.ndarray) -> int:
    """pHash (imagehash): the signs of the lowest 8x8 DCT coefficients of a 32x32 grey thumbnail.

    The thumbnail is made here with OpenCV's area filter (imagehash's own Lanczos resize of a
    320-pixel frame costs more than all the features together)."""
    thumbnail = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (32, 32), interpolation=cv2.INTER_AREA)
    return int(str(imagehash.phash(Image.fromarray(thumbnail))), 16)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def score_sample(sample: Sample) -> ScoredFrame:
    features = frame_features(sample.image)
    return ScoredFrame(
        time_s=sample.time_s,
        name=sample.name,
        score=frame_score(features),
        features=features,
        phash=perceptual_hash(sample.image),
    )


def score_all(samples: Iterable[Sample], *, progress: Callable[[int], None] | None = None) -> list[ScoredFrame]:
    """Score every sample (decoding the next ones in a background thread meanwhile)."""
    # The decoders already keep both cores busy: OpenCV's own thread pool would only add switching
    # (the face cascade took 4x the CPU with it under load).
    cv2.setNumThreads(1)
    scored = []
    for sample in prefetched(samples, PREFETCH):
        scored.append(score_sample(sample))
        if progress is not None:
            progress(len(scored))
    return scored


def pick(
    frames: list[ScoredFrame],
    *,
    k: int = DEFAULT_K,
    near_duplicate_bits: int = NEAR_DUPLICATE_BITS,
    diverse_bits: int = DIVERSE_BITS,
) -> Proposal:
    """Drop near-duplicates (keeping the better frame), then propose the best `k`, diverse first.

    Only frames worth an editor's look are proposed: a positive score of at least WORTH_A_LOOK of
    the best one (a video with three good frames proposes three, not five padded with bad ones).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    kept: list[ScoredFrame] = []
    for frame in sorted(frames, key=_rank):
        if not any(hamming(frame.phash, other.phash) <= near_duplicate_bits for other in kept):
            kept.append(frame)
    floor = max(0.0, WORTH_A_LOOK * kept[0].score) if kept else 0.0
    candidates = [frame for frame in kept if frame.score > floor]
    proposed: list[ScoredFrame] = []
    for frame in candidates:
        if len(proposed) < k and all(hamming(frame.phash, other.phash) >= diverse_bits for other in proposed):
            proposed.append(frame)
    for frame in candidates:  # not enough distinct frames: fill with the best of the rest
        if len(proposed) < k and frame not in proposed:
            proposed.append(frame)
    return Proposal(
        frames_scored=len(frames), duplicates_dropped=len(frames) - len(kept), proposed=sorted(proposed, key=_rank)
    )


def _rank(frame: ScoredFrame) -> tuple:
    return (-frame.score, frame.time_s if frame.time_s is not None else -1.0, frame.name)


_DONE = object()


def prefetched(items: Iterable[T], depth: int) -> Iterator[T]:
    """Iterate `items` in a background thread, up to `depth` ahead (FFmpeg and OpenCV release the GIL).

    An exception in the producer is raised here; leaving the loop early stops the producer.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="frame-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full buffer
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
