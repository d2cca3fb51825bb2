"""render_artwork: paint a theme's artwork, varied per title, then set the title over it.

Every title's card of a theme is the theme's picture (its palette, motifs and typography stay
readable at a glance) but composed for that title: which of the theme's compositions, mirrored or
not, how close the frame sits, a nudge of palette, and the painter's own random elements, all drawn
from the seed (the app passes the title id), so two cards side by side do not look like one picture
with another caption. A billboard is composed for the wide frame (`billboard=True`): the scene as a
key-art panel on the right, over a soft, darker version of itself where the page sets the title.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image

from catalog.artwork.canvas import Canvas, Painter, paste_colour
from catalog.artwork.colour import RGB, hex_rgb, shift
from catalog.artwork.style import Style, Typography
from catalog.artwork.styles import style_for
from catalog.artwork.text import draw_title

MAX_SIDE = 4096  # refuse absurd sizes instead of allocating gigabytes
BILLBOARD_PANEL = 0.62  # share of a billboard's width the key art takes, on the right
MAX_ZOOM = 1.2


@dataclass(frozen=True)
class Variation:
    """How one title's artwork of a theme differs from another title's; drawn from the seed."""

    composition: int  # which of the theme's painters (Style.painters)
    mirror: bool  # the scene flipped left to right (the title moves to the other side with it)
    zoom: float  # the scene painted this much larger than the card, then framed
    frame: tuple[float, float]  # where the frame sits in the larger scene, 0-1 across and down
    hue: float  # palette nudges, small enough that the theme keeps its colours
    light: float


def variation_for(theme: str, seed: int, style: Style | None = None) -> Variation:
    style = style or style_for(theme)
    rng = random.Random(f"variation|{theme}|{seed}")
    composition = rng.randrange(len(style.painters))
    mirror = rng.random() < 0.5
    zoom = 1.0 if rng.random() < 0.5 else rng.uniform(1.05, MAX_ZOOM)
    # The subject sits opposite a side-anchored title: keep the frame on its side of the scene.
    across = (0.3, 0.7) if style.type.anchor.endswith("center") else (0.5, 1.0)
    frame = (rng.uniform(*across), rng.uniform(0.2, 0.8))
    return Variation(composition, mirror, zoom, frame, rng.uniform(-0.03, 0.03), rng.uniform(-0.05, 0.05))


def _palette(style: Style, variation: Variation) -> dict[str, RGB]:
    return {key: shift(hex_rgb(value), variation.hue, variation.light) for key, value in style.palette.items()}


def _paint(painter: Painter, size: tuple[int, int], rng_key: str, palette: dict[str, RGB]) -> Image.Image:
    canvas = Canvas(Image.new("RGB", size), random.Random(rng_key), palette)
    painter(canvas)
    return canvas.img


def _framed(
    painter: Painter, size: tuple[int, int], rng_key: str, palette: dict[str, RGB], v: Variation
) -> Image.Image:
    """The scene at `size`, painted `v.zoom` times larger and framed, mirrored if the variation says so."""
    width, height = size
    big = (max(width, round(width * v.zoom)), max(height, round(height * v.zoom)))
    image = _paint(painter, big, rng_key, palette)
    if big != size:
        left, top = round((big[0] - width) * v.frame[0]), round((big[1] - height) * v.frame[1])
        image = image.crop((left, top, left + width, top + height))
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if v.mirror else image


def _mirrored(typo: Typography) -> Typography:
    side = {"left": "right", "right": "left"}
    vertical, _, horizontal = typo.anchor.partition("-")
    return dataclasses.replace(typo, anchor=f"{vertical}-{side.get(horizontal, horizontal)}")


@functools.lru_cache(maxsize=8)
def _ramp(size: tuple[int, int], start: float, end: float, low: int, high: int) -> Image.Image:
    """A left-to-right mask going from `low` at `start` (share of the width) to `high` at `end`."""
    xs = np.linspace(0.0, 1.0, size[0], dtype=np.float32)
    row = low + (high - low) * np.clip((xs - start) / max(end - start, 1e-6), 0, 1)
    return Image.fromarray(np.repeat(row[None, :], size[1], axis=0).astype(np.uint8), "L")


def _billboard(painter: Painter, size: tuple[int, int], rng_key: str, palette: dict[str, RGB]) -> Image.Image:
    """Key art for the wide frame: the scene as a panel on the right; across the left, where the page
    sets the title, the buttons and the shade, the colours of the panel's own left edge, drawn out
    (sky stays sky, ground stays ground) and darkened towards the edge."""
    width, height = size
    panel_width = max(1, round(width * BILLBOARD_PANEL))
    panel = _paint(painter, (panel_width, height), rng_key, palette)
    edge = panel.crop((0, 0, max(1, round(panel_width * 0.15)), height))
    profile = edge.resize((1, max(1, height // 6)), Image.Resampling.BOX)
    # Halfway to the edge's mean colour: bright motifs at the edge would otherwise streak across.
    profile = Image.blend(
        profile, Image.new("RGB", profile.size, edge.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))), 0.5
    )
    image = profile.resize(size, Image.Resampling.BILINEAR)
    image.paste(panel, (width - panel_width, 0), _ramp((panel_width, height), 0.0, 0.45, 0, 255))
    paste_colour(image, (0, 0, 0), _ramp(size, 0.0, 0.55, 140, 0))  # calmer where the title goes
    return image


def render_artwork(
    *,
    title: str,
    year: int | None,
    theme: str,
    size: tuple[int, int],
    seed: int,
    with_text: bool = True,
    billboard: bool = False,
) -> Image.Image:
    """Draw one artwork variant as an RGB image of exactly `size`.

    Deterministic: the same arguments always give the same pixels, so a rendition can be
    regenerated instead of stored forever. `seed` (the app passes the title id) chooses the
    variation and the painter's random elements; the title never feeds the random stream, so only
    the text differs between two titles rendered with the same theme and seed.

    `with_text=False` leaves out the title, the year and the scrim behind them, for places where the
    page sets the title in HTML over the image (the hero billboard, the detail modal). The artwork
    itself is the same pixels as with text, outside the title area. `billboard=True` composes the
    scene for a wide billboard instead of a card (and sets no title: the page does).
    """
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"size must be within 1..{MAX_SIDE} per side, got {size!r}")
    style = style_for(theme)
    variation = variation_for(theme, seed, style)
    painter = style.painters[variation.composition]
    palette, rng_key = _palette(style, variation), f"{theme}|{seed}"
    if billboard:
        return _billboard(painter, size, rng_key, palette)
    image = _framed(painter, size, rng_key, palette, variation)
    if with_text:
        draw_title(image, title or "", year, _mirrored(style.type) if variation.mirror else style.type)
    return image
