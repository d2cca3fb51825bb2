"""The canvas painters draw on, and the full-canvas effects: gradients, glows,
vignette, grain and halftone.

Full-canvas filters (blur, noise) are avoided or cached because each one
costs several milliseconds at 1280x720.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from catalog.artwork.colour import RGB


class _Drawer:
    """ImageDraw that blends only translucent colours.

    An RGBA-mode ImageDraw blends every pixel, even for opaque colours, which
    is ~7x slower on the big background shapes; so opaque fills go to a plain
    drawer and only colours with alpha < 255 take the blending path.
    """

    def __init__(self, img: Image.Image) -> None:
        self._solid = ImageDraw.Draw(img)
        self._blend = ImageDraw.Draw(img, "RGBA")

    def __getattr__(self, name: str) -> Callable[..., None]:
        solid, blend = getattr(self._solid, name), getattr(self._blend, name)

        def call(*args: object, **kwargs: object) -> None:
            translucent = False
            for key in ("fill", "outline"):
                colour = kwargs.get(key)
                if isinstance(colour, tuple) and len(colour) == 4:
                    if colour[3] < 255:
                        translucent = True
                    else:
                        kwargs[key] = colour[:3]
            (blend if translucent else solid)(*args, **kwargs)

        return call


Drawer = ImageDraw.ImageDraw | _Drawer


@dataclass
class Canvas:
    """The image being painted plus what every painter needs."""

    img: Image.Image
    rng: random.Random
    pal: dict[str, RGB]
    draw: _Drawer = field(init=False)

    def __post_init__(self) -> None:
        self.draw = _Drawer(self.img)

    @property
    def w(self) -> int:
        return self.img.width

    @property
    def h(self) -> int:
        return self.img.height

    @property
    def u(self) -> float:
        """Unit length: the short side, so shapes keep proportions on any aspect."""
        return float(min(self.w, self.h))

    def jitter(self, spread: float) -> float:
        return self.rng.uniform(-spread, spread)


Painter = Callable[[Canvas], None]


# Gradients are computed in numpy on a small grid and upscaled once: a
# bilinear upscale of a smooth field is indistinguishable from full-res maths
# and several times cheaper.
_GRID_W = 64


def _grid(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    gw = _GRID_W
    gh = max(2, round(gw * size[1] / size[0]))
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    return xs / (gw - 1), ys / (gh - 1)


def _ramp(t: np.ndarray, stops: Sequence[tuple[float, RGB]]) -> np.ndarray:
    positions = [p for p, _ in stops]
    channels = [np.interp(t, positions, [c[i] for _, c in stops]) for i in range(3)]
    return np.stack(channels, axis=-1)


def background(
    c: Canvas,
    stops: Sequence[tuple[float, RGB]],
    *,
    angle: float = 90.0,
    glows: Sequence[tuple[float, float, float, RGB, float]] = (),
    radial: tuple[float, float] | None = None,
) -> None:
    """Paint a gradient (linear at `angle` degrees, or radial from `radial`)
    plus soft glows (fx, fy, radius as fraction of width, colour, strength)."""
    xs, ys = _grid(c.img.size)
    aspect = c.h / c.w
    if radial is not None:
        t = np.hypot(xs - radial[0], (ys - radial[1]) * aspect) / 0.9
    else:
        rad = math.radians(angle)
        dx, dy = math.cos(rad), math.sin(rad)
        t = xs * dx + ys * dy
        t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    field_ = _ramp(np.clip(t, 0, 1), stops)
    for fx, fy, radius, colour, strength in glows:
        d = np.hypot(xs - fx, (ys - fy) * aspect) / radius
        weight = (np.clip(1 - d, 0, 1) ** 2 * strength)[..., None]
        field_ = field_ * (1 - weight) + np.array(colour, dtype=np.float32) * weight
    small = Image.fromarray(np.clip(field_, 0, 255).astype(np.uint8), "RGB")
    c.img.paste(small.resize(c.img.size, Image.BILINEAR))


@functools.lru_cache(maxsize=16)
def _vignette_mask(size: tuple[int, int], strength: float) -> Image.Image:
    xs, ys = _grid(size)
    d = np.hypot(xs - 0.5, (ys - 0.5) * 0.9) / 0.62
    alpha = np.clip(d, 0, 1) ** 2.2 * strength * 255
    return Image.fromarray(alpha.astype(np.uint8), "L").resize(size, Image.BILINEAR)


def paste_colour(img: Image.Image, colour: RGB, mask: Image.Image, at: tuple[int, int] = (0, 0)) -> None:
    """Paint `colour` through `mask` placed at `at`.

    Pasting a solid image is about twice as fast as pasting a colour tuple
    through a mask in Pillow, and masked pastes dominate the render time.
    """
    img.paste(Image.new("RGB", mask.size, colour), at, mask)


def vignette(c: Canvas, strength: float = 0.7, colour: RGB = (0, 0, 0)) -> None:
    paste_colour(c.img, colour, _vignette_mask(c.img.size, strength))


def noise_image(size: tuple[int, int], sigma: float) -> Image.Image:
    """Gaussian noise around mid-grey from a fixed numpy seed.

    Not Image.effect_noise: it draws from C rand(), whose state depends on
    whatever else ran in the process, which would break determinism.
    """
    values = np.random.default_rng(20240611).normal(128.0, sigma, (size[1], size[0]))
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")


@functools.lru_cache(maxsize=8)
def _grain_layer(size: tuple[int, int]) -> Image.Image:
    """Film grain, generated once per size (noise costs tens of ms at 1280x720)."""
    return noise_image(size, 48).convert("RGB")


def grain(c: Canvas, amount: float = 0.08) -> None:
    c.img.paste(Image.blend(c.img, _grain_layer(c.img.size), amount))


def soft(
    c: Canvas, colour: RGB, shapes: Callable[[ImageDraw.ImageDraw, float], None], blur: float, opacity: float = 1.0
) -> None:
    """Blurred shapes (glow, smoke, bokeh) drawn on a quarter-size mask.

    Blurring a quarter-size mask and upscaling is ~16x cheaper than blurring
    the canvas, and the result is soft anyway. Only the mask's bounding box
    is pasted, since a full-canvas masked paste costs ~6 ms at 1280x720.
    """
    scale = 0.25
    small = Image.new("L", (max(1, round(c.w * scale)), max(1, round(c.h * scale))))
    shapes(ImageDraw.Draw(small), scale)
    if blur > 0:
        small = small.filter(ImageFilter.GaussianBlur(blur * scale))
    if opacity < 1:
        small = small.point(lambda v: round(v * opacity))
    box = small.getbbox()
    if box is None:
        return
    full_box = (
        max(0, int(box[0] / scale) - 1),
        max(0, int(box[1] / scale) - 1),
        min(c.w, math.ceil(box[2] / scale) + 1),
        min(c.h, math.ceil(box[3] / scale) + 1),
    )
    crop = small.crop(box).resize((full_box[2] - full_box[0], full_box[3] - full_box[1]), Image.BILINEAR)
    paste_colour(c.img, colour, crop, full_box[:2])


def glow(c: Canvas, cx: float, cy: float, r: float, colour: RGB, opacity: float = 0.8) -> None:
    soft(
        c,
        colour,
        lambda d, k: d.ellipse(((cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k), fill=255),
        blur=r * 0.6,
        opacity=opacity,
    )


@functools.lru_cache(maxsize=12)
def _dots_mask(size: tuple[int, int], step_px: float, max_r: float, gradient: str, alpha: int) -> Image.Image:
    """Staggered dot grid as a mask, cached: a card has ~1,000 dots and the
    pattern only depends on the size, so drawing it once per size is enough."""
    w, h = size
    mask = Image.new("L", size)
    draw = ImageDraw.Draw(mask)
    for row, y in enumerate(np.arange(0, h + step_px, step_px)):
        offset = step_px / 2 if row % 2 else 0.0
        for x in np.arange(offset, w + step_px, step_px):
            t = {"x": x / w, "y": y / h}.get(gradient, 1.0)
            r = step_px * max_r * t
            if r >= 0.6:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=alpha)
    return mask


def halftone(
    c: Canvas, colour: RGB, *, step: float = 0.035, gradient: str = "x", max_r: float = 0.45, opacity: float = 1.0
) -> None:
    """Comic-book dots whose size fades across the card (`gradient` "x"/"y"),
    or a uniform polka-dot grid (`gradient` "none")."""
    step_px = round(max(4.0, c.u * step), 1)
    paste_colour(c.img, colour, _dots_mask(c.img.size, step_px, max_r, gradient, round(255 * opacity)))
