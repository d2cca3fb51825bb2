"""Procedural artwork: one themed card/billboard image per (title, theme).

MovieLens ships no images, yet the personalisation demo needs several
artwork variants per title that a viewer can tell apart at a glance, because
the contextual bandit learns which *theme* of artwork each viewer responds
to. Each theme therefore gets its own palette, composition and typography.

Pure Pillow + numpy, no Django imports: the catalogue is rendered in the
background (~30,000 cards), so this package must be fast, deterministic and
testable on its own. Everything is drawn directly at the requested size;
full-canvas filters (blur, noise) are avoided or cached because each one
costs several milliseconds at 1280x720.
"""

from catalog.artwork.colour import contrast_ratio
from catalog.artwork.fonts import FONT_CANDIDATES, font_for
from catalog.artwork.render import render_artwork
from catalog.artwork.styles import DEFAULT_THEME, STYLES, style_for

__all__ = ["DEFAULT_THEME", "FONT_CANDIDATES", "STYLES", "contrast_ratio", "font_for", "render_artwork", "style_for"]
