"""Procedural artwork: one themed card/billboard image per (title, theme).

MovieLens ships no images, yet the personalisation demo needs several
artwork variants per title that a viewer can tell apart at a glance, because
the contextual bandit learns which *theme* of artwork each viewer responds
to. Each theme therefore gets its own palette, composition and typography.

Pure Pillow + numpy, no Django imports: the catalogue is rendered in the
background (~30,000 cards), so this module must be fast, deterministic and
testable on its own. Everything is drawn directly at the requested size;
full-canvas filters (blur, noise) are avoided or cached because each one
costs several milliseconds at 1280x720.
"""

from __future__ import annotations

import colorsys
import functools
import io
import math
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Painter = Callable[["_Canvas"], None]

MAX_SIDE = 4096  # refuse absurd sizes instead of allocating gigabytes

# --- Fonts ------------------------------------------------------------------
# Candidate files per typographic role, first existing wins. Paths cover the
# Debian/Ubuntu layout used here plus Fedora/Arch, so the same code picks
# real fonts on a developer laptop; "fallback" is tried before Pillow's
# built-in font so a missing role degrades to *some* TrueType face.
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
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def font_for(role: str, size: int) -> Font:
    """Font for a typographic role, falling back role -> "fallback" -> built-in."""
    chain = FONT_CANDIDATES.get(role, ()) + FONT_CANDIDATES.get("fallback", ())
    return _load_font(chain, max(1, int(size)))


# --- Colour helpers ---------------------------------------------------------


def _hex(value: str) -> RGB:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _rgba(colour: RGB, alpha: float) -> tuple[int, int, int, int]:
    return (*colour, max(0, min(255, round(alpha * 255))))


def _shift(colour: RGB, hue: float, light: float) -> RGB:
    """Nudge hue/lightness so 30,000 cards of one theme are not clones, while
    staying inside the theme's colour family (greys stay grey)."""
    h, l, s = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    r, g, b = colorsys.hls_to_rgb((h + hue) % 1.0, min(1.0, max(0.0, l + light)), s)
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


# --- Canvas -----------------------------------------------------------------


@dataclass
class _Canvas:
    """The image being painted plus what every painter needs.

    `draw` is an RGBA-mode drawer on the RGB image so translucent fills blend
    in place without a full-canvas alpha composite.
    """

    img: Image.Image
    rng: random.Random
    pal: dict[str, RGB]
    draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.img, "RGBA")

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

    def xy(self, fx: float, fy: float) -> tuple[float, float]:
        return (fx * self.w, fy * self.h)

    def jitter(self, spread: float) -> float:
        return self.rng.uniform(-spread, spread)


# --- Backgrounds ----------------------------------------------------------------
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


def _background(
    c: _Canvas,
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


def _vignette(c: _Canvas, strength: float = 0.7, colour: RGB = (0, 0, 0)) -> None:
    c.img.paste(colour, mask=_vignette_mask(c.img.size, strength))


@functools.lru_cache(maxsize=8)
def _grain_layer(size: tuple[int, int]) -> Image.Image:
    """Film grain, generated once per size: effect_noise costs ~35 ms at 1280x720."""
    return Image.effect_noise(size, 48).convert("RGB")


def _grain(c: _Canvas, amount: float = 0.08) -> None:
    c.img.paste(Image.blend(c.img, _grain_layer(c.img.size), amount))


def _soft(
    c: _Canvas, colour: RGB, shapes: Callable[[ImageDraw.ImageDraw, float], None], blur: float, opacity: float = 1.0
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
    c.img.paste(colour, full_box, mask=crop)


# --- Shape primitives ---------------------------------------------------------------
# Silhouettes are built from ellipses and polygons in units of a figure
# height `s`, so the same figure works on a card and on the billboard.


def _person(
    d: ImageDraw.ImageDraw,
    x: float,
    feet: float,
    s: float,
    fill,
    *,
    stride: float = 0.0,
    arm_up: bool = False,
    hat: str = "",
) -> None:
    """Standing figure, `s` tall, feet at y=`feet`. `stride` spreads the legs."""
    head_r = s * 0.075
    head_y = feet - s + head_r
    d.ellipse((x - head_r, head_y - head_r, x + head_r, head_y + head_r), fill=fill)
    sh_y, hip_y = feet - s * 0.80, feet - s * 0.46
    d.polygon(
        [(x - s * 0.06, head_y + head_r * 0.7), (x + s * 0.06, head_y + head_r * 0.7), (x + s * 0.04, sh_y)], fill=fill
    )
    d.rounded_rectangle((x - s * 0.15, sh_y, x + s * 0.15, sh_y + s * 0.12), radius=s * 0.05, fill=fill)
    d.polygon(
        [
            (x - s * 0.15, sh_y + s * 0.05),
            (x + s * 0.15, sh_y + s * 0.05),
            (x + s * 0.11, hip_y),
            (x - s * 0.11, hip_y),
        ],
        fill=fill,
    )
    left_hand = (x - s * (0.2 + stride * 0.3), feet - s * 0.43)
    right_hand = (x + s * 0.2, feet - s * (1.02 if arm_up else 0.43))
    for hand, side in ((left_hand, -1), (right_hand, 1)):
        d.line([(x + side * s * 0.13, sh_y + s * 0.05), hand], fill=fill, width=max(1, round(s * 0.06)))
    for side in (-1, 1):
        d.polygon(
            [
                (x + side * s * 0.01, hip_y),
                (x + side * s * 0.11, hip_y),
                (x + side * s * (0.075 + stride), feet),
                (x + side * s * (0.01 + stride * 0.6), feet),
            ],
            fill=fill,
        )
    if hat == "fedora":
        d.ellipse((x - head_r * 2.0, head_y - head_r * 0.75, x + head_r * 2.0, head_y - head_r * 0.25), fill=fill)
        d.rounded_rectangle(
            (x - head_r * 1.1, head_y - head_r * 1.7, x + head_r * 1.1, head_y - head_r * 0.4),
            radius=head_r * 0.4,
            fill=fill,
        )
    elif hat == "helmet":
        d.chord((x - head_r * 1.5, head_y - head_r * 1.5, x + head_r * 1.5, head_y + head_r * 1.0), 180, 360, fill=fill)
    elif hat == "cowboy":
        d.ellipse((x - head_r * 2.4, head_y - head_r * 0.9, x + head_r * 2.4, head_y - head_r * 0.3), fill=fill)
        d.rounded_rectangle(
            (x - head_r * 1.0, head_y - head_r * 1.9, x + head_r * 1.0, head_y - head_r * 0.5),
            radius=head_r * 0.5,
            fill=fill,
        )


def _bust(d: ImageDraw.ImageDraw, x: float, base: float, s: float, fill, *, hair: float = 0.0) -> None:
    """Head-and-shoulders figure `s` tall standing on y=`base` (cast rows, photos)."""
    top = base - s
    hw, hh = s * 0.16, s * 0.2  # head half-width / half-height
    cy = top + hh
    if hair > 0:  # longer hair reads as a different person in a row of busts
        d.rounded_rectangle(
            (x - hw * 1.12, cy - hh * 0.9, x + hw * 1.12, cy + hh * (0.4 + hair * 1.6)), radius=hw, fill=fill
        )
    d.ellipse((x - hw, cy - hh, x + hw, cy + hh), fill=fill)
    d.rectangle((x - s * 0.065, cy + hh * 0.6, x + s * 0.065, base - s * 0.4), fill=fill)
    d.ellipse((x - s * 0.42, base - s * 0.5, x + s * 0.42, base + s * 0.55), fill=fill)


# A head in profile facing right, in units of head height (y down, x right).
_PROFILE = (
    (0.42, 0.0),
    (0.60, 0.02),
    (0.74, 0.10),
    (0.82, 0.22),
    (0.84, 0.34),
    (0.82, 0.40),
    (0.86, 0.46),
    (0.93, 0.57),
    (0.87, 0.60),
    (0.87, 0.66),
    (0.84, 0.69),
    (0.86, 0.73),
    (0.82, 0.77),
    (0.83, 0.83),
    (0.77, 0.88),
    (0.64, 0.90),
    (0.60, 1.02),
    (0.62, 1.12),
    (0.95, 1.22),
    (1.15, 1.40),
    (1.2, 1.7),
    (-0.45, 1.7),
    (-0.35, 1.38),
    (0.10, 1.16),
    (0.22, 1.02),
    (0.20, 0.90),
    (0.08, 0.74),
    (0.02, 0.52),
    (0.04, 0.32),
    (0.12, 0.15),
    (0.25, 0.04),
)


def _profile(d: ImageDraw.ImageDraw, x: float, y: float, s: float, fill, *, facing: int = 1) -> None:
    """Head-and-shoulders profile; (x, y) is the crown, `s` the head height."""
    d.polygon([(x + (px - 0.45) * s * facing, y + py * s) for px, py in _PROFILE], fill=fill)


def _heart(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill) -> None:
    d.ellipse((cx - r, cy - r * 0.6, cx, cy + r * 0.35), fill=fill)
    d.ellipse((cx, cy - r * 0.6, cx + r, cy + r * 0.35), fill=fill)
    d.polygon([(cx - r * 0.97, cy - r * 0.02), (cx + r * 0.97, cy - r * 0.02), (cx, cy + r)], fill=fill)


def _star_points(
    cx: float,
    cy: float,
    r_out: float,
    r_in: float,
    points: int,
    rng: random.Random | None = None,
    rotation: float = -math.pi / 2,
) -> list[tuple[float, float]]:
    pts = []
    for i in range(points * 2):
        r = r_out if i % 2 == 0 else r_in
        if rng is not None:
            r *= rng.uniform(0.75, 1.15)
        a = rotation + i * math.pi / points
        pts.append((cx + math.cos(a) * r, cy + math.sin(a) * r))
    return pts


def _sparkle(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill) -> None:
    d.polygon(_star_points(cx, cy, r, r * 0.22, 4), fill=fill)


def _stars(c: _Canvas, count: int, colour: RGB, *, max_y: float = 1.0, max_r: float = 0.006) -> None:
    for _ in range(count):
        x, y = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h * max_y)
        r = c.u * c.rng.uniform(max_r * 0.25, max_r)
        c.draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(colour, c.rng.uniform(0.4, 1.0)))


def _ridge(c: _Canvas, base: float, amplitude: float, fill, *, peaks: int = 6, jagged: float = 0.5) -> None:
    """A mountain/hill silhouette filling everything below a jagged line."""
    pts = [(0.0, float(c.h))]
    n = peaks * 2
    for i in range(n + 1):
        x = c.w * i / n
        high = i % 2 == 1
        y = c.h * (
            base - (amplitude * c.rng.uniform(0.55, 1.0) if high else amplitude * c.rng.uniform(0, jagged) * 0.5)
        )
        pts.append((x, y))
    pts.append((float(c.w), float(c.h)))
    c.draw.polygon(pts, fill=fill)


def _skyline(
    c: _Canvas,
    base: float,
    top: float,
    fill,
    *,
    windows: RGB | None = None,
    broken: bool = False,
    x0: float = 0.0,
    x1: float = 1.0,
) -> None:
    x = c.w * x0
    while x < c.w * x1:
        bw = c.w * c.rng.uniform(0.035, 0.08)
        bh = c.h * c.rng.uniform(top * 0.35, top)
        y = c.h * base - bh
        if broken:
            c.draw.polygon(
                [
                    (x, c.h * base),
                    (x, y + bh * 0.1),
                    (x + bw * 0.3, y),
                    (x + bw * 0.55, y + bh * c.rng.uniform(0.1, 0.3)),
                    (x + bw * 0.8, y + bh * 0.05),
                    (x + bw, y + bh * 0.2),
                    (x + bw, c.h * base),
                ],
                fill=fill,
            )
        else:
            c.draw.rectangle((x, y, x + bw, c.h * base), fill=fill)
        if windows is not None:
            step = max(3.0, c.u * 0.022)
            for wy in np.arange(y + step, c.h * base - step, step):
                for wx in np.arange(x + step * 0.5, x + bw - step * 0.5, step):
                    if c.rng.random() < 0.22:
                        c.draw.rectangle((wx, wy, wx + step * 0.4, wy + step * 0.5), fill=windows)
        x += bw + c.w * c.rng.uniform(0.0, 0.01)
    c.draw.rectangle((0, c.h * base, c.w, c.h), fill=fill)


