"""Colour helpers: hex parsing, mixing, palette jitter and WCAG contrast."""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

RGB = tuple[int, int, int]


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def rgba(colour: RGB, alpha: float) -> tuple[int, int, int, int]:
    return (*colour, max(0, min(255, round(alpha * 255))))


def shift(colour: RGB, hue: float, light: float) -> RGB:
    """Nudge hue/lightness so 30,000 cards of one theme are not clones, while
    staying inside the theme's colour family (greys stay grey)."""
    h, lightness, s = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    r, g, b = colorsys.hls_to_rgb((h + hue) % 1.0, min(1.0, max(0.0, lightness + light)), s)
    return (round(r * 255), round(g * 255), round(b * 255))


def _luminance(colour: Sequence[float]) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour[0]) + 0.7152 * channel(colour[1]) + 0.0722 * channel(colour[2])


def contrast_ratio(a: Sequence[float], b: Sequence[float]) -> float:
    """WCAG contrast ratio (1..21) between two colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
