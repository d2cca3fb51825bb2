"""Fonts per typographic role.

Candidate files per typographic role, first existing wins. Paths cover the
Debian/Ubuntu layout used here plus Fedora/Arch, so the same code picks
real fonts on a developer laptop; "fallback" is tried before Pillow's
built-in font so a missing role degrades to *some* TrueType face.
"""

from __future__ import annotations

import functools

from PIL import ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_DEJAVU = "/usr/share/fonts/truetype/dejavu/"
_LIBERATION = "/usr/share/fonts/truetype/liberation/"
FONT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "serif-italic": (
        _LIBERATION + "LiberationSerif-BoldItalic.ttf",
        _DEJAVU + "DejaVuSerif-BoldItalic.ttf",
        "/usr/share/fonts/liberation-serif/LiberationSerif-BoldItalic.ttf",
    ),
    "serif-bold": (
        _DEJAVU + "DejaVuSerif-Bold.ttf",
        _LIBERATION + "LiberationSerif-Bold.ttf",
        "/usr/share/fonts/dejavu-serif-fonts/DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSerif-Bold.ttf",
    ),
    "serif-classic": (
        _LIBERATION + "LiberationSerif-Bold.ttf",
        _DEJAVU + "DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/liberation-serif/LiberationSerif-Bold.ttf",
    ),
    "serif-condensed": (
        _DEJAVU + "DejaVuSerifCondensed-Bold.ttf",
        _LIBERATION + "LiberationSerif-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSerifCondensed-Bold.ttf",
    ),
    "serif-condensed-italic": (
        _DEJAVU + "DejaVuSerifCondensed-BoldItalic.ttf",
        _LIBERATION + "LiberationSerif-BoldItalic.ttf",
    ),
    "condensed-bold": (
        _LIBERATION + "LiberationSansNarrow-Bold.ttf",
        _DEJAVU + "DejaVuSansCondensed-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSansCondensed-Bold.ttf",
    ),
    # No rounded face ships here; DejaVu Sans Bold has the roundest bowls.
    "rounded-bold": (
        "/usr/share/fonts/truetype/nunito/Nunito-Black.ttf",
        "/usr/share/fonts/truetype/comfortaa/Comfortaa-Bold.ttf",
        _DEJAVU + "DejaVuSans-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    ),
    "sans-bold": (
        _LIBERATION + "LiberationSans-Bold.ttf",
        _DEJAVU + "DejaVuSans-Bold.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf",
    ),
    "sans-bold-italic": (
        _LIBERATION + "LiberationSans-BoldItalic.ttf",
        _DEJAVU + "DejaVuSans-BoldOblique.ttf",
    ),
    "sans-wide": (
        _DEJAVU + "DejaVuSans-Bold.ttf",
        _LIBERATION + "LiberationSans-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    ),
    "sans-book": (
        _DEJAVU + "DejaVuSans.ttf",
        _LIBERATION + "LiberationSans-Regular.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ),
    "mono": (
        _DEJAVU + "DejaVuSansMono-Bold.ttf",
        _LIBERATION + "LiberationMono-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSansMono-Bold.ttf",
    ),
    "typewriter": (
        _LIBERATION + "LiberationMono-Bold.ttf",
        _DEJAVU + "DejaVuSansMono-Bold.ttf",
    ),
    "year": (
        _LIBERATION + "LiberationSans-Bold.ttf",
        _DEJAVU + "DejaVuSans-Bold.ttf",
    ),
    "fallback": (
        _DEJAVU + "DejaVuSans-Bold.ttf",
        _LIBERATION + "LiberationSans-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
        "/Library/Fonts/Arial Bold.ttf",
        "C:/Windows/Fonts/arialbd.ttf",
    ),
}


@functools.lru_cache(maxsize=512)
def _load_font(candidates: tuple[str, ...], size: int) -> Font:
    """First loadable candidate at `size`, else Pillow's built-in font.

    Cached on the candidate tuple itself (not the role name), so swapping
    FONT_CANDIDATES, as the tests do, never returns a stale face.
    """
    for path in candidates:
        try:
            # BASIC layout: same glyph placement with or without libraqm
            # installed (deterministic across machines) and faster for Latin titles.
            return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def font_for(role: str, size: int) -> Font:
    """Font for a typographic role, falling back role -> "fallback" -> built-in."""
    chain = FONT_CANDIDATES.get(role, ()) + FONT_CANDIDATES.get("fallback", ())
    return _load_font(chain, max(1, int(size)))
