"""The title and year: fitting the title to the card, the scrim behind it, and drawing it."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from catalog.artwork.canvas import noise_image, paste_colour
from catalog.artwork.colour import RGB, contrast_ratio, hex_rgb, mix
from catalog.artwork.fonts import Font, font_for
from catalog.artwork.style import Typography


@dataclass(frozen=True)
class TitleLayout:
    font: Font
    size: int
    lines: tuple[str, ...]
    widths: tuple[float, ...]
    line_height: int
    tracking_px: float
    truncated: bool = False


@functools.lru_cache(maxsize=8192)
def _run_width(font: Font, text: str) -> float:
    """Advance width of a string; cached because FreeType measuring costs ~30 us
    a call and the size search measures the same words many times."""
    return font.getlength(text)


def _text_width(font: Font, text: str, tracking_px: float) -> float:
    return _run_width(font, text) + tracking_px * max(0, len(text) - 1)


class _Measure:
    """Word widths at one font size, so wrapping is arithmetic, not FreeType calls.

    Inter-word kerning is ignored (a fraction of a pixel); drawing uses the
    exact line widths.
    """

    def __init__(self, font: Font, tracking_px: float) -> None:
        self.font, self.tracking_px = font, tracking_px
        self.space = _text_width(font, " ", 0) + 2 * tracking_px
        self._widths: dict[str, float] = {}

    def word(self, word: str) -> float:
        width = self._widths.get(word)
        if width is None:
            width = self._widths[word] = _text_width(self.font, word, self.tracking_px)
        return width


def _break_word(word: str, m: _Measure, max_width: float) -> list[str]:
    """Split a single word wider than the box (long compound titles) by characters."""
    pieces, current = [], ""
    for char in word:
        if current and m.word(current + char) > max_width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def _greedy_wrap(words: Sequence[str], m: _Measure, max_width: float) -> list[str]:
    lines: list[list[str]] = []
    current: list[str] = []
    width = 0.0
    for word in words:
        word_w = m.word(word)
        if current and width + m.space + word_w <= max_width:
            current.append(word)
            width += m.space + word_w
            continue
        if current:
            lines.append(current)
        if word_w > max_width:
            *full, last = _break_word(word, m, max_width)
            lines.extend([piece] for piece in full)
            current, width = [last], m.word(last)
        else:
            current, width = [word], word_w
    if current:
        lines.append(current)
    return [" ".join(line) for line in lines]


def _balanced_wrap(words: Sequence[str], m: _Measure, max_width: float) -> list[str]:
    """Greedy wrap, then the narrowest width with the same line count, so two-line
    titles split evenly instead of leaving one orphan word on line two."""
    lines = _greedy_wrap(words, m, max_width)
    if len(lines) < 2:
        return lines
    lo, hi = max(min(m.word(w), max_width) for w in words), max_width
    best = lines
    for _ in range(6):
        mid = (lo + hi) / 2
        trial = _greedy_wrap(words, m, mid)
        if len(trial) <= len(lines):
            best, hi = trial, mid
        else:
            lo = mid
    return best


def _ellipsize(lines: list[str], keep: int, m: _Measure, max_width: float) -> list[str]:
    kept = lines[:keep]
    last = " ".join([kept[-1], *lines[keep:]]) if len(lines) > keep else kept[-1]
    while last and m.word(last + "…") > max_width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return kept


def _wrap_at(
    words: Sequence[str], typo: Typography, size: int, box_w: float, box_h: float, max_lines: int
) -> tuple[_Measure, list[str], bool]:
    """Wrap at one size; it only "fits" if no word had to be split ("CASABLAN-CA"
    reads worse than a smaller "CASABLANCA"), so splitting stays a last resort."""
    m = _Measure(font_for(typo.role, size), typo.tracking * size)
    lines = _balanced_wrap(words, m, box_w)
    whole_words = all(m.word(word) <= box_w for word in words)
    fits = whole_words and len(lines) <= max_lines and round(size * 1.12) * len(lines) <= box_h
    return m, lines, fits


def _layout_title(
    text: str, typo: Typography, box_w: float, box_h: float, max_px: int, min_px: int, max_lines: int
) -> TitleLayout:
    """Largest size in min_px..max_px at which the wrapped title fits the box.

    Binary search: fitting is monotone in size, and each probe wraps the whole
    title. If even min_px overflows, the last line is ellipsised: a shortened
    title stays legible, a 9-pixel one does not.
    """
    words = text.split()
    best = None
    lo, hi = min_px, max(min_px, max_px)
    while lo <= hi:
        mid = (lo + hi) // 2
        m, lines, fits = _wrap_at(words, typo, mid, box_w, box_h, max_lines)
        if fits:
            best, lo = (mid, m, lines), mid + 1
        else:
            hi = mid - 1
    truncated = best is None
    if best is None:
        size = min_px
        m, lines, _ = _wrap_at(words, typo, size, box_w, box_h, max_lines)
        keep = max(1, min(max_lines, int(box_h // round(size * 1.12))))
        lines = _ellipsize(lines, keep, m, box_w) if len(lines) > keep else lines
    else:
        size, m, lines = best
    widths = tuple(m.word(line) for line in lines)
    return TitleLayout(m.font, size, tuple(lines), widths, round(size * 1.12), m.tracking_px, truncated)


@functools.lru_cache(maxsize=4096)
def _glyph(font: Font, char: str) -> tuple[Image.Image, int, int]:
    """One character rendered once as a mask, with its offset from the pen position."""
    left, top, right, bottom = font.getbbox(char)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(mask).text((-left, -top), char, font=font, fill=255)
    return mask, left, top


def _draw_text_line(mask: Image.Image, xy: tuple[float, float], text: str, font: Font, tracking_px: float) -> None:
    """Draw one line into an L mask, letter-spaced when `tracking_px` is set.

    Pillow has no letter-spacing, and drawing char by char costs ~90 us per
    call, so spaced lines paste cached glyph masks instead.
    """
    if tracking_px == 0 or not isinstance(font, ImageFont.FreeTypeFont):
        ImageDraw.Draw(mask).text(xy, text, font=font, fill=255)
        return
    x, y = xy
    for char in text:
        if not char.isspace():
            glyph, left, top = _glyph(font, char)
            mask.paste(255, (round(x + left), round(y + top)), glyph)
        x += _run_width(font, char) + tracking_px


# Maps a box-blurred glyph mask to a crisp, anti-aliased outline: anything the
# blur reached (> ~3%) becomes solid, so the glyph grows by about the radius.
_DILATE_LUT = [0 if v <= 6 else min(255, (v - 6) * 255 // 36) for v in range(256)]


def _outline(mask: Image.Image, radius: int) -> Image.Image:
    """Grow a text mask by `radius` px: FreeType's stroker costs ~1.5 ms a line
    and a MaxFilter more, while blur + lookup table costs ~0.5 ms per title."""
    return mask.filter(ImageFilter.BoxBlur(radius)).point(_DILATE_LUT)


@functools.lru_cache(maxsize=24)
def _scrim_mask(size: tuple[int, int], anchor: str, opacity: float) -> Image.Image:
    """A band that is opaque at the card edge and fades towards the picture;
    left-anchored text also fades to the right so the artwork stays visible."""
    gw, gh = 48, 24
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    ys, xs = ys / (gh - 1), xs / (gw - 1)
    vertical = ys if anchor.startswith("bottom") else 1 - ys
    alpha = np.clip(vertical * 1.25, 0, 1) ** 1.4
    if anchor.endswith("left"):
        alpha *= np.clip(1.35 - xs * 0.9, 0.35, 1)
    elif anchor.endswith("right"):
        alpha *= np.clip(1.35 - (1 - xs) * 0.9, 0.35, 1)
    small = Image.fromarray((alpha * opacity * 255).astype(np.uint8), "L")
    return small.resize(size, Image.BILINEAR)


def _apply_scrim(img: Image.Image, box: tuple[int, int, int, int], typo: Typography, text_rgb: RGB) -> None:
    """Darken (or lighten) the band under the title until the text meets WCAG's
    3:1 large-text contrast against the band's average colour."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return
    scrim_rgb = hex_rgb(typo.scrim_colour)
    region = img.crop(box).resize((1, 1), Image.BOX).getpixel((0, 0))
    opacity = typo.scrim
    while opacity < 0.9:
        # the band reaches `opacity` at the edge and averages ~half that under the text
        mean = mix(region, scrim_rgb, opacity * 0.6)
        if contrast_ratio(mean, text_rgb) >= 3.0:
            break
        opacity += 0.1
    mask = _scrim_mask((x1 - x0, y1 - y0), typo.anchor, round(min(opacity, 0.9), 2))
    paste_colour(img, scrim_rgb, mask, box[:2])


