"""Shape primitives: figures, stars, hearts, landscapes and other motifs.

Silhouettes are built from ellipses and polygons in units of a figure
height `s`, so the same figure works on a card and on the billboard.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from catalog.artwork.canvas import Canvas, Drawer, paste_colour
from catalog.artwork.colour import RGB, rgba


def person(
    d: Drawer,
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


def bust(d: Drawer, x: float, base: float, s: float, fill, *, hair: float = 0.0) -> None:
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


def profile(d: Drawer, x: float, y: float, s: float, fill, *, facing: int = 1) -> None:
    """Head-and-shoulders profile; (x, y) is the crown, `s` the head height."""
    d.polygon([(x + (px - 0.45) * s * facing, y + py * s) for px, py in _PROFILE], fill=fill)


def heart(d: Drawer, cx: float, cy: float, r: float, fill) -> None:
    d.ellipse((cx - r, cy - r * 0.6, cx, cy + r * 0.35), fill=fill)
    d.ellipse((cx, cy - r * 0.6, cx + r, cy + r * 0.35), fill=fill)
    d.polygon([(cx - r * 0.97, cy - r * 0.02), (cx + r * 0.97, cy - r * 0.02), (cx, cy + r)], fill=fill)


def star_points(
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


def sparkle(d: Drawer, cx: float, cy: float, r: float, fill) -> None:
    d.polygon(star_points(cx, cy, r, r * 0.22, 4), fill=fill)


def stars(c: Canvas, count: int, colour: RGB, *, max_y: float = 1.0, max_r: float = 0.006) -> None:
    for _ in range(count):
        x, y = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h * max_y)
        r = c.u * c.rng.uniform(max_r * 0.25, max_r)
        c.draw.ellipse((x - r, y - r, x + r, y + r), fill=rgba(colour, c.rng.uniform(0.4, 1.0)))


def ridge(c: Canvas, base: float, amplitude: float, fill, *, peaks: int = 6, jagged: float = 0.5) -> None:
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


def skyline(
    c: Canvas,
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


def tree(d: Drawer, x: float, ground: float, s: float, fill, rng: random.Random, *, bare: bool = False) -> None:
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


def burst(c: Canvas, cx: float, cy: float, r: float, colours: Sequence[RGB], points: int = 14) -> None:
    """Explosion / comic burst: concentric jagged stars, outer to inner."""
    for i, colour in enumerate(colours):
        scale = 1 - i / (len(colours) + 0.6)
        c.draw.polygon(
            star_points(cx, cy, r * scale, r * scale * 0.55, points, c.rng, c.rng.uniform(0, 1)), fill=colour
        )


def rays(
    c: Canvas, cx: float, cy: float, count: int, colour, *, spread: float = 2 * math.pi, start: float = 0.0
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


def rain(c: Canvas, count: int, colour) -> None:
    for _ in range(count):
        x, y = c.rng.uniform(-0.1 * c.w, c.w), c.rng.uniform(-0.1 * c.h, c.h)
        length = c.u * c.rng.uniform(0.04, 0.1)
        c.draw.line([(x, y), (x + length * 0.25, y + length)], fill=colour, width=max(1, round(c.u * 0.003)))


def lit_disc(c: Canvas, cx: float, cy: float, r: float, dark: RGB, lit: RGB, *, light: float = 0.3) -> None:
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
    paste_colour(c.img, lit, mask, box[:2])


def crescent(c: Canvas, cx: float, cy: float, r: float, colour: RGB, shadow: RGB) -> None:
    c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    c.draw.ellipse((cx - r * 0.55, cy - r * 1.1, cx + r * 1.35, cy + r * 0.8), fill=shadow)
