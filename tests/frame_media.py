"""Test media for artwork discovery: a short video with known good and bad shots, zips of stills."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from catalog.frames.synthetic import black, blurred, overexposed, scene, write_video

SIZE = (512, 288)
FPS = 4
SHOT_S = 2  # every shot is static for 2 s and starts on a keyframe


def text_card(size=SIZE) -> np.ndarray:
    """White credits on black, as at the end of a film."""
    image = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size[1] // 16)
    for line in range(9):
        draw.text(
            (size[0] // 8, 12 + line * size[1] // 10),
            f"Directed by Somebody Famous {line}",
            fill=(235, 235, 235),
            font=font,
        )
    return np.asarray(image)


def near_copy(image: np.ndarray) -> np.ndarray:
    """The same picture, shifted 3 px and a touch brighter (a re-encode or a re-grade)."""
    return np.clip(np.roll(image, 3, axis=1).astype(np.int16) + 6, 0, 255).astype(np.uint8)


def dim(image: np.ndarray) -> np.ndarray:
    return (image.astype(np.float32) * 0.2).astype(np.uint8)


GOOD = ("good-1", "good-2", "good-3", "good-4")


def shots() -> list[tuple[str, np.ndarray]]:
    """Named shots in order: four good scenes among bad frames, one exact and one near duplicate."""
    good = {name: scene(seed, SIZE) for name, seed in zip(GOOD, (11, 12, 13, 14), strict=True)}
    return [
        ("good-1", good["good-1"]),
        ("black", black(SIZE)),
        ("good-2", good["good-2"]),
        ("blurred", blurred(scene(21, SIZE), 5)),
        ("good-3", good["good-3"]),
        ("copy-of-good-1", good["good-1"]),
        ("overexposed", overexposed(scene(22, SIZE))),
        ("good-4", good["good-4"]),
        ("near-copy-of-good-2", near_copy(good["good-2"])),
        ("credits", text_card()),
        ("underexposed", dim(scene(23, SIZE))),
    ]


def shot_at(time_s: float) -> str:
    return shots()[int(time_s // SHOT_S)][0]


def write_test_video(path: Path, *, shot_list=None, codec: str = "libx264") -> Path:
    frames = [image for _, image in (shot_list or shots()) for _ in range(FPS * SHOT_S)]
    options = {"crf": "18", "preset": "veryfast"} if codec == "libx264" else {"crf": "20", "b": "0"}
    return write_video(path, frames, fps=FPS, codec=codec, gop=FPS * SHOT_S, options=options)


def write_empty_video(path: Path) -> Path:
    """An MP4 with a video stream's header and no frames (a zero-length video)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        container.start_encoding()
    return path


def png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, payload in members.items():
            archive.writestr(zipfile.ZipInfo(name), payload, compress_type=compression)
    return buffer.getvalue()


def stills_zip() -> bytes:
    """Three good stills, one of them twice under another name, plus a blurred one and archiver junk."""
    good = [scene(seed, SIZE) for seed in (31, 32, 33)]
    return zip_bytes(
        {
            "stills/a.png": png(good[0]),
            "stills/b.png": png(good[1]),
            "stills/c.png": png(good[2]),
            "stills/c-again.png": png(good[2]),
            "stills/soft.png": png(blurred(scene(34, SIZE), 6)),
            "__MACOSX/stills/._a.png": b"resource fork",
            "stills/.DS_Store": b"junk",
        }
    )
