"""Made-up pictures and videos with known content, for the tests and `bench/frames.py`. Pure.

`scene(seed)` draws a sharp, colourful, well-exposed picture that differs from every other seed's
(a different layout of shapes over a different sky); `write_video` encodes frames with PyAV;
`film` is an endless-looking stream of shots with moving shapes and a little grain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, size: tuple[int, int] = (320, 180)) -> np.ndarray:
    """A crisp, colourful, mid-exposed picture (RGB uint8) whose layout depends on `seed`."""
    rng = np.random.default_rng(seed)
    width, height = size
    top, bottom = rng.integers(60, 200, 3), rng.integers(30, 140, 3)
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    sky = (top * (1 - ramp) + bottom * ramp).astype(np.uint8) * np.ones((1, width, 1), np.uint8)
    image = Image.fromarray(sky)
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    for _ in range(14):
        x, y = rng.integers(0, width), rng.integers(0, height)
        w, h = rng.integers(unit // 12, unit // 3, 2)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = rng.integers(0, 3)
        if shape == 0:
            draw.ellipse([x, y, x + w, y + h], fill=colour)
        elif shape == 1:
            draw.rectangle([x, y, x + w, y + h], fill=colour)
        else:
            draw.polygon([(x, y + h), (x + w // 2, y), (x + w, y + h)], fill=colour)
    return np.asarray(image)


def blurred(image: np.ndarray, radius: float = 4.0) -> np.ndarray:
    return np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(radius)))


def overexposed(image: np.ndarray) -> np.ndarray:
    return np.clip(image.astype(np.int32) * 3 + 90, 0, 255).astype(np.uint8)


def black(size: tuple[int, int] = (320, 180)) -> np.ndarray:
    return np.full((size[1], size[0], 3), 4, np.uint8)


def write_video(
    path: Path | str,
    frames: Iterable[np.ndarray],
    *,
    fps: int = 10,
    codec: str = "libx264",
    gop: int | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode RGB frames (all the same size) into `path`; the container follows the suffix."""
    with av.open(str(path), "w") as container:
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream(codec, rate=fps)
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": "18", **(options or {})} if codec == "libx264" else dict(options or {})
                if gop:
                    stream.codec_context.gop_size = gop
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        if stream is not None:
            for packet in stream.encode():
                container.mux(packet)
    return Path(path)


def film(
    duration_s: float, *, size: tuple[int, int] = (1280, 720), fps: int = 24, seed: int = 0
) -> Iterator[np.ndarray]:
    """Shots of 2-8 s, each a scene panning slowly with fixed grain: `duration_s * fps` frames."""
    rng = np.random.default_rng(seed)
    total = round(duration_s * fps)
    shot = 0
    produced = 0
    while produced < total:
        base = scene(int(rng.integers(1 << 30)), (size[0] + 64, size[1]))
        grain = rng.integers(-4, 5, (size[1], size[0] + 64, 1), dtype=np.int16)
        base = np.clip(base.astype(np.int16) + grain, 0, 255).astype(np.uint8)
        length = int(rng.integers(2 * fps, 8 * fps))
        for i in range(min(length, total - produced)):
            offset = (i * 64) // length
            yield np.ascontiguousarray(base[:, offset : offset + size[0]])
            produced += 1
        shot += 1