def _tree(
    d: ImageDraw.ImageDraw, x: float, ground: float, s: float, fill, rng: random.Random, *, bare: bool = False
) -> None:
    """A lone tree `s` tall: bare recursive branches (horror) or a leafy crown."""
    d.polygon(
        [
            (x - s * 0.04, ground),
            (x + s * 0.04, ground),
            (x + s * 0.015, ground - s * 0.6),
            (x - s * 0.015, ground - s * 0.6),
        ],
        fill=fill,
    )
    if not bare:
        for dx, dy, r in ((0, -0.72, 0.26), (-0.17, -0.6, 0.18), (0.18, -0.62, 0.2), (0.05, -0.88, 0.18)):
            d.ellipse((x + (dx - r) * s, ground + (dy - r) * s, x + (dx + r) * s, ground + (dy + r) * s), fill=fill)
        return

    def branch(bx: float, by: float, angle: float, length: float, width: float, depth: int) -> None:
        ex, ey = bx + math.cos(angle) * length, by + math.sin(angle) * length
        d.line([(bx, by), (ex, ey)], fill=fill, width=max(1, round(width)))
        if depth > 0:
            for turn in (-0.62, 0.55):
                branch(ex, ey, angle + turn + rng.uniform(-0.25, 0.25), length * 0.72, width * 0.62, depth - 1)

    branch(x, ground - s * 0.55, -math.pi / 2 + rng.uniform(-0.2, 0.2), s * 0.25, s * 0.04, 4)


def _burst(c: _Canvas, cx: float, cy: float, r: float, colours: Sequence[RGB], points: int = 14) -> None:
    """Explosion / comic burst: concentric jagged stars, outer to inner."""
    for i, colour in enumerate(colours):
        scale = 1 - i / (len(colours) + 0.6)
        c.draw.polygon(
            _star_points(cx, cy, r * scale, r * scale * 0.55, points, c.rng, c.rng.uniform(0, 1)), fill=colour
        )


def _rays(
    c: _Canvas, cx: float, cy: float, count: int, colour, *, spread: float = 2 * math.pi, start: float = 0.0
) -> None:
    """Alternate wedges from a point (art deco, comic and comedy backdrops)."""
    reach = (c.w + c.h) * 1.5
    step = spread / count
    for i in range(0, count, 2):
        a0, a1 = start + i * step, start + (i + 1) * step
        c.draw.polygon(
            [
                (cx, cy),
                (cx + math.cos(a0) * reach, cy + math.sin(a0) * reach),
                (cx + math.cos(a1) * reach, cy + math.sin(a1) * reach),
            ],
            fill=colour,
        )


def _halftone(c: _Canvas, colour, *, step: float = 0.035, gradient: str = "x", max_r: float = 0.45) -> None:
    """Comic-book dots whose size fades across the card."""
    step_px = max(4.0, c.u * step)
    for row, y in enumerate(np.arange(0, c.h + step_px, step_px)):
        offset = step_px / 2 if row % 2 else 0.0
        for x in np.arange(offset, c.w + step_px, step_px):
            t = x / c.w if gradient == "x" else y / c.h
            r = step_px * max_r * t
            if r >= 0.6:
                c.draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def _rain(c: _Canvas, count: int, colour) -> None:
    for _ in range(count):
        x, y = c.rng.uniform(-0.1 * c.w, c.w), c.rng.uniform(-0.1 * c.h, c.h)
        length = c.u * c.rng.uniform(0.04, 0.1)
        c.draw.line([(x, y), (x + length * 0.25, y + length)], fill=colour, width=max(1, round(c.u * 0.003)))


def _lit_disc(c: _Canvas, cx: float, cy: float, r: float, dark: RGB, lit: RGB, *, light: float = 0.3) -> None:
    """A sphere lit from the upper left: the dark disc plus a lit crescent,
    cut with a mask so the light never spills past the disc's edge."""
    box = (round(cx - r), round(cy - r), round(cx + r), round(cy + r))
    c.draw.ellipse(box, fill=dark)
    size = (box[2] - box[0], box[3] - box[1])
    if min(size) < 2:
        return
    mask = Image.new("L", size)
    d = ImageDraw.Draw(mask)
    d.ellipse((0, 0, size[0] - 1, size[1] - 1), fill=255)
    off = r * light
    d.ellipse((off, off * 0.8, size[0] - 1 + off * 2.2, size[1] - 1 + off * 1.8), fill=0)
    c.img.paste(lit, box, mask=mask)


def _crescent(c: _Canvas, cx: float, cy: float, r: float, colour: RGB, shadow: RGB) -> None:
    c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    c.draw.ellipse((cx - r * 0.55, cy - r * 1.1, cx + r * 1.35, cy + r * 0.8), fill=shadow)


def _glow(c: _Canvas, cx: float, cy: float, r: float, colour: RGB, opacity: float = 0.8) -> None:
    _soft(
        c,
        colour,
        lambda d, k: d.ellipse(((cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k), fill=255),
        blur=r * 0.6,
        opacity=opacity,
    )


# --- Theme painters ---------------------------------------------------------
# One function per theme. Every painter leaves the text area (given by its
# Style.anchor) calm enough for the title; the renderer adds a scrim anyway.


def _paint_action(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.72, 0.45), glows=[(0.72, 0.45, 0.55, p["fire"], 0.9)])
    cx, cy = c.w * (0.72 + c.jitter(0.04)), c.h * (0.45 + c.jitter(0.05))
    _glow(c, cx, cy, c.u * 0.55, p["fire"], 0.7)
    _burst(c, cx, cy, c.u * 0.62, [p["fire"], p["hot"], p["core"]], points=13)
    for i in range(7):  # speed slashes, lower-left to upper-right
        x = c.w * (0.05 + i * 0.14 + c.jitter(0.03))
        y = c.h * (0.15 + c.rng.uniform(0, 0.7))
        length, thick = c.u * c.rng.uniform(0.35, 0.7), c.u * c.rng.uniform(0.006, 0.02)
        dx, dy = length * 0.87, -length * 0.5
        c.draw.polygon(
            [(x, y), (x + dx, y + dy), (x + dx + thick, y + dy + thick * 0.6), (x + thick, y + thick * 1.4)],
            fill=_rgba(p["streak"], c.rng.uniform(0.35, 0.85)),
        )
    _person(c.draw, cx - c.u * 0.05, c.h * 1.02, c.h * 0.78, p["ink"], stride=0.12)


def _paint_adventure(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (0.55, p["sky1"]), (1, p["bg1"])], glows=[(0.68, 0.42, 0.35, p["sun"], 0.8)])
    sx, sy = c.w * (0.68 + c.jitter(0.05)), c.h * 0.40
    c.draw.ellipse((sx - c.u * 0.12, sy - c.u * 0.12, sx + c.u * 0.12, sy + c.u * 0.12), fill=p["sun"])
    for i, key in enumerate(("far", "mid", "near")):
        _ridge(c, 0.62 + i * 0.12, 0.26 - i * 0.05, p[key], peaks=4 + i, jagged=0.8)
    px, py = c.w * (0.70 + c.jitter(0.05)), c.h * 0.48
    c.draw.polygon([(px - c.u * 0.22, c.h * 0.75), (px, py), (px + c.u * 0.25, c.h * 0.75)], fill=p["near"])
    _person(c.draw, px, py + 1, c.u * 0.16, p["ink"], arm_up=True)
    c.draw.line(
        [(px + c.u * 0.033, py - c.u * 0.165), (px + c.u * 0.033, py - c.u * 0.26)],
        fill=p["ink"],
        width=max(1, round(c.u * 0.006)),
    )
    c.draw.polygon(
        [(px + c.u * 0.033, py - c.u * 0.26), (px + c.u * 0.1, py - c.u * 0.24), (px + c.u * 0.033, py - c.u * 0.215)],
        fill=p["flag"],
    )
    for _ in range(4):  # birds
        bx, by, r = c.w * c.rng.uniform(0.35, 0.95), c.h * c.rng.uniform(0.08, 0.3), c.u * c.rng.uniform(0.015, 0.03)
        c.draw.line(
            [(bx - r, by - r * 0.5), (bx, by), (bx + r, by - r * 0.5)], fill=p["ink"], width=max(1, round(r * 0.25))
        )


def _paint_animation(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=60)
    colours = [p["a"], p["b"], p["c"], p["d"], p["e"]]
    for i in range(9):
        x, y = c.w * c.rng.uniform(0.05, 0.95), c.h * c.rng.uniform(0.0, 0.62)
        r = c.u * c.rng.uniform(0.07, 0.2)
        col = colours[i % len(colours)]
        for _ in range(3):  # a blob is three overlapping circles
            ox, oy, rr = c.jitter(r * 0.5), c.jitter(r * 0.4), r * c.rng.uniform(0.6, 1.0)
            c.draw.ellipse((x + ox - rr, y + oy - rr, x + ox + rr, y + oy + rr), fill=col)
        c.draw.ellipse((x - r * 0.45, y - r * 0.55, x - r * 0.1, y - r * 0.25), fill=(255, 255, 255, 170))
    for _ in range(7):
        _sparkle(
            c.draw,
            c.w * c.rng.uniform(0, 1),
            c.h * c.rng.uniform(0, 0.7),
            c.u * c.rng.uniform(0.02, 0.05),
            (255, 255, 255, 220),
        )


def _paint_children(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (1, p["sky1"])])
    cx, cy, r = c.w * 0.5, c.h * 0.95, c.u * 0.95
    for i, key in enumerate(("r", "o", "y", "g", "b", "v")):
        rr = r - i * c.u * 0.055
        c.draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=p[key])
    rr = r - 6 * c.u * 0.055
    c.draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=p["sky1"])
    for _ in range(3):  # clouds
        x, y, s = c.w * c.rng.uniform(0.05, 0.95), c.h * c.rng.uniform(0.1, 0.45), c.u * c.rng.uniform(0.08, 0.13)
        for dx, dy, k in ((-1.1, 0.2, 0.8), (0, 0, 1.1), (1.1, 0.2, 0.85), (0.5, 0.35, 0.8), (-0.5, 0.35, 0.8)):
            c.draw.ellipse(
                (x + (dx - k) * s, y + (dy - k) * s, x + (dx + k) * s, y + (dy + k) * s), fill=(255, 255, 255)
            )
    for i, key in enumerate(("r", "y", "g")):  # balloons
        x, y = c.w * (0.78 + i * 0.07 + c.jitter(0.02)), c.h * (0.22 + c.jitter(0.08))
        rx, ry = c.u * 0.06, c.u * 0.075
        c.draw.line(
            [(x, y + ry), (x - c.u * 0.03 * (i - 1), y + ry + c.u * 0.3)],
            fill=p["ink"],
            width=max(1, round(c.u * 0.004)),
        )
        c.draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=p[key])
        c.draw.ellipse((x - rx * 0.5, y - ry * 0.6, x - rx * 0.1, y - ry * 0.2), fill=(255, 255, 255, 150))


def _paint_comedy(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.5, 0.4))
    _rays(c, c.w * 0.5, c.h * 0.42, 28, _rgba(p["ray"], 0.35), start=c.rng.uniform(0, 1))
    step = c.u * 0.12
    for row, y in enumerate(np.arange(step * 0.5, c.h, step)):
        for x in np.arange(step * (0.5 if row % 2 else 0), c.w + step, step):
            r = step * 0.16
            c.draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(p["dot"], 0.55))
    confetti = [p["c1"], p["c2"], p["c3"], p["c4"]]
    for i in range(40):
        x, y = c.w * c.rng.uniform(0, 1), c.h * c.rng.uniform(0, 0.75)
        a, s = c.rng.uniform(0, math.pi), c.u * c.rng.uniform(0.012, 0.028)
        dx, dy = math.cos(a) * s, math.sin(a) * s
        c.draw.polygon(
            [
                (x - dx - dy * 0.4, y - dy + dx * 0.4),
                (x + dx - dy * 0.4, y + dy + dx * 0.4),
                (x + dx + dy * 0.4, y + dy - dx * 0.4),
                (x - dx + dy * 0.4, y - dy - dx * 0.4),
            ],
            fill=confetti[i % 4],
        )