@functools.lru_cache(maxsize=8)
def _speckle(size: tuple[int, int]) -> Image.Image:
    """Worn-print holes for distressed type; made once per size."""
    noise = noise_image(size, 70).filter(ImageFilter.GaussianBlur(0.6))
    return noise.point(lambda v: 0 if v > 195 else 255)


def fit_title(text: str, typo: Typography, w: int, h: int, margin_x: int) -> TitleLayout:
    """Lay out the title in the style's text column, widening the column over
    the artwork (the scrim keeps it legible) rather than going below a
    comfortable size, and long before truncating."""
    max_px = max(8, round(h * 0.15 * typo.scale))
    min_px = max(8, round(h * 0.062))
    comfortable = max(min_px, round(h * 0.08))
    share = typo.width if w >= h else 0.86
    best: TitleLayout | None = None
    for width in dict.fromkeys((share, max(share, 0.72), 0.89)):
        box_w = w * width - margin_x * (0 if typo.anchor.endswith("center") else 0.2)
        layout = _layout_title(text, typo, box_w, h * 0.42, max_px, min_px, max_lines=3)
        if not layout.truncated and layout.size >= comfortable:
            return layout
        if best is None or (best.truncated, -best.size) > (layout.truncated, -layout.size):
            best = layout
    assert best is not None
    return best


