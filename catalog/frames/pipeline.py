"""From an uploaded file to proposed frames: which kind of source it is, a quick check for the upload
form, the whole scoring run, and the full-resolution image of a proposed frame. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from catalog.frames.errors import InvalidMedia
from catalog.frames.picker import DEFAULT_K, Proposal, ScoredFrame, pick, score_all
from catalog.frames.stills import StillLimits, check_stills, is_zip, still_image, stills_samples
from catalog.frames.video import SamplingPlan, probe_video, video_frame, video_samples
from catalog.images import MIN_SIZE

VIDEO = "video"
STILLS = "stills"


@dataclass(frozen=True)
class SourceInfo:
    kind: str  # VIDEO or STILLS
    description: str  # what the admin is told was received


def check_source(path: Path | str, *, limits: StillLimits | None = None) -> SourceInfo:
    """Refuse anything that is not a readable video or zip of stills (InvalidMedia with the reason)."""
    if Path(path).stat().st_size == 0:
        raise InvalidMedia("The file is empty.")
    if is_zip(path):
        names = check_stills(path, limits)
        return SourceInfo(STILLS, f"a zip of {len(names)} still{'s' if len(names) != 1 else ''}")
    info = probe_video(path)
    if info.width < MIN_SIZE[0] or info.height < MIN_SIZE[1]:
        raise InvalidMedia(
            f"The video is {info.width}×{info.height}; artwork needs frames of at least {MIN_SIZE[0]}×{MIN_SIZE[1]}."
        )
    return SourceInfo(
        VIDEO, f"a {info.width}×{info.height} {info.codec} video ({info.container}), {info.duration_s:.1f} s"
    )


def propose_from_file(
    path: Path | str,
    *,
    k: int = DEFAULT_K,
    plan: SamplingPlan | None = None,
    limits: StillLimits | None = None,
    planned: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Proposal:
    """Score a video's sampled frames (or a zip's stills) and propose the best `k` distinct ones.

    `planned(n)` is told how many frames will be scored (about, for a video: shot changes add a
    few); `progress(i)` after each one.
    """
    if is_zip(path):
        names = check_stills(path, limits)
        if planned is not None:
            planned(len(names))
        samples = stills_samples(path, limits)
    else:
        samples = video_samples(path, plan, planned=planned)
    return pick(score_all(samples, progress=progress), k=k)


def full_frame(path: Path | str, frame: ScoredFrame, *, limits: StillLimits | None = None) -> Image.Image:
    """The proposed frame at the source's full resolution, RGB."""
    if frame.time_s is None:
        image = still_image(path, frame.name, limits)
    else:
        image = video_frame(path, frame.time_s)
    return image if image.mode == "RGB" else image.convert("RGB")


CLOSE_UP_FACE_AREA = 0.08  # one face covering this much of the frame reads as a close-up


def suggest_themes(frames: list[ScoredFrame], title_themes: list[str]) -> list[str]:
    """A theme for each proposed frame: what its picture shows where that is clear (a group of faces,
    one big face), else the title's themes (genres, then tags) in turn, best frame first."""
    if not title_themes:
        raise ValueError("a title always has themes (themes_for_title fills in compositions)")
    out, turn = [], 0
    for frame in frames:
        if frame.features.faces >= 3:
            out.append("ensemble cast")
        elif frame.features.faces == 1 and frame.features.face_area >= CLOSE_UP_FACE_AREA:
            out.append("character close-up")
        else:
            out.append(title_themes[turn % len(title_themes)])
            turn += 1
    return out