def _paint_crime(c: _Canvas) -> None:
    p = c.pal
    _background(
        c,
        [(0, p["bg0"]), (1, p["bg1"])],
        glows=[(0.05, 0.0, 0.35, p["siren_r"], 0.55), (0.95, 0.0, 0.35, p["siren_b"], 0.55)],
    )
    _skyline(c, 0.86, 0.5, p["ink"], windows=p["window"])
    _person(c.draw, c.w * (0.78 + c.jitter(0.03)), c.h * 0.99, c.h * 0.62, (4, 6, 10), hat="fedora")
    # police tape: a yellow band with black chevrons across the top third
    y0, band, slope = c.h * (0.16 + c.jitter(0.04)), c.u * 0.075, -0.18
    c.draw.polygon(
        [(-10, y0), (c.w + 10, y0 + slope * c.w), (c.w + 10, y0 + slope * c.w + band), (-10, y0 + band)], fill=p["tape"]
    )
    step = band * 1.4
    for x in np.arange(-step, c.w + step, step):
        y = y0 + slope * x
        c.draw.polygon(
            [(x, y), (x + step * 0.4, y + slope * step * 0.4), (x + step * 0.1, y + band), (x - step * 0.3, y + band)],
            fill=p["ink"],
        )


def _paint_documentary(c: _Canvas) -> None:
    p = c.pal
    strip = c.h * 0.11
    _background(c, [(0, p["sky0"]), (0.6, p["sky1"]), (1, p["ground"])])
    sx, sy, r = c.w * (0.66 + c.jitter(0.05)), c.h * 0.42, c.u * 0.09
    c.draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=p["sun"])
    _ridge(c, 0.62, 0.12, p["hill"], peaks=3, jagged=0.3)
    for i in range(3):
        x = c.w * (0.55 + i * 0.08 + c.jitter(0.02))
        _tree(c.draw, x, c.h * 0.66, c.u * c.rng.uniform(0.18, 0.28), p["ink"], c.rng)
    _grain(c, 0.10)
    c.img.paste(p["film"], (0, 0, c.w, round(strip)))
    c.img.paste(p["film"], (0, round(c.h - strip), c.w, c.h))
    hole_w, hole_h = strip * 0.55, strip * 0.42
    for x in np.arange(strip * 0.3, c.w, hole_w * 1.8):
        for y in (strip * 0.29, c.h - strip * 0.71):
            c.draw.rounded_rectangle((x, y, x + hole_w, y + hole_h), radius=hole_h * 0.25, fill=p["hole"])


def _paint_drama(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=20, glows=[(0.72, 0.3, 0.45, p["light"], 0.35)])
    wx, wy, ww, wh = c.w * (0.62 + c.jitter(0.03)), c.h * 0.12, c.u * 0.42, c.u * 0.5
    floor = c.h * 0.8
    c.draw.polygon(
        [(wx, wy + wh), (wx + ww, wy + wh), (wx + ww * 0.9, floor + c.h * 0.2), (wx - ww * 0.9, floor + c.h * 0.2)],
        fill=_rgba(p["light"], 0.22),
    )
    c.draw.rectangle((wx, wy, wx + ww, wy + wh), fill=p["light"])
    bar = max(2.0, c.u * 0.015)
    c.draw.rectangle((wx + ww / 2 - bar / 2, wy, wx + ww / 2 + bar / 2, wy + wh), fill=p["frame"])
    c.draw.rectangle((wx, wy + wh / 2 - bar / 2, wx + ww, wy + wh / 2 + bar / 2), fill=p["frame"])
    c.draw.rectangle((0, floor, c.w, c.h), fill=p["floor"])
    # a lone seated figure on a chair, looking at the window
    fx, s = wx - c.u * 0.2, c.u * 0.48
    c.draw.rectangle((fx - s * 0.2, floor - s * 0.45, fx - s * 0.16, floor), fill=p["ink"])
    c.draw.rectangle((fx - s * 0.2, floor - s * 0.42, fx + s * 0.2, floor - s * 0.38), fill=p["ink"])
    c.draw.rectangle((fx + s * 0.16, floor - s * 0.42, fx + s * 0.2, floor), fill=p["ink"])
    c.draw.ellipse((fx - s * 0.08, floor - s * 1.02, fx + s * 0.08, floor - s * 0.84), fill=p["ink"])
    c.draw.polygon(
        [
            (fx - s * 0.13, floor - s * 0.8),
            (fx + s * 0.1, floor - s * 0.8),
            (fx + s * 0.12, floor - s * 0.42),
            (fx - s * 0.16, floor - s * 0.42),
        ],
        fill=p["ink"],
    )
    c.draw.polygon(
        [
            (fx + s * 0.05, floor - s * 0.5),
            (fx + s * 0.3, floor - s * 0.47),
            (fx + s * 0.28, floor),
            (fx + s * 0.2, floor),
            (fx + s * 0.2, floor - s * 0.38),
            (fx, floor - s * 0.38),
        ],
        fill=p["ink"],
    )


def _paint_fantasy(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (0.6, p["bg1"]), (1, p["horizon"])])
    _stars(c, 40, (255, 255, 255), max_y=0.6)
    mx, my = c.w * (0.82 + c.jitter(0.03)), c.h * 0.22
    _glow(c, mx, my, c.u * 0.28, p["moon"], 0.5)
    _crescent(c, mx, my, c.u * 0.13, p["moon"], p["bg0"])
    _ridge(c, 0.92, 0.18, p["hill"], peaks=3, jagged=0.4)
    cx, ground, s = c.w * (0.64 + c.jitter(0.03)), c.h * 0.78, c.u * 0.5
    c.draw.polygon(
        [(cx - s * 0.9, c.h), (cx - s * 0.35, ground), (cx + s * 0.45, ground), (cx + s, c.h)], fill=p["ink"]
    )
    c.draw.rectangle((cx - s * 0.32, ground - s * 0.3, cx + s * 0.4, ground), fill=p["ink"])
    for dx, height, width in ((-0.32, 0.55, 0.12), (-0.06, 0.8, 0.14), (0.22, 0.62, 0.11), (0.4, 0.45, 0.1)):
        x0, top = cx + dx * s, ground - height * s
        c.draw.rectangle((x0, top, x0 + width * s, ground), fill=p["ink"])
        c.draw.polygon(
            [(x0 - width * s * 0.2, top), (x0 + width * s * 0.5, top - width * s * 1.6), (x0 + width * s * 1.2, top)],
            fill=p["ink"],
        )
        c.draw.rectangle((x0 + width * s * 0.4, top + s * 0.08, x0 + width * s * 0.6, top + s * 0.13), fill=p["window"])
    for _ in range(10):
        _sparkle(
            c.draw,
            c.w * c.rng.uniform(0.35, 1.0),
            c.h * c.rng.uniform(0.05, 0.7),
            c.u * c.rng.uniform(0.01, 0.025),
            _rgba(p["moon"], 0.9),
        )


def _paint_film_noir(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["light"]), (1, p["dark"])], radial=(0.7, 0.3))
    # venetian-blind shadows: dark slats sloping across the lit wall
    slat, slope = c.h * 0.085, 0.35
    for i in range(-4, 16):
        y = i * slat * 1.6
        c.draw.polygon(
            [(0, y), (c.w, y - slope * c.w), (c.w, y - slope * c.w + slat), (0, y + slat)], fill=_rgba(p["dark"], 0.78)
        )
    x, feet, s = c.w * (0.72 + c.jitter(0.03)), c.h * 1.05, c.h * 0.9
    _person(c.draw, x, feet, s, p["ink"], hat="fedora")
    smoke = [
        (x + s * 0.12 + math.sin(t * 1.7) * s * 0.04, feet - s * 0.88 - t * s * 0.06) for t in np.linspace(0, 3.5, 14)
    ]
    c.draw.line(smoke, fill=(230, 230, 230, 120), width=max(1, round(s * 0.012)), joint="curve")
    _grain(c, 0.12)


def _paint_horror(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["glow"]), (1, p["bg"])], radial=(0.62, 0.4))
    tx = c.w * (0.66 + c.jitter(0.04))
    mx, my, r = tx + c.u * 0.12, c.h * 0.36, c.u * 0.3
    _glow(c, mx, my, r * 1.6, p["moon"], 0.45)
    c.draw.ellipse((mx - r, my - r, mx + r, my + r), fill=p["moon"])
    _tree(c.draw, tx, c.h * 1.02, c.h * 0.8, p["ink"], c.rng, bare=True)
    _ridge(c, 0.96, 0.05, p["ink"], peaks=3, jagged=0.3)
    x = 0.0
    while x < c.w:  # blood drips from the top edge
        width = c.u * c.rng.uniform(0.02, 0.05)
        length = c.h * c.rng.uniform(0.03, 0.2)
        c.draw.rectangle((x, 0, x + width, length), fill=p["blood"])
        c.draw.ellipse((x - width * 0.1, length - width * 0.6, x + width * 1.1, length + width * 0.6), fill=p["blood"])
        x += width * c.rng.uniform(1.0, 3.5)
    c.draw.rectangle((0, 0, c.w, c.h * 0.03), fill=p["blood"])
    _vignette(c, 0.85)


def _paint_musical(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])])
    stage = c.h * 0.8
    c.draw.rectangle((0, stage, c.w, c.h), fill=p["stage"])
    cx = c.w * (0.5 + c.jitter(0.05))
    c.draw.polygon(
        [(cx - c.u * 0.08, 0), (cx + c.u * 0.08, 0), (cx + c.u * 0.45, stage), (cx - c.u * 0.45, stage)],
        fill=_rgba(p["spot"], 0.35),
    )
    c.draw.ellipse(
        (cx - c.u * 0.45, stage - c.u * 0.05, cx + c.u * 0.45, stage + c.u * 0.05), fill=_rgba(p["spot"], 0.55)
    )
    _person(c.draw, cx, stage, c.h * 0.42, p["ink"], arm_up=True, stride=0.06)
    for side in (-1, 1):  # curtains: vertical folds narrowing to the middle
        edge = 0 if side < 0 else c.w
        width = c.w * 0.25
        folds = 6
        for i in range(folds):
            x0 = edge - side * (width * i / folds)
            x1 = edge - side * (width * (i + 1) / folds)
            col = p["curtain"] if i % 2 == 0 else p["fold"]
            c.draw.polygon([(x0, 0), (x1, 0), (x1 + side * c.w * 0.03 * (i == folds - 1), c.h), (x0, c.h)], fill=col)
    c.draw.rectangle((0, 0, c.w, c.h * 0.09), fill=p["curtain"])
    for i in range(12):
        x = c.w * (i + 0.5) / 12
        c.draw.ellipse((x - c.u * 0.05, c.h * 0.06, x + c.u * 0.05, c.h * 0.13), fill=p["fold"])
    for _ in range(8):
        x, y = c.w * c.rng.uniform(0.25, 0.75), c.h * c.rng.uniform(0.15, 0.6)
        c.draw.polygon(_star_points(x, y, c.u * 0.03, c.u * 0.012, 5), fill=p["gold"])


def _paint_mystery(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=70)
    kx, ky, s = c.w * (0.72 + c.jitter(0.03)), c.h * 0.36, c.u * 0.5
    _glow(c, kx, ky + s * 0.25, s * 0.9, p["light"], 0.45)
    c.draw.ellipse((kx - s * 0.28, ky - s * 0.28, kx + s * 0.28, ky + s * 0.28), fill=p["light"])
    c.draw.polygon(
        [
            (kx - s * 0.14, ky + s * 0.1),
            (kx + s * 0.14, ky + s * 0.1),
            (kx + s * 0.28, ky + s * 1.05),
            (kx - s * 0.28, ky + s * 1.05),
        ],
        fill=p["light"],
    )
    _person(c.draw, kx, ky + s * 0.98, s * 0.62, p["ink"], hat="fedora")
    for i in range(4):  # drifting fog bands
        y = c.h * (0.55 + i * 0.12)
        _soft(
            c,
            p["fog"],
            lambda d, k, y=y: d.ellipse(
                (-c.w * 0.2 * k, (y - c.h * 0.05) * k, c.w * 1.2 * k, (y + c.h * 0.05) * k), fill=255
            ),
            blur=c.h * 0.06,
            opacity=0.35,
        )