def draw_title(img: Image.Image, title: str, year: int | None, typo: Typography) -> None:
    """Title (and small year) over a scrim at the style's anchor."""
    w, h = img.size
    text = " ".join(title.split())
    text = text.upper() if typo.case == "upper" else text
    year_text = str(year) if year else ""
    margin_x, margin_y = round(w * 0.055), round(h * 0.07)
    year_px = max(8, round(h * 0.05))
    layout = fit_title(text, typo, w, h, margin_x) if text else None
    title_h = layout.line_height * len(layout.lines) if layout else 0
    block_h = title_h + (round(year_px * 1.5) if year_text else 0)
    if not block_h:
        return
    if typo.anchor.startswith("top"):
        top = margin_y + round(h * typo.margin_bottom)
        band = (0, 0, w, min(h, top + block_h + margin_y * 2))
    else:
        top = h - margin_y - round(h * typo.margin_bottom) - block_h
        band = (0, max(0, top - margin_y * 2), w, h - round(h * typo.margin_bottom))
    _apply_scrim(img, band, typo, hex_rgb(typo.fill))
    if layout:
        _paint_lines(img, layout, typo, top, margin_x)
    if year_text:
        _draw_year(img, year_text, year_px, typo, top + title_h + round(year_px * 0.35), margin_x)


def _line_x(anchor: str, width: int, line_width: float, margin_x: int) -> float:
    """Where a line starts: centred, flush left or flush right (anchors "bottom-right", "top-right")."""
    if anchor.endswith("center"):
        return (width - line_width) / 2
    if anchor.endswith("right"):
        return width - margin_x - line_width
    return margin_x


def _draw_year(img: Image.Image, text: str, size: int, typo: Typography, y: int, margin_x: int) -> None:
    font = font_for("year", size)
    x = _line_x(typo.anchor, img.width, font.getlength(text), margin_x)
    stroke = max(1, size // 10) if isinstance(font, ImageFont.FreeTypeFont) else 0  # bitmap fonts cannot stroke
    ImageDraw.Draw(img).text(
        (x, y), text, font=font, fill=hex_rgb(typo.year), stroke_width=stroke, stroke_fill=hex_rgb(typo.stroke)
    )


def _paint_lines(img: Image.Image, layout: TitleLayout, typo: Typography, top: int, margin_x: int) -> None:
    """Title lines with outline and soft drop shadow, drawn through masks so
    shadow, outline and distressing are composed without touching the rest
    of the card."""
    w, h = img.size
    size = layout.size
    stroke = max(1, round(size * 0.06))
    pad = stroke * 4 + 4
    text_w, text_h = round(max(layout.widths)), layout.line_height * len(layout.lines)
    if typo.anchor.endswith("center"):
        box = (0, max(0, top - pad), w, min(h, top + text_h + pad * 2))
    elif typo.anchor.endswith("right"):
        box = (
            max(0, w - margin_x - text_w - pad),
            max(0, top - pad),
            min(w, w - margin_x + pad * 2),
            min(h, top + text_h + pad * 2),
        )
    else:
        box = (
            max(0, margin_x - pad),
            max(0, top - pad),
            min(w, margin_x + text_w + pad * 2),
            min(h, top + text_h + pad * 2),
        )
    mw, mh = box[2] - box[0], box[3] - box[1]
    fill_mask = Image.new("L", (mw, mh))
    for i, (line, line_w) in enumerate(zip(layout.lines, layout.widths, strict=True)):
        x = _line_x(typo.anchor, w, line_w, margin_x)
        xy = (x - box[0], top - box[1] + i * layout.line_height)
        _draw_text_line(fill_mask, xy, line, layout.font, layout.tracking_px)
    stroke_mask = _outline(fill_mask, stroke)
    if typo.distressed:
        fill_mask = ImageChops.multiply(fill_mask, _speckle(img.size).crop((0, 0, mw, mh)))
    shadow = stroke_mask.filter(ImageFilter.BoxBlur(max(1, round(size * 0.08)))).point(lambda v: v * 7 // 10)
    offset = max(1, round(size * 0.05))
    shadow_box = (box[0] + offset, box[1] + offset, box[2] + offset, box[3] + offset)
    clipped = (shadow_box[0], shadow_box[1], min(w, shadow_box[2]), min(h, shadow_box[3]))
    paste_colour(img, (0, 0, 0), shadow.crop((0, 0, clipped[2] - clipped[0], clipped[3] - clipped[1])), clipped[:2])
    paste_colour(img, hex_rgb(typo.stroke), stroke_mask, box[:2])
    paste_colour(img, hex_rgb(typo.fill), fill_mask, box[:2])
