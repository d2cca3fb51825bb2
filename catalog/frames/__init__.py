"""Artwork discovery: sample a video's frames (or read a zip of stills), score each one from image
features, drop near-duplicates and propose the best few as artwork candidates. Pure: no Django.

Modules: `video` (PyAV decoding: probe, samples spread over the video, a frame at a time),
`stills` (a zip of stills, read defensively), `features` (what a frame looks like, as numbers),
`scoring` (the weights, in one place), `picker` (score, de-duplicate, pick), `pipeline` (from a
file to a proposal), `errors`.
"""

from __future__ import annotations

from catalog.frames.errors import InvalidMedia
from catalog.frames.features import FrameFeatures, frame_features
from catalog.frames.picker import DEFAULT_K, Proposal, ScoredFrame, pick
from catalog.frames.pipeline import (
    STILLS,
    VIDEO,
    SourceInfo,
    check_source,
    full_frame,
    propose_from_file,
    suggest_themes,
)
from catalog.frames.scoring import WEIGHTS, frame_score
from catalog.frames.stills import StillLimits
from catalog.frames.video import SamplingPlan

__all__ = [
    "DEFAULT_K",
    "STILLS",
    "VIDEO",
    "WEIGHTS",
    "FrameFeatures",
    "InvalidMedia",
    "Proposal",
    "SamplingPlan",
    "ScoredFrame",
    "SourceInfo",
    "StillLimits",
    "check_source",
    "frame_features",
    "frame_score",
    "full_frame",
    "pick",
    "propose_from_file",
    "suggest_themes",
]