def _paint_romance(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (0.6, p["bg1"]), (1, p["bg2"])], angle=110, glows=[(0.7, 0.45, 0.5, p["glow"], 0.7)])

    def bokeh(d: ImageDraw.ImageDraw, k: float) -> None:
        for _ in range(14):
            x, y, r = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h), c.u * c.rng.uniform(0.03, 0.1)
            d.ellipse(((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k), fill=c.rng.randint(90, 200))

    _soft(c, (255, 240, 245), bokeh, blur=c.u * 0.012)
    cx, s = c.w * (0.7 + c.jitter(0.02)), c.h * 0.62
    top = c.h * 0.26
    _profile(c.draw, cx - s * 0.42, top, s, p["ink"], facing=1)
    _profile(c.draw, cx + s * 0.42, top + s * 0.06, s * 0.93, p["ink"], facing=-1)
    for _ in range(4):
        x, y = c.w * c.rng.uniform(0.5, 0.95), c.h * c.rng.uniform(0.05, 0.25)
        _heart(c.draw, x, y, c.u * c.rng.uniform(0.025, 0.05), _rgba((255, 255, 255), 0.85))


def _paint_sci_fi(c: _Canvas) -> None:
    p = c.pal
    horizon = c.h * 0.58
    _background(
        c,
        [(0, p["bg0"]), (0.58, p["bg1"]), (0.6, p["floor"]), (1, p["bg0"])],
        glows=[(0.5, 0.58, 0.6, p["neon2"], 0.5)],
    )
    _stars(c, 70, (220, 240, 255), max_y=0.55)
    px, py, r = c.w * (0.78 + c.jitter(0.04)), c.h * 0.26, c.u * 0.17
    c.draw.ellipse(
        (px - r * 2.1, py - r * 0.45, px + r * 2.1, py + r * 0.45), outline=p["neon"], width=max(1, round(r * 0.06))
    )
    _lit_disc(c, px, py, r, p["planet"], p["planet_lit"])
    c.draw.arc(
        (px - r * 2.1, py - r * 0.45, px + r * 2.1, py + r * 0.45),
        0,
        180,
        fill=p["neon"],
        width=max(1, round(r * 0.06)),
    )
    line = max(1, round(c.u * 0.004))
    vanish = (c.w * 0.5, horizon)
    for i in range(-12, 13):
        c.draw.line([vanish, (c.w * 0.5 + i * c.w * 0.14, c.h)], fill=_rgba(p["neon"], 0.8), width=line)
    for i in range(1, 9):
        y = horizon + (c.h - horizon) * (i / 8) ** 1.8
        c.draw.line([(0, y), (c.w, y)], fill=_rgba(p["neon"], 0.8), width=line)
    c.draw.line([(0, horizon), (c.w, horizon)], fill=p["neon2"], width=line * 2)


def _paint_thriller(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=80)
    floor = c.h * 0.72
    dx, dw, dh = c.w * (0.7 + c.jitter(0.03)), c.u * 0.26, c.h * 0.62
    c.draw.rectangle((0, floor, c.w, c.h), fill=p["floor"])
    c.draw.polygon(
        [(dx, floor), (dx + dw, floor), (dx + dw * 2.6, c.h), (dx - dw * 1.2, c.h)], fill=_rgba(p["light"], 0.35)
    )
    c.draw.rectangle((dx, floor - dh, dx + dw, floor), fill=p["light"])
    fx, s = dx + dw * 0.5, dh * 0.78
    _person(c.draw, fx, floor, s, p["ink"])
    c.draw.polygon(
        [(fx - s * 0.08, floor), (fx + s * 0.08, floor), (fx + s * 0.45, c.h), (fx - s * 0.05, c.h)], fill=p["ink"]
    )
    c.draw.rectangle((0, c.h * 0.5, c.w * 0.45, c.h * 0.5 + max(2.0, c.u * 0.012)), fill=p["accent"])


def _paint_war(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (0.7, p["sky1"]), (1, p["glow"])], glows=[(0.6, 0.75, 0.5, p["glow"], 0.6)])

    def smoke(d: ImageDraw.ImageDraw, k: float) -> None:
        for _ in range(9):
            x, y, r = c.rng.uniform(0.2, 1.0) * c.w, c.rng.uniform(0.15, 0.7) * c.h, c.u * c.rng.uniform(0.1, 0.22)
            d.ellipse(((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k), fill=c.rng.randint(120, 230))

    _soft(c, p["smoke"], smoke, blur=c.u * 0.06, opacity=0.8)
    ground = c.h * 0.8
    _ridge(c, 0.82, 0.06, p["ink"], peaks=3, jagged=0.3)
    for i in range(4):
        x = c.w * (0.55 + i * 0.11 + c.jitter(0.015))
        _person(c.draw, x, ground + c.h * 0.02, c.h * c.rng.uniform(0.3, 0.36), p["ink"], stride=0.08, hat="helmet")
        c.draw.line(
            [(x + c.u * 0.03, ground - c.h * 0.18), (x + c.u * 0.1, ground - c.h * 0.33)],
            fill=p["ink"],
            width=max(1, round(c.u * 0.008)),
        )
    post = max(2.0, c.u * 0.01)
    for x in np.arange(c.w * 0.02, c.w, c.w * 0.16):
        c.draw.rectangle((x, ground - c.h * 0.08, x + post, ground + c.h * 0.05), fill=p["ink"])
    for row in (0.05, 0.02):
        pts = [(x, ground - c.h * row + math.sin(x * 0.5) * c.u * 0.01) for x in np.arange(0, c.w, c.u * 0.02)]
        c.draw.line(pts, fill=p["ink"], width=max(1, round(c.u * 0.004)))


def _paint_western(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (0.5, p["sky1"]), (0.75, p["sky2"])])
    sx, sy, r = c.w * (0.62 + c.jitter(0.05)), c.h * 0.56, c.u * 0.3
    _glow(c, sx, sy, r * 1.5, p["sun"], 0.5)
    c.draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=p["sun"])
    for x0, width, top in ((0.08, 0.25, 0.5), (0.62, 0.3, 0.56), (0.88, 0.2, 0.6)):
        x0 += c.jitter(0.03)
        c.draw.polygon(
            [
                (c.w * (x0 - 0.04), c.h * 0.76),
                (c.w * x0, c.h * top),
                (c.w * (x0 + width), c.h * top),
                (c.w * (x0 + width + 0.05), c.h * 0.76),
            ],
            fill=p["mesa"],
        )
    c.draw.rectangle((0, c.h * 0.75, c.w, c.h), fill=p["ground"])
    for x, s in ((0.78, 0.55), (0.92, 0.35), (0.3, 0.22)):
        cx, base, s = c.w * (x + c.jitter(0.02)), c.h * 0.98, c.u * s
        trunk = s * 0.16
        c.draw.rounded_rectangle((cx - trunk / 2, base - s, cx + trunk / 2, base), radius=trunk / 2, fill=p["ink"])
        for side, height in ((-1, 0.55), (1, 0.7)):
            ax = cx + side * trunk * 2.2
            c.draw.rounded_rectangle(
                (min(ax, cx), base - s * (height - 0.25) - trunk, max(ax, cx), base - s * (height - 0.25)),
                radius=trunk / 2,
                fill=p["ink"],
            )
            c.draw.rounded_rectangle(
                (ax - trunk / 2, base - s * height, ax + trunk / 2, base - s * (height - 0.25)),
                radius=trunk / 2,
                fill=p["ink"],
            )


def _paint_dark(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.7, 0.35))
    ox, oy = c.w * (0.7 + c.jitter(0.05)), c.h * (0.38 + c.jitter(0.05))
    _glow(c, ox, oy, c.u * 0.35, p["light"], 0.4)
    for i in range(11):  # shattered-glass cracks radiating from one impact
        angle = i * 2 * math.pi / 11 + c.jitter(0.2)
        x, y = ox, oy
        pts = [(x, y)]
        for _ in range(6):
            step = c.u * c.rng.uniform(0.06, 0.16)
            angle += c.jitter(0.35)
            x, y = x + math.cos(angle) * step, y + math.sin(angle) * step
            pts.append((x, y))
        c.draw.line(pts, fill=_rgba(p["crack"], 0.85), width=max(1, round(c.u * 0.004)))
    for r in (0.08, 0.16, 0.26):
        rr = c.u * r
        c.draw.ellipse(
            (ox - rr, oy - rr * 0.9, ox + rr, oy + rr * 0.9),
            outline=_rgba(p["crack"], 0.35),
            width=max(1, round(c.u * 0.003)),
        )
    _person(c.draw, ox + c.u * 0.25, c.h * 1.0, c.h * 0.3, p["ink"])
    _vignette(c, 0.9)


def _paint_funny(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=30)
    _halftone(c, p["dot"], step=0.045, max_r=0.5)
    bx, by, bw, bh = c.w * (0.72 + c.jitter(0.03)), c.h * 0.35, c.u * 0.5, c.u * 0.34
    c.draw.polygon(
        [(bx - bw * 0.2, by + bh * 0.3), (bx - bw * 0.55, by + bh * 0.95), (bx + bw * 0.05, by + bh * 0.4)],
        fill=p["ink"],
    )
    c.draw.ellipse((bx - bw / 2 - 4, by - bh / 2 - 4, bx + bw / 2 + 4, by + bh / 2 + 4), fill=p["ink"])
    c.draw.ellipse((bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2), fill=(255, 255, 255))
    c.draw.polygon(
        [(bx - bw * 0.19, by + bh * 0.3), (bx - bw * 0.5, by + bh * 0.87), (bx + bw * 0.02, by + bh * 0.38)],
        fill=(255, 255, 255),
    )
    for i in range(3):  # "ha ha" rendered as three bouncing exclamation marks
        x = bx + (i - 1) * bw * 0.22
        y = by + (i % 2) * bh * 0.05 - bh * 0.02
        c.draw.rounded_rectangle(
            (x - bw * 0.035, y - bh * 0.3, x + bw * 0.035, y + bh * 0.12), radius=bw * 0.03, fill=p["accent"]
        )
        c.draw.ellipse((x - bw * 0.04, y + bh * 0.18, x + bw * 0.04, y + bh * 0.3), fill=p["accent"])
    _burst(c, c.w * 0.1, c.h * 0.12, c.u * 0.2, [p["accent2"]], points=10)


def _paint_thought_provoking(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=60)
    x, y, s = c.w * (0.66 + c.jitter(0.03)), c.h * 0.12, c.h * 0.58
    _profile(c.draw, x, y, s, p["head"], facing=1)
    cx, cy = x + s * 0.02, y + s * 0.42  # concentric "thought" rings inside the skull
    for i in range(7, 0, -1):
        r = s * 0.055 * i
        c.draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r), outline=p["ring"] if i % 2 else p["bg0"], width=max(1, round(s * 0.02))
        )
    c.draw.ellipse((cx - s * 0.05, cy - s * 0.05, cx + s * 0.05, cy + s * 0.05), fill=p["ring"])
    for _ in range(6):
        gx, gy, r = c.w * c.rng.uniform(0.05, 0.5), c.h * c.rng.uniform(0.05, 0.5), c.u * c.rng.uniform(0.015, 0.04)
        shape = c.rng.randrange(3)
        if shape == 0:
            c.draw.ellipse((gx - r, gy - r, gx + r, gy + r), outline=p["ring"], width=max(1, round(c.u * 0.004)))
        elif shape == 1:
            c.draw.rectangle((gx - r, gy - r, gx + r, gy + r), outline=p["head"], width=max(1, round(c.u * 0.004)))
        else:
            c.draw.polygon([(gx, gy - r), (gx + r, gy + r), (gx - r, gy + r)], outline=p["head"])


def _paint_atmospheric(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (1, p["sky1"])], glows=[(0.75, 0.25, 0.4, p["light"], 0.6)])
    sx, sy = c.w * 0.78, -c.h * 0.1
    for _ in range(5):  # god rays from a high sun
        a = math.pi * c.rng.uniform(0.55, 0.8)
        spread = c.rng.uniform(0.03, 0.06)
        reach = c.w * 1.3
        c.draw.polygon(
            [
                (sx, sy),
                (sx + math.cos(a - spread) * reach, sy + math.sin(a - spread) * reach),
                (sx + math.cos(a + spread) * reach, sy + math.sin(a + spread) * reach),
            ],
            fill=_rgba(p["light"], 0.12),
        )
    layers = ("l1", "l2", "l3", "l4")
    for i, key in enumerate(layers):
        _ridge(c, 0.5 + i * 0.13, 0.16, p[key], peaks=3 + i, jagged=0.6)
        if i < len(layers) - 1:
            y = c.h * (0.56 + i * 0.13)
            _soft(
                c,
                p["fog"],
                lambda d, k, y=y: d.rectangle((0, (y - c.h * 0.03) * k, c.w * k, (y + c.h * 0.05) * k), fill=255),
                blur=c.h * 0.05,
                opacity=0.55,
            )
    tx = c.w * (0.72 + c.jitter(0.05))
    _tree(c.draw, tx, c.h * 0.78, c.u * 0.22, p["l4"], c.rng)


