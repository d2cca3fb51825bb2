"""The theme -> style table, assembled from the painter families, and the
tinted fallback style for themes that have no artwork of their own yet."""

from __future__ import annotations

import zlib

from catalog.artwork.canvas import Canvas, background
from catalog.artwork.colour import hex_rgb, rgba, shift
from catalog.artwork.painters import bright, dark, spectacle, speculative, stories
from catalog.artwork.style import Style, make_style


def _merge(*tables: dict[str, Style]) -> dict[str, Style]:
    merged: dict[str, Style] = {}
    for table in tables:
        if clash := merged.keys() & table.keys():
            raise ValueError(f"themes styled twice: {sorted(clash)}")
        merged.update(table)
    return merged


STYLES: dict[str, Style] = _merge(spectacle.STYLES, speculative.STYLES, dark.STYLES, bright.STYLES, stories.STYLES)


def _paint_fallback(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=45)
    for _ in range(6):
        x, y, r = c.w * c.rng.uniform(0.4, 1.0), c.h * c.rng.uniform(0, 0.8), c.u * c.rng.uniform(0.05, 0.25)
        c.draw.ellipse((x - r, y - r, x + r, y + r), fill=rgba(p["shape"], c.rng.uniform(0.15, 0.45)))


FALLBACK_STYLE = make_style(
    _paint_fallback,
    {"bg0": "#1e293b", "bg1": "#475569", "shape": "#e2e8f0"},
    role="sans-bold",
    fill="#ffffff",
    stroke="#000000",
    year="#cbd5e1",
)


DEFAULT_THEME = ""  # a title's default card when none of its artwork is in service: the neutral style


def style_for(theme: str) -> Style:
    """The theme's style; unknown themes get a neutral style tinted by the theme
    name, so new vocabulary renders (distinctly) before it gets its own art."""
    if theme == DEFAULT_THEME:
        return FALLBACK_STYLE
    style = STYLES.get(theme)
    if style is not None:
        return style
    hue = (zlib.crc32(theme.encode("utf-8")) % 360) / 360
    tint = {
        key: "#{:02x}{:02x}{:02x}".format(*shift(hex_rgb(v), hue, 0.0)) for key, v in FALLBACK_STYLE.palette.items()
    }
    return Style(FALLBACK_STYLE.painter, tint, FALLBACK_STYLE.type)
