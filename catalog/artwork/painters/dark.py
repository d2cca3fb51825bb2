"""Dark themes: crime, noir, horror, mystery and suspense artwork."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from catalog.artwork.canvas import Canvas, Drawer, background, glow, grain, paste_colour, soft, vignette
from catalog.artwork.colour import rgba
from catalog.artwork.shapes import person, ridge, skyline, tree
from catalog.artwork.style import Style, make_style


def _paint_crime(c: Canvas) -> None:
    p = c.pal
    background(
        c,
        [(0, p["bg0"]), (1, p["bg1"])],
        glows=[(0.05, 0.0, 0.35, p["siren_r"], 0.55), (0.95, 0.0, 0.35, p["siren_b"], 0.55)],
    )
    skyline(c, 0.86, 0.5, p["ink"], windows=p["window"])
    mx = c.w * (0.78 + c.jitter(0.03))
    glow(c, mx, c.h * 0.6, c.u * 0.42, p["window"], 0.5)  # street lamp behind the man, so he reads
    person(c.draw, mx, c.h * 0.99, c.h * 0.62, (4, 6, 10), hat="fedora")
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


def _paint_film_noir(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["light"]), (1, p["dark"])], radial=(0.7, 0.3))
    # venetian-blind shadows: dark slats sloping across the lit wall
    slat, slope = c.h * 0.085, 0.35
    for i in range(-4, 16):
        y = i * slat * 1.6
        c.draw.polygon(
            [(0, y), (c.w, y - slope * c.w), (c.w, y - slope * c.w + slat), (0, y + slat)], fill=rgba(p["dark"], 0.78)
        )
    x, feet, s = c.w * (0.72 + c.jitter(0.03)), c.h * 1.05, c.h * 0.9
    person(c.draw, x, feet, s, p["ink"], hat="fedora")
    smoke = [
        (x + s * 0.12 + math.sin(t * 1.7) * s * 0.04, feet - s * 0.88 - t * s * 0.06) for t in np.linspace(0, 3.5, 14)
    ]
    c.draw.line(smoke, fill=(230, 230, 230, 120), width=max(1, round(s * 0.012)), joint="curve")
    grain(c, 0.12)


def _paint_horror(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["glow"]), (1, p["bg"])], radial=(0.62, 0.4))
    tx = c.w * (0.66 + c.jitter(0.04))
    mx, my, r = tx + c.u * 0.12, c.h * 0.36, c.u * 0.3
    glow(c, mx, my, r * 1.6, p["moon"], 0.45)
    c.draw.ellipse((mx - r, my - r, mx + r, my + r), fill=p["moon"])
    tree(c.draw, tx, c.h * 1.02, c.h * 0.8, p["ink"], c.rng, bare=True)
    ridge(c, 0.96, 0.05, p["ink"], peaks=3, jagged=0.3)
    x = 0.0
    while x < c.w:  # blood drips from the top edge
        width = c.u * c.rng.uniform(0.02, 0.05)
        length = c.h * c.rng.uniform(0.03, 0.2)
        c.draw.rectangle((x, 0, x + width, length), fill=p["blood"])
        c.draw.ellipse((x - width * 0.1, length - width * 0.6, x + width * 1.1, length + width * 0.6), fill=p["blood"])
        x += width * c.rng.uniform(1.0, 3.5)
    c.draw.rectangle((0, 0, c.w, c.h * 0.03), fill=p["blood"])
    vignette(c, 0.85)


def _paint_mystery(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=70)
    kx, ky, s = c.w * (0.72 + c.jitter(0.03)), c.h * 0.36, c.u * 0.5
    glow(c, kx, ky + s * 0.25, s * 0.9, p["light"], 0.45)
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
    person(c.draw, kx, ky + s * 0.98, s * 0.62, p["ink"], hat="fedora")

    def fog(d: Drawer, k: float) -> None:  # drifting bands, one soft layer
        for i in range(4):
            y = c.h * (0.55 + i * 0.12)
            d.ellipse((-c.w * 0.2 * k, (y - c.h * 0.05) * k, c.w * 1.2 * k, (y + c.h * 0.05) * k), fill=90)

    soft(c, p["fog"], fog, blur=c.h * 0.06)


def _paint_thriller(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=80, glows=[(0.7, 0.45, 0.4, p["light"], 0.35)])
    floor = c.h * 0.8
    c.draw.rectangle((0, floor, c.w, c.h), fill=p["floor"])
    for x, width in ((0.06, 0.05), (0.42, 0.035), (0.96, 0.07)):  # concrete pillars of an empty car park
        c.draw.rectangle((c.w * x, 0, c.w * (x + width), floor), fill=p["pillar"])
    cx, cy, r = c.w * (0.7 + c.jitter(0.03)), c.h * (0.47 + c.jitter(0.03)), c.u * 0.36
    person(c.draw, cx + c.u * 0.01, cy + r * 0.55, r * 1.05, p["ink"], stride=0.16)
    line = max(1, round(c.u * 0.008))
    for k, width in ((1.0, line), (0.55, max(1, line // 2))):  # scope reticle
        c.draw.ellipse((cx - r * k, cy - r * k, cx + r * k, cy + r * k), outline=p["accent"], width=width)
    gap = r * 0.12
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        c.draw.line(
            [(cx + dx * gap, cy + dy * gap), (cx + dx * r * 1.25, cy + dy * r * 1.25)], fill=p["accent"], width=line
        )
    for y in np.arange(0, c.h, max(3.0, c.u * 0.012)):  # surveillance-monitor scan lines
        c.draw.line([(0, y), (c.w, y)], fill=(0, 0, 0, 40), width=1)


def _paint_dark(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.7, 0.35))
    ox, oy = c.w * (0.7 + c.jitter(0.05)), c.h * (0.38 + c.jitter(0.05))
    glow(c, ox, oy, c.u * 0.35, p["light"], 0.4)
    for i in range(11):  # shattered-glass cracks radiating from one impact
        angle = i * 2 * math.pi / 11 + c.jitter(0.2)
        x, y = ox, oy
        pts = [(x, y)]
        for _ in range(6):
            step = c.u * c.rng.uniform(0.06, 0.16)
            angle += c.jitter(0.35)
            x, y = x + math.cos(angle) * step, y + math.sin(angle) * step
            pts.append((x, y))
        c.draw.line(pts, fill=rgba(p["crack"], 0.85), width=max(1, round(c.u * 0.004)))
    for r in (0.08, 0.16, 0.26):
        rr = c.u * r
        c.draw.ellipse(
            (ox - rr, oy - rr * 0.9, ox + rr, oy + rr * 0.9),
            outline=rgba(p["crack"], 0.35),
            width=max(1, round(c.u * 0.003)),
        )
    person(c.draw, ox + c.u * 0.25, c.h * 1.0, c.h * 0.3, p["ink"])
    vignette(c, 0.9)


def _paint_suspenseful(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.68, 0.45))
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
    person(c.draw, fx, fy + s, s, p["ink"], stride=0.15, arm_up=True)
    vignette(c, 0.6)


def _paint_twist_ending(c: Canvas) -> None:
    p = c.pal
    mid = c.h * (0.55 + c.jitter(0.03))
    background(c, [(0, p["top0"]), (1, p["top1"])])
    c.draw.rectangle((0, mid, c.w, c.h), fill=p["bottom"])
    x, s = c.w * (0.78 + c.jitter(0.04)), c.h * 0.4
    person(c.draw, x, mid, s, p["figure"])
    # the reflection: the same figure drawn into a mask just around it, flipped about the horizon
    left, top = round(x - s * 0.5), round(mid - s * 1.05)
    mirror = Image.new("L", (round(s), round(mid) - top))
    person(ImageDraw.Draw(mirror), x - left, mid - top, s, 255)
    paste_colour(c.img, p["reflection"], mirror.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (left, round(mid)))
    for i in range(1, 4):  # ripple rings where the figure meets its reflection
        rr = c.u * 0.1 * i
        c.draw.ellipse(
            (x - rr, mid - rr * 0.12, x + rr, mid + rr * 0.12),
            outline=rgba(p["figure"], 0.5 / i),
            width=max(1, round(c.u * 0.004)),
        )
    c.draw.line([(0, mid), (c.w, mid)], fill=p["figure"], width=max(1, round(c.u * 0.005)))


def _paint_atmospheric(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (1, p["sky1"])], glows=[(0.75, 0.25, 0.4, p["light"], 0.6)])
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
            fill=rgba(p["light"], 0.12),
        )
    layers = ("l1", "l2", "l3", "l4")
    for i, key in enumerate(layers):
        ridge(c, 0.5 + i * 0.13, 0.16, p[key], peaks=3 + i, jagged=0.6)
        if i < len(layers) - 1:
            y = c.h * (0.56 + i * 0.13)
            soft(
                c,
                p["fog"],
                lambda d, k, y=y: d.rectangle((0, (y - c.h * 0.03) * k, c.w * k, (y + c.h * 0.05) * k), fill=255),
                blur=c.h * 0.05,
                opacity=0.55,
            )
    tx = c.w * (0.72 + c.jitter(0.05))
    tree(c.draw, tx, c.h * 0.78, c.u * 0.22, p["l4"], c.rng)


# Other compositions (Style.alternates): the same palette and mood, another picture ------------


def _paint_thriller_corridor(c: Canvas) -> None:
    """Someone running down a long corridor towards a lit door, a red light blinking."""
    p = c.pal
    background(c, [(0, p["bg1"]), (1, p["floor"])], angle=90)
    vx, vy = c.w * (0.72 + c.jitter(0.04)), c.h * 0.45
    dw, dh = c.u * 0.1, c.u * 0.2
    c.draw.rectangle((vx - dw / 2, vy - dh / 2, vx + dw / 2, vy + dh / 2), fill=p["light"])
    glow(c, vx, vy, c.u * 0.35, p["light"], 0.35)
    for corner_x, corner_y in ((0, 0), (c.w, 0), (0, c.h), (c.w, c.h)):  # the corridor's edges
        ex = vx + (dw / 2 if corner_x else -dw / 2)
        ey = vy + (dh / 2 if corner_y else -dh / 2)
        c.draw.line([(corner_x, corner_y), (ex, ey)], fill=p["pillar"], width=max(1, round(c.u * 0.01)))
    for k in (0.25, 0.5, 0.72):  # ceiling lights in perspective
        x = vx + (c.w * 0.5 - vx) * k
        y = vy - dh / 2 - (vy - dh / 2) * k
        c.draw.rectangle((x - c.u * 0.06 * k, y, x + c.u * 0.06 * k, y + c.u * 0.012 * k + 1), fill=p["light"])
    s = c.h * c.rng.uniform(0.42, 0.52)
    x = vx + c.w * c.rng.uniform(-0.1, -0.02)
    person(c.draw, x, c.h * 0.92, s, p["ink"], stride=0.22)
    c.draw.polygon(
        [(x - s * 0.1, c.h * 0.92), (x + s * 0.1, c.h * 0.92), (x - s * 0.9, c.h), (x - s * 1.3, c.h)],
        fill=rgba(p["ink"], 0.5),
    )
    glow(c, c.w * 0.93, c.h * 0.08, c.u * 0.06, p["accent"], 0.9)


STYLES: dict[str, Style] = {
    "crime": make_style(
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
    "film-noir": make_style(
        _paint_film_noir,
        {"light": "#e2e2e2", "dark": "#111111", "ink": "#050505"},
        role="serif-condensed-italic",
        fill="#ffffff",
        stroke="#000000",
        year="#bdbdbd",
        case="upper",
    ),
    "horror": make_style(
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
    "mystery": make_style(
        _paint_mystery,
        {"bg0": "#0a2420", "bg1": "#174a3f", "light": "#e9f5c9", "fog": "#cfe3d6", "ink": "#041210"},
        role="serif-italic",
        fill="#e9f5c9",
        stroke="#041210",
        year="#a8d5ba",
    ),
    "thriller": make_style(
        _paint_thriller,
        {
            "bg0": "#8d9ba3",
            "bg1": "#3b474f",
            "light": "#e4edf2",
            "floor": "#262e33",
            "pillar": "#2e383e",
            "ink": "#0a0d0f",
            "accent": "#ff1f33",
        },
        alternates=(_paint_thriller_corridor,),
        role="condensed-bold",
        fill="#f2f6fa",
        stroke="#000000",
        year="#ff3b4a",
        case="upper",
        tracking=0.08,
        scale=1.1,
    ),
    "dark": make_style(
        _paint_dark,
        {"bg0": "#2a1845", "bg1": "#07040d", "light": "#6d4bb0", "crack": "#d8c8ff", "ink": "#030106"},
        role="serif-condensed",
        fill="#ddd3ee",
        stroke="#000000",
        year="#a48be0",
        case="upper",
    ),
    "suspenseful": make_style(
        _paint_suspenseful,
        {"bg0": "#1a1206", "bg1": "#050301", "red": "#e0a526", "ink": "#000000"},
        role="condensed-bold",
        fill="#ffffff",
        stroke="#000000",
        year="#ffc94d",
        case="upper",
        tracking=0.12,
        scale=1.1,
    ),
    "twist ending": make_style(
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
    "atmospheric": make_style(
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
}