def _paint_superhero(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.7, 0.4))
    hx = c.w * (0.7 + c.jitter(0.03))
    _rays(c, hx, c.h * 0.4, 36, _rgba(p["ray"], 0.5), start=c.rng.uniform(0, 1))
    _halftone(c, _rgba(p["dot"], 0.45), step=0.04, gradient="y", max_r=0.45)
    _skyline(c, 0.9, 0.3, p["city"], windows=p["window"])
    roof = c.h * 0.8
    c.draw.rectangle((hx - c.u * 0.35, roof, hx + c.u * 0.35, c.h), fill=p["ink"])
    s = c.h * 0.62
    c.draw.polygon(
        [
            (hx - s * 0.14, roof - s * 0.8),
            (hx + s * 0.14, roof - s * 0.8),
            (hx + s * 0.42, roof - s * 0.02),
            (hx + s * 0.1, roof - s * 0.12),
            (hx - s * 0.1, roof - s * 0.06),
            (hx - s * 0.38, roof),
        ],
        fill=p["cape"],
    )
    _person(c.draw, hx, roof, s, p["ink"], stride=0.1)
    c.draw.line(
        [(hx - s * 0.13, roof - s * 0.75), (hx - s * 0.22, roof - s * 0.5)],
        fill=p["ink"],
        width=max(1, round(s * 0.06)),
    )


def _paint_space(c: _Canvas) -> None:
    p = c.pal
    _background(
        c,
        [(0, p["bg0"]), (1, p["bg1"])],
        angle=30,
        glows=[(0.3, 0.3, 0.45, p["neb1"], 0.5), (0.65, 0.6, 0.4, p["neb2"], 0.45)],
    )
    _stars(c, 110, (255, 255, 255), max_r=0.005)
    for _ in range(3):
        x, y = c.w * c.rng.uniform(0.05, 0.6), c.h * c.rng.uniform(0.05, 0.5)
        _sparkle(c.draw, x, y, c.u * 0.03, (255, 255, 255, 230))
    px, py, r = c.w * (0.82 + c.jitter(0.03)), c.h * (0.86 + c.jitter(0.03)), c.u * 0.55
    _glow(c, px, py, r * 1.18, p["atmo"], 0.55)
    c.draw.ellipse((px - r, py - r, px + r, py + r), fill=p["planet"])
    for i in range(1, 5):  # cloud bands
        y = py - r + i * r * 0.28
        c.draw.chord((px - r, py - r, px + r, py + r), 180 + i * 8, 360 - i * 8, fill=None) if False else None
        c.draw.line(
            [(px - r * 0.95, y), (px + r * 0.95, y + r * 0.05)],
            fill=_rgba(p["band"], 0.5),
            width=max(1, round(r * 0.05)),
        )
    mx, my, mr = c.w * 0.55, c.h * 0.28, c.u * 0.06
    c.draw.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=p["moon"])
    c.draw.ellipse((mx - mr * 0.6, my - mr, mx + mr * 1.2, my + mr * 0.8), fill=_rgba(p["bg0"], 0.6))


def _paint_dystopia(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (1, p["sky1"])], glows=[(0.65, 0.45, 0.4, p["sun"], 0.35)])
    sx, sy, r = c.w * (0.66 + c.jitter(0.04)), c.h * (0.4 + c.jitter(0.04)), c.u * 0.3
    c.draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=p["sun"])
    for i in range(6):  # smog lines across the sun
        y = sy - r + i * r * 0.38
        c.draw.rectangle((0, y, c.w, y + r * 0.06), fill=_rgba(p["sky0"], 0.5))
    _skyline(c, 0.95, 0.62, p["ink"], broken=True, windows=p["neon"])
    _rain(c, 70, _rgba(p["rain"], 0.3))
    _grain(c, 0.07)


def _paint_twist_ending(c: _Canvas) -> None:
    p = c.pal
    mid = c.h * (0.55 + c.jitter(0.03))
    _background(c, [(0, p["top0"]), (1, p["top1"])])
    c.draw.rectangle((0, mid, c.w, c.h), fill=p["bottom"])
    x, s = c.w * (0.78 + c.jitter(0.04)), c.h * 0.4
    _person(c.draw, x, mid, s, p["figure"])
    mirror = Image.new("L", c.img.size)
    _person(ImageDraw.Draw(mirror), x, mid, s, 255)
    mirror = mirror.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    shift = round(2 * mid - c.h)  # reflect about the horizon, not the image centre
    box = (0, 0, c.w, c.h)
    mirror = ImageChops.offset(mirror, 0, shift) if shift else mirror
    c.img.paste(p["reflection"], box, mask=mirror.crop(box))
    for i in range(1, 4):  # ripple rings where the figure meets its reflection
        rr = c.u * 0.1 * i
        c.draw.ellipse(
            (x - rr, mid - rr * 0.12, x + rr, mid + rr * 0.12),
            outline=_rgba(p["figure"], 0.5 / i),
            width=max(1, round(c.u * 0.004)),
        )
    c.draw.line([(0, mid), (c.w, mid)], fill=p["figure"], width=max(1, round(c.u * 0.005)))


def _paint_time_travel(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.7, 0.45), glows=[(0.7, 0.45, 0.35, p["glow"], 0.6)])
    cx, cy, r = c.w * (0.7 + c.jitter(0.02)), c.h * 0.45, c.u * 0.36
    for _ in range(40):  # light-speed streaks out of the clock
        a = c.rng.uniform(0, 2 * math.pi)
        r0, r1 = r * c.rng.uniform(1.1, 1.5), r * c.rng.uniform(1.8, 3.5)
        c.draw.line(
            [(cx + math.cos(a) * r0, cy + math.sin(a) * r0), (cx + math.cos(a) * r1, cy + math.sin(a) * r1)],
            fill=_rgba(p["streak"], c.rng.uniform(0.3, 0.8)),
            width=max(1, round(c.u * 0.004)),
        )
    width = max(2, round(r * 0.06))
    for k, alpha in ((1.22, 0.35), (1.1, 0.6)):
        c.draw.ellipse(
            (cx - r * k, cy - r * k, cx + r * k, cy + r * k), outline=_rgba(p["gold"], alpha), width=max(1, width // 2)
        )
    c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(p["face"], 0.85), outline=p["gold"], width=width)
    for i in range(12):
        a = i * math.pi / 6
        r0 = r * (0.78 if i % 3 == 0 else 0.85)
        c.draw.line(
            [
                (cx + math.cos(a) * r0, cy + math.sin(a) * r0),
                (cx + math.cos(a) * r * 0.93, cy + math.sin(a) * r * 0.93),
            ],
            fill=p["gold"],
            width=width if i % 3 == 0 else max(1, width // 2),
        )
    for angle, length, w in (
        (c.rng.uniform(0, 6.3), 0.5, width),
        (c.rng.uniform(0, 6.3), 0.75, max(1, width * 2 // 3)),
    ):
        c.draw.line(
            [(cx, cy), (cx + math.cos(angle) * r * length, cy + math.sin(angle) * r * length)], fill=p["gold"], width=w
        )
    c.draw.ellipse((cx - width, cy - width, cx + width, cy + width), fill=p["gold"])


def _paint_based_on_a_book(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["paper0"]), (1, p["paper1"])], radial=(0.5, 0.45))
    cx, cy, s = c.w * (0.7 + c.jitter(0.02)), c.h * 0.42, c.u * 0.62
    c.draw.polygon(
        [
            (cx - s * 0.78, cy - s * 0.32),
            (cx, cy - s * 0.22),
            (cx + s * 0.78, cy - s * 0.32),
            (cx + s * 0.78, cy + s * 0.42),
            (cx, cy + s * 0.5),
            (cx - s * 0.78, cy + s * 0.42),
        ],
        fill=p["cover"],
    )
    for side in (-1, 1):
        c.draw.polygon(
            [
                (cx, cy - s * 0.26),
                (cx + side * s * 0.72, cy - s * 0.38),
                (cx + side * s * 0.72, cy + s * 0.36),
                (cx, cy + s * 0.44),
            ],
            fill=p["page"],
        )
        for i in range(9):
            t = 0.08 + i * 0.085
            y0 = cy - s * 0.26 + t * s * 0.7
            c.draw.line(
                [(cx + side * s * 0.08, y0), (cx + side * s * 0.64, y0 - s * 0.1)],
                fill=p["line"],
                width=max(1, round(s * 0.008)),
            )
    c.draw.line([(cx, cy - s * 0.26), (cx, cy + s * 0.44)], fill=p["cover"], width=max(1, round(s * 0.012)))
    for i in range(3):  # a page turning loose
        x0 = cx + s * (0.1 + i * 0.12)
        c.draw.arc(
            (x0 - s * 0.2, cy - s * 0.75, x0 + s * 0.3, cy - s * 0.3),
            200,
            330,
            fill=p["line"],
            width=max(1, round(s * 0.008)),
        )
    inset = c.u * 0.04
    c.draw.rectangle((inset, inset, c.w - inset, c.h - inset), outline=p["cover"], width=max(1, round(c.u * 0.008)))
    c.draw.rectangle(
        (inset * 1.5, inset * 1.5, c.w - inset * 1.5, c.h - inset * 1.5),
        outline=p["cover"],
        width=max(1, round(c.u * 0.003)),
    )
    _vignette(c, 0.5, p["cover"])


def _paint_classic(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["light"]), (1, p["dark"])], radial=(0.5, 1.0))
    _rays(c, c.w * 0.5, c.h * 1.05, 30, _rgba(p["ray"], 0.3), spread=math.pi, start=math.pi)
    for k in (0.38, 0.3):
        r = c.u * k
        c.draw.arc(
            (c.w * 0.5 - r * 1.6, c.h * 1.05 - r * 1.6, c.w * 0.5 + r * 1.6, c.h * 1.05 + r * 1.6),
            180,
            360,
            fill=p["gold"],
            width=max(1, round(c.u * 0.01)),
        )
    inset = c.u * 0.045
    for k, width in ((1.0, 0.012), (1.5, 0.004)):
        c.draw.rectangle(
            (inset * k, inset * k, c.w - inset * k, c.h - inset * k),
            outline=p["gold"],
            width=max(1, round(c.u * width)),
        )
    for fx, fy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):  # deco corner fans
        x = inset * 2.2 if fx > 0 else c.w - inset * 2.2
        y = inset * 2.2 if fy > 0 else c.h - inset * 2.2
        for i in range(1, 4):
            r = c.u * 0.02 * i
            start = {(1, 1): 0, (-1, 1): 90, (-1, -1): 180, (1, -1): 270}[(fx, fy)]
            c.draw.arc(
                (x - r, y - r, x + r, y + r), start, start + 90, fill=p["gold"], width=max(1, round(c.u * 0.004))
            )
    _grain(c, 0.08)


def _paint_true_story(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["paper"]), (1, p["paper1"])], angle=80)
    m = c.u * 0.06
    c.draw.rectangle((m, m, c.w - m, m + c.u * 0.035), fill=p["ink"])
    c.draw.rectangle((m, m + c.u * 0.05, c.w - m, m + c.u * 0.056), fill=p["ink"])
    px0, py0, px1, py1 = c.w * 0.56, m + c.u * 0.1, c.w - m, c.h * 0.78
    col_x = [m, c.w * 0.2 + m * 0.5]
    for x0 in col_x:  # columns of "text" as grey bars
        for y in np.arange(m + c.u * 0.11, c.h * 0.52, c.u * 0.035):
            length = c.w * 0.2 * c.rng.uniform(0.7, 1.0)
            c.draw.rectangle((x0, y, x0 + length, y + c.u * 0.012), fill=p["column"])
    c.draw.rectangle((px0, py0, px1, py1), fill=p["photo"])
    photo = _Canvas(Image.new("RGB", (round(px1 - px0), round(py1 - py0)), p["photo"]), c.rng, p)
    _halftone(photo, p["photo_dot"], step=0.05, gradient="y", max_r=0.5)
    _bust(photo.draw, photo.w * 0.5, photo.h * 1.02, photo.h * 0.8, p["ink"], hair=0.3)
    c.img.paste(photo.img, (round(px0), round(py0)))
    c.draw.rectangle((px0, py0, px1, py1), outline=p["ink"], width=max(1, round(c.u * 0.006)))
    _grain(c, 0.06)


