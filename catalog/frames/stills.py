"""A zip of stills as a frame source, read defensively. Pure.

Nothing is ever extracted to disk: members are read into memory one at a time, after their names
and sizes are checked. Refused: names that climb out of a folder or are absolute (path traversal),
encrypted members, members that are not JPEG/PNG/WebP images of artwork size, more members than
allowed, and anything that would expand past the limits (zip bombs: a member's declared size, the
total, and the compression ratio are checked before reading, and reading stops at the limit
whatever the header claims). Folders, `__MACOSX/` and dot-files (what archivers add) are skipped.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from catalog.frames.errors import InvalidMedia
from catalog.frames.features import ANALYSIS_WIDTH, analysis_size
from catalog.frames.video import Sample
from catalog.images import InvalidImage, check_upload, fit


@dataclass(frozen=True)
class StillLimits:
    max_members: int = 500
    max_member_bytes: int = 20 * 1024 * 1024
    max_total_bytes: int = 512 * 1024 * 1024
    max_ratio: float = 100.0  # uncompressed / compressed: images barely compress, bombs compress ~1000x
    max_pixels: int = 40_000_000


def is_zip(path: Path | str) -> bool:
    return zipfile.is_zipfile(path)


def check_stills(path: Path | str, limits: StillLimits | None = None) -> list[str]:
    """The names of the zip's stills, in order, after checking every member; InvalidMedia otherwise."""
    limits = limits or StillLimits()
    with _open(path) as archive:
        names = _still_names(archive, limits)
        for name in names:
            _checked_bytes(archive, name, limits)
    return names


def stills_samples(
    path: Path | str, limits: StillLimits | None = None, *, analysis_width: int = ANALYSIS_WIDTH
) -> Iterator[Sample]:
    """Each still, small, in name order (time_s is None: stills have no place in a timeline)."""
    limits = limits or StillLimits()
    with _open(path) as archive:
        for name in _still_names(archive, limits):
            with Image.open(io.BytesIO(_checked_bytes(archive, name, limits))) as image:
                rgb = image.convert("RGB")
            rgb = rgb.resize(analysis_size(*rgb.size, analysis_width), Image.Resampling.BOX)
            yield Sample(time_s=None, name=name, image=np.asarray(rgb))


def still_image(path: Path | str, name: str, limits: StillLimits | None = None) -> Image.Image:
    """One still at full resolution, upright (EXIF orientation applied)."""
    limits = limits or StillLimits()
    with _open(path) as archive:
        if name not in _still_names(archive, limits):
            raise InvalidMedia(f"The zip has no still named {name!r}.")
        with Image.open(io.BytesIO(_checked_bytes(archive, name, limits))) as image:
            return fit(image, image.size)


def _open(path: Path | str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidMedia(f"The zip is damaged and cannot be read ({exc}).") from None


def _still_names(archive: zipfile.ZipFile, limits: StillLimits) -> list[str]:
    members = [m for m in archive.infolist() if not _skipped(m)]
    if len(members) > limits.max_members:
        raise InvalidMedia(f"The zip holds {len(members)} files; the limit is {limits.max_members} stills.")
    total = 0
    for member in members:
        _check_name(member.filename)
        if member.flag_bits & 0x1:
            raise InvalidMedia(f"“{member.filename}” in the zip is encrypted; upload a zip without a password.")
        if member.file_size > limits.max_member_bytes:
            raise InvalidMedia(
                f"“{member.filename}” in the zip is {member.file_size / 1e6:.1f} MB; "
                f"the limit is {limits.max_member_bytes / 1e6:.1f} MB a still."
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_ratio:
            raise InvalidMedia(f"“{member.filename}” in the zip expands {ratio:.0f}-fold: refused as a zip bomb.")
        total += member.file_size
    if total > limits.max_total_bytes:
        raise InvalidMedia(
            f"The zip expands to {total / 1e6:.0f} MB; the limit is {limits.max_total_bytes / 1e6:.0f} MB."
        )
    if not members:
        raise InvalidMedia("The zip holds no stills.")
    return sorted(m.filename for m in members)


def _skipped(member: zipfile.ZipInfo) -> bool:
    """Folders and what archivers add on their own (macOS resource forks, .DS_Store)."""
    parts = PurePosixPath(member.filename.replace("\\", "/")).parts
    return member.is_dir() or not parts or parts[0] == "__MACOSX" or parts[-1].startswith(".")


def _check_name(name: str) -> None:
    """Refuse names that are absolute or climb out of the archive's folder (path traversal)."""
    normalised = name.replace("\\", "/")
    parts = PurePosixPath(normalised).parts
    if normalised.startswith("/") or ".." in parts or (parts and ":" in parts[0]) or "\x00" in name:
        raise InvalidMedia(f"The zip holds an unsafe file name (“{name[:120]}”): names must stay inside the zip.")


def _checked_bytes(archive: zipfile.ZipFile, name: str, limits: StillLimits) -> bytes:
    """The member's bytes, read no further than the limit (headers can lie), then checked as an image."""
    try:
        with archive.open(name) as handle:
            payload = handle.read(limits.max_member_bytes + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise InvalidMedia(f"“{name}” in the zip is damaged ({exc}).") from None
    if len(payload) > limits.max_member_bytes:
        raise InvalidMedia(f"“{name}” in the zip is larger than its header says: refused as a zip bomb.")
    try:
        check_upload(
            io.BytesIO(payload), size=len(payload), max_bytes=limits.max_member_bytes, max_pixels=limits.max_pixels
        )
    except InvalidImage as exc:
        raise InvalidMedia(f"“{name}” in the zip is not a usable still: {exc}") from None
    return payload
