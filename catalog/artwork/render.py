"""render_artwork: paint a theme's artwork, then set the title over it."""

from __future__ import annotations

import random

from PIL import Image

from catalog.artwork.canvas import Canvas
from catalog.artwork.colour import RGB, hex_rgb, shift
from catalog.artwork.style import Style
from catalog.artwork.styles import style_for
from catalog.artwork.text import draw_title

MAX_SIDE = 4096  # refuse absurd sizes instead of allocating gigabytes


def _palette(style: Style, rng: random.Random) -> dict[str, RGB]:
    hue, light = rng.uniform(-0.018, 0.018), rng.uniform(-0.03, 0.03)
    return {key: shift(hex_rgb(value), hue, light) for key, value in style.palette.items()}


def render_artwork(
    *, title: str, year: int | None, theme: str, size: tuple[int, int], seed: int, with_text: bool = True
) -> Image.Image:
    """Draw one artwork variant as an RGB image of exactly `size`.

    Deterministic: the same arguments always give the same pixels, so a
    rendition can be regenerated instead of stored forever. `seed` varies
    layout and a small hue shift within the theme (the app passes the artwork
    id); the title never feeds the random stream, so only the text differs
    between two titles rendered with the same theme and seed.

    `with_text=False` leaves out the title, the year and the scrim behind
    them, for places where the page sets the title in HTML over the image
    (the hero billboard, the detail modal). The artwork itself is the same
    pixels as with text, outside the title area.
    """
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"size must be within 1..{MAX_SIDE} per side, got {size!r}")
    style = style_for(theme)
    rng = random.Random(f"{theme}|{seed}")
    canvas = Canvas(Image.new("RGB", (width, height)), rng, _palette(style, rng))
    style.painter(canvas)
    if with_text:
        draw_title(canvas.img, title or "", year, style.type)
    return canvas.img