def _paint_music(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], glows=[(0.75, 0.4, 0.45, p["neon1"], 0.35)])
    vx, vy, r = c.w * (0.76 + c.jitter(0.03)), c.h * 0.4, c.u * 0.36
    _glow(c, vx, vy, r * 1.15, p["neon1"], 0.55)
    c.draw.ellipse((vx - r, vy - r, vx + r, vy + r), fill=(12, 12, 14))
    for k in np.linspace(0.42, 0.95, 9):
        c.draw.ellipse(
            (vx - r * k, vy - r * k, vx + r * k, vy + r * k), outline=(45, 45, 52), width=max(1, round(c.u * 0.003))
        )
    c.draw.arc(
        (vx - r * 0.9, vy - r * 0.9, vx + r * 0.9, vy + r * 0.9),
        200,
        250,
        fill=(150, 150, 170),
        width=max(1, round(c.u * 0.006)),
    )
    c.draw.ellipse((vx - r * 0.32, vy - r * 0.32, vx + r * 0.32, vy + r * 0.32), fill=p["neon1"])
    c.draw.ellipse((vx - r * 0.05, vy - r * 0.05, vx + r * 0.05, vy + r * 0.05), fill=p["bg0"])
    bars, base = 26, c.h
    width = c.w / bars
    for i in range(bars):  # equaliser with a neon gradient across the bars
        height = c.h * (0.08 + 0.32 * abs(math.sin(i * 0.55 + c.rng.uniform(0, 0.6))) * c.rng.uniform(0.5, 1.0))
        col = _mix(p["neon1"], p["neon2"], i / (bars - 1))
        c.draw.rectangle(
            (i * width + width * 0.15, base - height, (i + 1) * width - width * 0.15, base), fill=_rgba(col, 0.9)
        )
    wave = [
        (x, c.h * 0.2 + math.sin(x / c.w * 18) * c.h * 0.05 * math.sin(x / c.w * 3.1))
        for x in np.arange(0, c.w * 0.55, 3)
    ]
    c.draw.line(wave, fill=p["neon2"], width=max(1, round(c.u * 0.006)))


def _paint_emotional(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (0.6, p["sky1"]), (1, p["horizon"])])

    def lights(d: ImageDraw.ImageDraw, k: float) -> None:
        for _ in range(16):
            x, y, r = c.rng.uniform(0, c.w), c.rng.uniform(0.45, 0.85) * c.h, c.u * c.rng.uniform(0.02, 0.06)
            d.ellipse(((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k), fill=c.rng.randint(100, 220))

    _soft(c, p["lights"], lights, blur=c.u * 0.02)
    _rain(c, 110, _rgba((235, 240, 255), 0.35))
    ground = c.h * 0.9
    c.draw.rectangle((0, ground, c.w, c.h), fill=p["ground"])
    x, s = c.w * (0.7 + c.jitter(0.04)), c.h * 0.5
    _person(c.draw, x, ground, s, p["ink"])
    ux, uy, ur = x + s * 0.05, ground - s * 1.0, s * 0.32  # umbrella
    c.draw.chord((ux - ur, uy - ur * 0.7, ux + ur, uy + ur * 0.7), 180, 360, fill=p["umbrella"])
    c.draw.line([(ux, uy), (ux, uy + s * 0.45)], fill=p["ink"], width=max(1, round(s * 0.02)))
    c.draw.rectangle((x - s * 0.2, ground, x + s * 0.2, ground + c.h * 0.04), fill=_rgba(p["ink"], 0.35))


def _paint_coming_of_age(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["sky0"]), (0.55, p["sky1"]), (0.8, p["sky2"])])
    sx, sy, r = c.w * (0.4 + c.jitter(0.05)), c.h * 0.66, c.u * 0.2
    c.draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=p["sun"])
    roof = c.h * 0.74
    c.draw.polygon(
        [(c.w * 0.35, c.h), (c.w * 0.55, roof), (c.w * 1.05, roof - c.h * 0.04), (c.w * 1.05, c.h)], fill=p["ink"]
    )
    for x in (0.08, 0.24):  # suburban houses
        hx = c.w * x
        c.draw.rectangle((hx, c.h * 0.78, hx + c.w * 0.13, c.h), fill=p["ink"])
        c.draw.polygon(
            [(hx - c.w * 0.01, c.h * 0.78), (hx + c.w * 0.065, c.h * 0.68), (hx + c.w * 0.14, c.h * 0.78)],
            fill=p["ink"],
        )
    c.draw.rectangle((0, c.h * 0.92, c.w, c.h), fill=p["ink"])
    post_x = c.w * 0.9
    c.draw.rectangle((post_x, c.h * 0.1, post_x + c.u * 0.015, roof), fill=p["ink"])
    c.draw.rectangle((post_x - c.u * 0.08, c.h * 0.14, post_x + c.u * 0.1, c.h * 0.16), fill=p["ink"])
    for k, sag in ((0.15, 0.05), (0.2, 0.07)):  # sagging power lines with birds
        pts = [
            (x, c.h * k + sag * c.h * (1 - ((x - post_x / 2) / (post_x / 2)) ** 2)) for x in np.linspace(0, post_x, 30)
        ]
        c.draw.line(pts, fill=p["ink"], width=max(1, round(c.u * 0.004)))
    for bx in (0.3, 0.36, 0.5):
        x = c.w * bx
        y = c.h * 0.15 + 0.05 * c.h * (1 - ((x - post_x / 2) / (post_x / 2)) ** 2)
        c.draw.ellipse((x - c.u * 0.012, y - c.u * 0.028, x + c.u * 0.012, y), fill=p["ink"])
    for i, s in enumerate((0.3, 0.27)):  # two friends sitting on the roof
        fx = c.w * (0.7 + i * 0.09)
        _bust(c.draw, fx, roof - c.h * 0.02 * i, c.h * s * 0.8, p["ink"], hair=0.4 * i)


def _paint_suspenseful(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.68, 0.45))
    cx, cy = c.w * (0.68 + c.jitter(0.03)), c.h * 0.45
    size = c.w * 0.9
    angle = c.rng.uniform(0, 0.5)
    for i in range(16):  # vertigo spiral: shrinking, rotating squares
        s = size * (0.82**i)
        a = angle + i * 0.18
        pts = [(cx + math.cos(a + k * math.pi / 2) * s, cy + math.sin(a + k * math.pi / 2) * s) for k in range(4)]
        c.draw.polygon(pts, fill=p["red"] if i % 2 else p["bg0"])
    s = c.u * 0.16
    fx, fy = cx + s * 0.1, cy - s * 0.2
    _person(c.draw, fx, fy + s, s, p["ink"], stride=0.15, arm_up=True)
    _vignette(c, 0.6)


def _paint_ensemble_cast(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], glows=[(0.5, 0.55, 0.6, p["glow"], 0.8)])
    count = c.rng.choice((5, 6, 7))
    spacing = c.w / (count + 0.4)
    order = sorted(range(count), key=lambda i: abs(i - (count - 1) / 2), reverse=True)
    for i in order:  # outer figures first so the centre ones overlap them
        x = spacing * (i + 0.7) + c.jitter(spacing * 0.08)
        center_bias = 1 - abs(i - (count - 1) / 2) / count
        s = c.h * (0.5 + 0.25 * center_bias + c.jitter(0.04))
        hair = c.rng.choice((0.0, 0.0, 0.35, 0.5))
        _bust(c.draw, x + c.u * 0.008, c.h * 1.02, s, p["rim"], hair=hair)
        _bust(c.draw, x, c.h * 1.02, s, p["ink"], hair=hair)


def _paint_character_close_up(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=0, glows=[(0.85, 0.4, 0.5, p["rim"], 0.7)])
    x, y, s = c.w * (0.72 + c.jitter(0.03)), c.h * 0.08, c.h * 0.78
    _profile(c.draw, x + s * 0.025, y - s * 0.01, s, p["rim"], facing=-1)
    _profile(c.draw, x, y, s, p["ink"], facing=-1)
    eye_x, eye_y = x - s * 0.32, y + s * 0.43
    c.draw.line(
        [(eye_x - s * 0.05, eye_y), (eye_x + s * 0.03, eye_y + s * 0.01)],
        fill=_rgba(p["rim"], 0.8),
        width=max(1, round(s * 0.012)),
    )


def _paint_iconic_scene(c: _Canvas) -> None:
    p = c.pal
    horizon = c.h * 0.55
    _background(c, [(0, p["sky0"]), (0.5, p["sky1"]), (0.55, p["sky2"])], glows=[(0.5, 0.55, 0.35, p["sun"], 0.8)])
    sx, r = c.w * (0.5 + c.jitter(0.04)), c.u * 0.14
    c.draw.ellipse((sx - r, horizon - r, sx + r, horizon + r), fill=p["sun"])
    c.draw.rectangle((0, horizon, c.w, c.h), fill=p["land"])
    c.draw.polygon(
        [(sx - c.w * 0.01, horizon), (sx + c.w * 0.01, horizon), (c.w * 0.78, c.h), (c.w * 0.22, c.h)], fill=p["road"]
    )
    for i in range(6):  # dashed centre line in perspective
        t0, t1 = (i / 6) ** 1.6, ((i + 0.5) / 6) ** 1.6
        w0, w1 = 0.002 + t0 * 0.012, 0.002 + t1 * 0.012
        y0, y1 = horizon + (c.h - horizon) * t0, horizon + (c.h - horizon) * t1
        xm0, xm1 = sx + (c.w * 0.5 - sx) * t0, sx + (c.w * 0.5 - sx) * t1
        c.draw.polygon(
            [(xm0 - c.w * w0, y0), (xm0 + c.w * w0, y0), (xm1 + c.w * w1, y1), (xm1 - c.w * w1, y1)], fill=p["line"]
        )
    for i in range(5):  # telephone poles shrinking to the horizon
        t = 1 - i / 5
        px = sx + (c.w * 0.86 - sx) * t
        py = horizon + (c.h * 0.95 - horizon) * t
        height = c.h * 0.45 * t + c.h * 0.02
        c.draw.rectangle((px, py - height, px + max(1.0, c.u * 0.012 * t), py), fill=p["ink"])
        c.draw.rectangle(
            (px - height * 0.12, py - height * 0.92, px + height * 0.14, py - height * 0.88), fill=p["ink"]
        )
    _tree(c.draw, c.w * 0.12, horizon + c.h * 0.06, c.u * 0.5, p["ink"], c.rng)


def _paint_fallback(c: _Canvas) -> None:
    p = c.pal
    _background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=45)
    for _ in range(6):
        x, y, r = c.w * c.rng.uniform(0.4, 1.0), c.h * c.rng.uniform(0, 0.8), c.u * c.rng.uniform(0.05, 0.25)
        c.draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(p["shape"], c.rng.uniform(0.15, 0.45)))


# --- Styles ---------------------------------------------------------------------


@dataclass(frozen=True)
class Typography:
    """How a theme sets its title: face, case, colours and placement."""

    role: str
    fill: str
    stroke: str
    year: str
    case: str = "title"  # "upper" or "title" (as given)
    tracking: float = 0.0  # extra letter spacing, in em
    anchor: str = "bottom-left"  # bottom-left | bottom-center | top-left
    width: float = 0.6  # share of the card width the title may use
    scale: float = 1.0  # relative size: condensed faces can run larger
    distressed: bool = False
    scrim: float = 0.55  # base opacity of the darkening band behind the text
    scrim_colour: str = "#000000"
    margin_bottom: float = 0.0  # extra bottom margin (film strips, frames)


@dataclass(frozen=True)
class Style:
    painter: Painter
    palette: dict[str, str]
    type: Typography


def _style(painter: Painter, palette: dict[str, str], **typography: object) -> Style:
    return Style(painter, palette, Typography(**typography))  # type: ignore[arg-type]


STYLES: dict[str, Style] = {
    "action": _style(
        _paint_action,
        {
            "bg0": "#2a0a00",
            "bg1": "#070606",
            "fire": "#ff6a00",
            "hot": "#ffa31a",
            "core": "#fff1b8",
            "streak": "#ffd08a",
            "ink": "#0a0707",
        },
        role="condensed-bold",
        fill="#ffffff",
        stroke="#000000",
        year="#ff9a3c",
        case="upper",
        scale=1.2,
    ),
    "adventure": _style(
        _paint_adventure,
        {
            "sky0": "#ffe2a0",
            "sky1": "#f0a050",
            "bg1": "#0d3b2e",
            "sun": "#fff6d5",
            "far": "#5f9e8f",
            "mid": "#2f6f5e",
            "near": "#123d30",
            "ink": "#0b231b",
            "flag": "#d7263d",
        },
        role="serif-condensed",
        fill="#fff4d6",
        stroke="#0b231b",
        year="#ffd37a",
        case="upper",
    ),
    "animation": _style(
        _paint_animation,
        {
            "bg0": "#4b1d8f",
            "bg1": "#d63384",
            "a": "#22d3ee",
            "b": "#facc15",
            "c": "#a3e635",
            "d": "#fb923c",
            "e": "#f472b6",
        },
        role="rounded-bold",
        fill="#ffffff",
        stroke="#3b0a6b",
        year="#fde047",
        anchor="bottom-center",
        width=0.86,
    ),
    "children": _style(
        _paint_children,
        {
            "sky0": "#59b7ff",
            "sky1": "#cfeeff",
            "r": "#ff5a5f",
            "o": "#ff9f1c",
            "y": "#ffe066",
            "g": "#5fd068",
            "b": "#4d96ff",
            "v": "#9b5de5",
            "ink": "#1d3557",
        },
        role="rounded-bold",
        fill="#ffd23f",
        stroke="#1d3557",
        year="#ffffff",
        anchor="bottom-center",
        width=0.86,
        scrim=0.35,
    ),
    "comedy": _style(
        _paint_comedy,
        {
            "bg0": "#fff06a",
            "bg1": "#ffc300",
            "ray": "#fff7b0",
            "dot": "#ff8c00",
            "c1": "#e63946",
            "c2": "#1d4ed8",
            "c3": "#ff4fa3",
            "c4": "#10b981",
        },
        role="rounded-bold",
        fill="#1b1b3a",
        stroke="#ffffff",
        year="#c1121f",
        anchor="bottom-center",
        width=0.86,
        scrim=0.45,
        scrim_colour="#fff8d0",
    ),
    "crime": _style(
        _paint_crime,
        {
            "bg0": "#0b1526",
            "bg1": "#2c3e50",
            "siren_r": "#d62828",
            "siren_b": "#1d4ed8",
            "ink": "#05080d",
            "window": "#f6c453",
            "tape": "#ffd000",
        },
        role="condensed-bold",
        fill="#ffffff",
        stroke="#000000",
        year="#ffd000",
        case="upper",
        scale=1.15,
    ),
    "documentary": _style(
        _paint_documentary,
        {
            "sky0": "#c9cbc2",
            "sky1": "#a3a69a",
            "ground": "#5a5e52",
            "sun": "#eeeee6",
            "hill": "#6f7366",
            "ink": "#33362f",
            "film": "#111111",
            "hole": "#d8d8d0",
        },
        role="sans-bold",
        fill="#ffffff",
        stroke="#1a1a1a",
        year="#e6e6dc",
        margin_bottom=0.11,
        scrim=0.6,
    ),
    "drama": _style(
        _paint_drama,
        {
            "bg0": "#0c2230",
            "bg1": "#1d4b5c",
            "light": "#f3c98b",
            "frame": "#1a2a33",
            "floor": "#0a1a24",
            "ink": "#050d12",
        },
        role="serif-bold",
        fill="#f7efe2",
        stroke="#08141b",
        year="#f3c98b",
    ),
    "fantasy": _style(
        _paint_fantasy,
        {
            "bg0": "#140b3a",
            "bg1": "#4b2a7b",
            "horizon": "#c0589a",
            "moon": "#fff1c1",
            "hill": "#2a1650",
            "ink": "#120827",
            "window": "#ffcf6b",
        },
        role="serif-classic",
        fill="#f6d67a",
        stroke="#1a0b33",
        year="#fff1c1",
        case="upper",
        tracking=0.06,
    ),
    "film-noir": _style(
        _paint_film_noir,
        {"light": "#e2e2e2", "dark": "#111111", "ink": "#050505"},
        role="serif-condensed-italic",
        fill="#ffffff",
        stroke="#000000",
        year="#bdbdbd",
        case="upper",
    ),
    "horror": _style(
        _paint_horror,
        {"glow": "#4a0006", "bg": "#050102", "ink": "#020001", "blood": "#9b0010", "moon": "#c8404a"},
        role="serif-condensed",
        fill="#e3121f",
        stroke="#000000",
        year="#efe6dc",
        case="upper",
        anchor="bottom-center",
        width=0.86,
        distressed=True,
    ),
    "musical": _style(
        _paint_musical,
        {
            "bg0": "#1a0508",
            "bg1": "#3b0a14",
            "stage": "#2a1208",
            "spot": "#fff3c4",
            "ink": "#120406",
            "curtain": "#9d0b28",
            "fold": "#5c0616",
            "gold": "#ffd15c",
        },
        role="serif-bold",
        fill="#ffd15c",
        stroke="#2a0008",
        year="#fff3c4",
        case="upper",
        anchor="bottom-center",
        width=0.86,
    ),
    "mystery": _style(
        _paint_mystery,
        {"bg0": "#0a2420", "bg1": "#174a3f", "light": "#e9f5c9", "fog": "#cfe3d6", "ink": "#041210"},
        role="serif-italic",
        fill="#e9f5c9",
        stroke="#041210",
        year="#a8d5ba",
    ),
    "romance": _style(
        _paint_romance,
        {"bg0": "#ffb3c1", "bg1": "#f27a93", "bg2": "#a8324f", "glow": "#ffd6cc", "ink": "#4a0f2a"},
        role="serif-italic",
        fill="#ffffff",
        stroke="#5a0f2e",
        year="#ffe3ea",
        scale=1.05,
    ),
    "sci-fi": _style(
        _paint_sci_fi,
        {
            "bg0": "#03061a",
            "bg1": "#0b1d4a",
            "floor": "#060b26",
            "neon": "#22e4ff",
            "neon2": "#ff3ec8",
            "planet": "#27307a",
            "planet_lit": "#5b7cfa",
        },
        role="mono",
        fill="#8ff6ff",
        stroke="#02051a",
        year="#ff6fd8",
        case="upper",
        tracking=0.04,
    ),
    "thriller": _style(
        _paint_thriller,
        {
            "bg0": "#24313f",
            "bg1": "#0a0f14",
            "floor": "#0d141b",
            "light": "#d6e4f0",
            "ink": "#05080b",
            "accent": "#e11d2e",
        },
        role="condensed-bold",
        fill="#f2f6fa",
        stroke="#000000",
        year="#ff3b4a",
        case="upper",
        tracking=0.08,
        scale=1.1,
    ),
    "war": _style(
        _paint_war,
        {"sky0": "#6b6b45", "sky1": "#8e8a5a", "glow": "#c8772e", "smoke": "#c9c3a8", "ink": "#1c1f12"},
        role="condensed-bold",
        fill="#eadfb8",
        stroke="#1c1f12",
        year="#d9a55a",
        case="upper",
        distressed=True,
        scale=1.15,
    ),
    "western": _style(
        _paint_western,
        {
            "sky0": "#f28b30",
            "sky1": "#f6b26b",
            "sky2": "#ffe0a3",
            "sun": "#fff2c8",
            "mesa": "#a0482a",
            "ground": "#5a2a17",
            "ink": "#2a140a",
        },
        role="serif-bold",
        fill="#fff2c8",
        stroke="#2a140a",
        year="#ffd39a",
        case="upper",
    ),
    "dark": _style(
        _paint_dark,
        {"bg0": "#2a1845", "bg1": "#07040d", "light": "#6d4bb0", "crack": "#d8c8ff", "ink": "#030106"},
        role="serif-condensed",
        fill="#ddd3ee",
        stroke="#000000",
        year="#a48be0",
        case="upper",
    ),
    "funny": _style(
        _paint_funny,
        {
            "bg0": "#ff3d8b",
            "bg1": "#ff8fb8",
            "dot": "#ffffff",
            "ink": "#111111",
            "accent": "#ff3d8b",
            "accent2": "#22d3ee",
        },
        role="rounded-bold",
        fill="#ffffff",
        stroke="#111111",
        year="#fff35c",
        scrim=0.35,
    ),
    "thought-provoking": _style(
        _paint_thought_provoking,
        {"bg0": "#14161b", "bg1": "#262a33", "head": "#ece6d6", "ring": "#b8e62e"},
        role="sans-book",
        fill="#ece6d6",
        stroke="#0b0c0f",
        year="#b8e62e",
        tracking=0.01,
    ),
    "atmospheric": _style(
        _paint_atmospheric,
        {
            "sky0": "#b7c9cf",
            "sky1": "#6f8f99",
            "light": "#fff8e0",
            "l1": "#8aa6ae",
            "l2": "#5f7f89",
            "l3": "#3a5862",
            "l4": "#1b3038",
            "fog": "#e8f0f0",
        },
        role="sans-bold",
        fill="#ffffff",
        stroke="#10222a",
        year="#dfeff2",
        case="upper",
        tracking=0.14,
    ),
    "superhero": _style(
        _paint_superhero,
        {
            "bg0": "#ff4d4d",
            "bg1": "#9e0b1f",
            "ray": "#ffd23f",
            "dot": "#7a0016",
            "city": "#14245e",
            "window": "#ffd23f",
            "ink": "#0b1233",
            "cape": "#1d4ed8",
        },
        role="sans-bold-italic",
        fill="#ffd23f",
        stroke="#0b1233",
        year="#ffffff",
        case="upper",
    ),
    "space": _style(
        _paint_space,
        {
            "bg0": "#04020c",
            "bg1": "#150a2e",
            "neb1": "#7b2cbf",
            "neb2": "#1e3a8a",
            "planet": "#d0743c",
            "band": "#8a3a1c",
            "atmo": "#ff9e5e",
            "moon": "#c8c8d8",
        },
        role="sans-wide",
        fill="#ffffff",
        stroke="#05030c",
        year="#c9a8ff",
        case="upper",
        tracking=0.18,
    ),
    "dystopia": _style(
        _paint_dystopia,
        {
            "sky0": "#7d8c86",
            "sky1": "#27302e",
            "sun": "#e2412b",
            "ink": "#0c1010",
            "neon": "#ff5a36",
            "rain": "#d0dcd8",
        },
        role="condensed-bold",
        fill="#e8ecea",
        stroke="#050707",
        year="#ff5a36",
        case="upper",
        distressed=True,
        tracking=0.05,
        scale=1.1,
    ),
    "twist ending": _style(
        _paint_twist_ending,
        {"top0": "#0b1f3a", "top1": "#163a5f", "bottom": "#f1e4c8", "figure": "#f1e4c8", "reflection": "#163a5f"},
        role="condensed-bold",
        fill="#f1e4c8",
        stroke="#06101e",
        year="#7fb8ff",
        case="upper",
        anchor="top-left",
        scale=1.1,
    ),
    "time travel": _style(
        _paint_time_travel,
        {
            "bg0": "#12306b",
            "bg1": "#050b1e",
            "glow": "#3fa9ff",
            "streak": "#9ad8ff",
            "gold": "#ffcc4d",
            "face": "#0a1838",
        },
        role="sans-wide",
        fill="#ffffff",
        stroke="#050b1e",
        year="#ffcc4d",
        case="upper",
        tracking=0.06,
    ),
    "based on a book": _style(
        _paint_based_on_a_book,
        {"paper0": "#f6ead0", "paper1": "#d8bf8e", "cover": "#5b3a1e", "page": "#fbf5e6", "line": "#b9a27e"},
        role="serif-bold",
        fill="#3a220f",
        stroke="#fbf5e6",
        year="#7a4a22",
        scrim=0.4,
        scrim_colour="#fbf3e0",
        margin_bottom=0.05,
    ),
    "classic": _style(
        _paint_classic,
        {"light": "#d9bf94", "dark": "#4a2e14", "ray": "#f3e2bf", "gold": "#f3dca8"},
        role="serif-classic",
        fill="#fbefd5",
        stroke="#2d1a08",
        year="#f3dca8",
        case="upper",
        tracking=0.1,
        anchor="bottom-center",
        width=0.8,
        margin_bottom=0.06,
    ),
    "true story": _style(
        _paint_true_story,
        {
            "paper": "#efebe2",
            "paper1": "#d9d3c5",
            "ink": "#151515",
            "column": "#b5afa2",
            "photo": "#8f8a80",
            "photo_dot": "#5e5a52",
        },
        role="typewriter",
        fill="#111111",
        stroke="#f5f2ea",
        year="#8a1c1c",
        scrim=0.5,
        scrim_colour="#f5f2ea",
        width=0.5,
    ),
    "music": _style(
        _paint_music,
        {"bg0": "#07060d", "bg1": "#1a0b24", "neon1": "#ff2bd6", "neon2": "#2bf0ff"},
        role="sans-wide",
        fill="#ffffff",
        stroke="#120016",
        year="#2bf0ff",
        scale=0.95,
    ),
    "emotional": _style(
        _paint_emotional,
        {
            "sky0": "#2c3a6b",
            "sky1": "#7d76b0",
            "horizon": "#e8b4c8",
            "lights": "#ffe3b3",
            "ground": "#1a1d33",
            "ink": "#0d0f1f",
            "umbrella": "#131633",
        },
        role="serif-italic",
        fill="#ffffff",
        stroke="#131633",
        year="#ffd9e6",
    ),
    "coming of age": _style(
        _paint_coming_of_age,
        {"sky0": "#7fc8c6", "sky1": "#ffc7a1", "sky2": "#ff8f7a", "sun": "#fff0c9", "ink": "#3a2340"},
        role="sans-wide",
        fill="#fff7ea",
        stroke="#3a2340",
        year="#ffd6a8",
    ),
    "suspenseful": _style(
        _paint_suspenseful,
        {"bg0": "#140406", "bg1": "#050102", "red": "#8c0f17", "ink": "#000000"},
        role="condensed-bold",
        fill="#ffffff",
        stroke="#000000",
        year="#ff4d5a",
        case="upper",
        tracking=0.12,
        scale=1.1,
    ),
    "ensemble cast": _style(
        _paint_ensemble_cast,
        {"bg0": "#1f3b4d", "bg1": "#d08a4e", "glow": "#ffd29a", "ink": "#0d1419", "rim": "#ffcf8a"},
        role="sans-bold",
        fill="#ffffff",
        stroke="#05080a",
        year="#ffd29a",
        case="upper",
        anchor="bottom-center",
        width=0.86,
        tracking=0.04,
    ),
    "character close-up": _style(
        _paint_character_close_up,
        {"bg0": "#06222e", "bg1": "#12505e", "rim": "#ff9b4a", "ink": "#03090c"},
        role="condensed-bold",
        fill="#ffffff",
        stroke="#02080b",
        year="#ff9b4a",
        case="upper",
        width=0.5,
        scale=1.15,
    ),
    "iconic scene": _style(
        _paint_iconic_scene,
        {
            "sky0": "#3b2a63",
            "sky1": "#e0607e",
            "sky2": "#ffc36b",
            "sun": "#fff1c2",
            "land": "#2a1a2e",
            "road": "#3d2b40",
            "line": "#ffd98a",
            "ink": "#140b16",
        },
        role="serif-bold",
        fill="#fff1c2",
        stroke="#140b16",
        year="#ffc36b",
        anchor="top-left",
    ),
}

FALLBACK_STYLE = _style(
    _paint_fallback,
    {"bg0": "#1e293b", "bg1": "#475569", "shape": "#e2e8f0"},
    role="sans-bold",
    fill="#ffffff",
    stroke="#000000",
    year="#cbd5e1",
)


def style_for(theme: str) -> Style:
    """The theme's style; unknown themes get a neutral style tinted by the theme
    name, so new vocabulary renders (distinctly) before it gets its own art."""
    style = STYLES.get(theme)
    if style is not None:
        return style
    hue = (zlib.crc32(theme.encode("utf-8")) % 360) / 360
    tint = {key: "#%02x%02x%02x" % _shift(_hex(value), hue, 0.0) for key, value in FALLBACK_STYLE.palette.items()}
    return Style(FALLBACK_STYLE.painter, tint, FALLBACK_STYLE.type)


# --- Title text ---------------------------------------------------------------------


@dataclass(frozen=True)
class _TitleLayout:
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

    def word(self, word: str) -> float:
        return _text_width(self.font, word, self.tracking_px)

    def line(self, words: Sequence[str]) -> float:
        return sum(map(self.word, words)) + self.space * max(0, len(words) - 1)


def _break_word(word: str, m: _Measure, max_width: float) -> list[str]:
    """Split a single word wider than the box (long compound titles) by characters."""
    pieces, current = [], ""
    for char in word:
        if current and m.word(current + char) > max_width:
            pieces.append(current)
            current = char
        else:
            current += char
    return pieces + [current] if current else pieces


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
    m = _Measure(font_for(typo.role, size), typo.tracking * size)
    lines = _balanced_wrap(words, m, box_w)
    fits = len(lines) <= max_lines and round(size * 1.12) * len(lines) <= box_h
    return m, lines, fits


def _layout_title(
    text: str, typo: Typography, box_w: float, box_h: float, max_px: int, min_px: int, max_lines: int
) -> _TitleLayout:
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
    return _TitleLayout(m.font, size, tuple(lines), widths, round(size * 1.12), m.tracking_px, truncated)


@functools.lru_cache(maxsize=4096)
def _glyph(font: Font, char: str, stroke: int) -> tuple[Image.Image, int, int]:
    """One character rendered once as a mask, with its offset from the pen position."""
    left, top, right, bottom = font.getbbox(char, stroke_width=stroke)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(mask).text((-left, -top), char, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
    return mask, left, top


def _draw_text_line(
    mask: Image.Image, xy: tuple[float, float], text: str, font: Font, tracking_px: float, stroke: int = 0
) -> None:
    """Draw one line into an L mask, letter-spaced when `tracking_px` is set.

    Pillow has no letter-spacing, and drawing char by char costs ~90 us per
    call, so spaced lines paste cached glyph masks instead.
    """
    if tracking_px == 0 or not isinstance(font, ImageFont.FreeTypeFont):
        ImageDraw.Draw(mask).text(xy, text, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
        return
    x, y = xy
    for char in text:
        if not char.isspace():
            glyph, left, top = _glyph(font, char, stroke)
            mask.paste(255, (round(x + left), round(y + top)), glyph)
        x += _run_width(font, char) + tracking_px


@functools.lru_cache(maxsize=64)
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
    small = Image.fromarray((alpha * opacity * 255).astype(np.uint8), "L")
    return small.resize(size, Image.BILINEAR)


def _apply_scrim(img: Image.Image, box: tuple[int, int, int, int], typo: Typography, text_rgb: RGB) -> None:
    """Darken (or lighten) the band under the title until the text meets WCAG's
    3:1 large-text contrast against the band's average colour."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return
    scrim_rgb = _hex(typo.scrim_colour)
    region = img.crop(box).resize((1, 1), Image.BOX).getpixel((0, 0))
    opacity = typo.scrim
    while opacity < 0.9:
        # the band reaches `opacity` at the edge and averages ~half that under the text
        mean = _mix(region, scrim_rgb, opacity * 0.6)
        if contrast_ratio(mean, text_rgb) >= 3.0:
            break
        opacity += 0.1
    mask = _scrim_mask((x1 - x0, y1 - y0), typo.anchor, round(min(opacity, 0.9), 2))
    img.paste(scrim_rgb, box, mask=mask)


@functools.lru_cache(maxsize=8)
def _speckle(size: tuple[int, int]) -> Image.Image:
    """Worn-print holes for distressed type; made once per size."""
    noise = Image.effect_noise(size, 70).filter(ImageFilter.GaussianBlur(0.6))
    return noise.point(lambda v: 0 if v > 195 else 255)


def _fit_title(text: str, typo: Typography, w: int, h: int, margin_x: int) -> _TitleLayout:
    """Lay out the title in the style's text column, widening the column (over
    the artwork, the scrim keeps it legible) before ever truncating it."""
    max_px = max(8, round(h * 0.15 * typo.scale))
    min_px = max(8, round(h * 0.062))
    share = typo.width if w >= h else 0.86
    layout = None
    for width in dict.fromkeys((share, max(share, 0.72), 0.89)):
        box_w = w * width - margin_x * (0 if typo.anchor.endswith("center") else 0.2)
        layout = _layout_title(text, typo, box_w, h * 0.42, max_px, min_px, max_lines=3)
        if not layout.truncated:
            break
    assert layout is not None
    return layout


def _draw_title(img: Image.Image, title: str, year: int | None, typo: Typography) -> None:
    """Title (and small year) over a scrim at the style's anchor."""
    w, h = img.size
    text = " ".join(title.split())
    text = text.upper() if typo.case == "upper" else text
    year_text = str(year) if year else ""
    margin_x, margin_y = round(w * 0.055), round(h * 0.07)
    year_px = max(8, round(h * 0.05))
    layout = _fit_title(text, typo, w, h, margin_x) if text else None
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
    _apply_scrim(img, band, typo, _hex(typo.fill))
    if layout:
        _paint_lines(img, layout, typo, top, margin_x)
    if year_text:
        _draw_year(img, year_text, year_px, typo, top + title_h + round(year_px * 0.35), margin_x)


def _draw_year(img: Image.Image, text: str, size: int, typo: Typography, y: int, margin_x: int) -> None:
    font = font_for("year", size)
    x = (img.width - font.getlength(text)) / 2 if typo.anchor.endswith("center") else margin_x
    ImageDraw.Draw(img).text(
        (x, y), text, font=font, fill=_hex(typo.year), stroke_width=max(1, size // 10), stroke_fill=_hex(typo.stroke)
    )


def _paint_lines(img: Image.Image, layout: _TitleLayout, typo: Typography, top: int, margin_x: int) -> None:
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
    else:
        box = (
            max(0, margin_x - pad),
            max(0, top - pad),
            min(w, margin_x + text_w + pad * 2),
            min(h, top + text_h + pad * 2),
        )
    mw, mh = box[2] - box[0], box[3] - box[1]
    fill_mask, stroke_mask = Image.new("L", (mw, mh)), Image.new("L", (mw, mh))
    for i, (line, line_w) in enumerate(zip(layout.lines, layout.widths)):
        x = (w - line_w) / 2 if typo.anchor.endswith("center") else margin_x
        xy = (x - box[0], top - box[1] + i * layout.line_height)
        _draw_text_line(fill_mask, xy, line, layout.font, layout.tracking_px)
        _draw_text_line(stroke_mask, xy, line, layout.font, layout.tracking_px, stroke)
    if typo.distressed:
        fill_mask = ImageChops.multiply(fill_mask, _speckle(img.size).crop((0, 0, mw, mh)))
    shadow = stroke_mask.filter(ImageFilter.GaussianBlur(max(1, size * 0.08))).point(lambda v: v * 7 // 10)
    offset = max(1, round(size * 0.05))
    shadow_box = (box[0] + offset, box[1] + offset, box[2] + offset, box[3] + offset)
    clipped = (shadow_box[0], shadow_box[1], min(w, shadow_box[2]), min(h, shadow_box[3]))
    img.paste((0, 0, 0), clipped, mask=shadow.crop((0, 0, clipped[2] - clipped[0], clipped[3] - clipped[1])))
    img.paste(_hex(typo.stroke), box, mask=stroke_mask)
    img.paste(_hex(typo.fill), box, mask=fill_mask)


# --- Public API -----------------------------------------------------------------


def _palette(style: Style, rng: random.Random) -> dict[str, RGB]:
    hue, light = rng.uniform(-0.018, 0.018), rng.uniform(-0.03, 0.03)
    return {key: _shift(_hex(value), hue, light) for key, value in style.palette.items()}


def render_artwork(*, title: str, year: int | None, theme: str, size: tuple[int, int], seed: int) -> Image.Image:
    """Draw one artwork variant as an RGB image of exactly `size`.

    Deterministic: the same arguments always give the same pixels, so a
    rendition can be regenerated instead of stored forever. `seed` varies
    layout and a small hue shift within the theme (the app passes the artwork
    id); the title never feeds the random stream, so only the text differs
    between two titles rendered with the same theme and seed.
    """
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"size must be within 1..{MAX_SIDE} per side, got {size!r}")
    style = style_for(theme)
    rng = random.Random(f"{theme}|{seed}")
    canvas = _Canvas(Image.new("RGB", (width, height)), rng, _palette(style, rng))
    style.painter(canvas)
    _draw_title(canvas.img, title or "", year, style.type)
    return canvas.img


def encode_jpeg(image: Image.Image, quality: int = 85) -> bytes:
    """Progressive, optimised JPEG: cards load top-down blurry-to-sharp on slow links."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()
