"""Speculative fiction: science fiction, space, time travel, fantasy and dystopia artwork."""

from __future__ import annotations

import math

from catalog.artwork.canvas import Canvas, background, glow, grain
from catalog.artwork.colour import rgba
from catalog.artwork.shapes import crescent, lit_disc, rain, ridge, skyline, sparkle, stars
from catalog.artwork.style import Style, make_style


def _paint_sci_fi(c: Canvas) -> None:
    p = c.pal
    horizon = c.h * 0.58
    background(
        c,
        [(0, p["bg0"]), (0.58, p["bg1"]), (0.6, p["floor"]), (1, p["bg0"])],
        glows=[(0.5, 0.58, 0.6, p["neon2"], 0.5)],
    )
    stars(c, 70, (220, 240, 255), max_y=0.55)
    px, py, r = c.w * (0.78 + c.jitter(0.04)), c.h * 0.26, c.u * 0.17
    c.draw.ellipse(
        (px - r * 2.1, py - r * 0.45, px + r * 2.1, py + r * 0.45), outline=p["neon"], width=max(1, round(r * 0.06))
    )
    lit_disc(c, px, py, r, p["planet"], p["planet_lit"])
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
        c.draw.line([vanish, (c.w * 0.5 + i * c.w * 0.14, c.h)], fill=rgba(p["neon"], 0.8), width=line)
    for i in range(1, 9):
        y = horizon + (c.h - horizon) * (i / 8) ** 1.8
        c.draw.line([(0, y), (c.w, y)], fill=rgba(p["neon"], 0.8), width=line)
    c.draw.line([(0, horizon), (c.w, horizon)], fill=p["neon2"], width=line * 2)


def _paint_space(c: Canvas) -> None:
    p = c.pal
    background(
        c,
        [(0, p["bg0"]), (1, p["bg1"])],
        angle=30,
        glows=[(0.3, 0.3, 0.45, p["neb1"], 0.5), (0.65, 0.6, 0.4, p["neb2"], 0.45)],
    )
    stars(c, 110, (255, 255, 255), max_r=0.005)
    for _ in range(3):
        x, y = c.w * c.rng.uniform(0.05, 0.6), c.h * c.rng.uniform(0.05, 0.5)
        sparkle(c.draw, x, y, c.u * 0.03, (255, 255, 255, 230))
    px, py, r = c.w * (0.82 + c.jitter(0.03)), c.h * (0.86 + c.jitter(0.03)), c.u * 0.55
    glow(c, px, py, r * 1.18, p["atmo"], 0.55)
    lit_disc(c, px, py, r, p["shade"], p["planet"], light=0.12)
    for i in range(1, 6):  # cloud bands, clipped to the disc's chord at each height
        y = py - r + i * r * 0.3
        half = math.sqrt(max(0.0, r * r - (y - py) ** 2)) * 0.96
        c.draw.line([(px - half, y), (px + half, y)], fill=rgba(p["band"], 0.45), width=max(1, round(r * 0.05)))
    mx, my, mr = c.w * 0.55, c.h * 0.28, c.u * 0.06
    c.draw.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=p["moon"])
    c.draw.ellipse((mx - mr * 0.6, my - mr, mx + mr * 1.2, my + mr * 0.8), fill=rgba(p["bg0"], 0.6))


def _paint_time_travel(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.7, 0.45), glows=[(0.7, 0.45, 0.35, p["glow"], 0.6)])
    cx, cy, r = c.w * (0.7 + c.jitter(0.02)), c.h * 0.45, c.u * 0.36
    for _ in range(40):  # light-speed streaks out of the clock
        a = c.rng.uniform(0, 2 * math.pi)
        r0, r1 = r * c.rng.uniform(1.1, 1.5), r * c.rng.uniform(1.8, 3.5)
        c.draw.line(
            [(cx + math.cos(a) * r0, cy + math.sin(a) * r0), (cx + math.cos(a) * r1, cy + math.sin(a) * r1)],
            fill=rgba(p["streak"], c.rng.uniform(0.3, 0.8)),
            width=max(1, round(c.u * 0.004)),
        )
    width = max(2, round(r * 0.06))
    for k, alpha in ((1.22, 0.35), (1.1, 0.6)):
        c.draw.ellipse(
            (cx - r * k, cy - r * k, cx + r * k, cy + r * k), outline=rgba(p["gold"], alpha), width=max(1, width // 2)
        )
    c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rgba(p["face"], 0.85), outline=p["gold"], width=width)
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


def _paint_fantasy(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (0.6, p["bg1"]), (1, p["horizon"])])
    stars(c, 40, (255, 255, 255), max_y=0.6)
    mx, my = c.w * (0.82 + c.jitter(0.03)), c.h * 0.22
    glow(c, mx, my, c.u * 0.28, p["moon"], 0.5)
    crescent(c, mx, my, c.u * 0.13, p["moon"], p["bg0"])
    ridge(c, 0.92, 0.18, p["hill"], peaks=3, jagged=0.4)
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
        sparkle(
            c.draw,
            c.w * c.rng.uniform(0.35, 1.0),
            c.h * c.rng.uniform(0.05, 0.7),
            c.u * c.rng.uniform(0.01, 0.025),
            rgba(p["moon"], 0.9),
        )


def _paint_dystopia(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (1, p["sky1"])], glows=[(0.65, 0.45, 0.4, p["sun"], 0.35)])
    sx, sy, r = c.w * (0.66 + c.jitter(0.04)), c.h * (0.4 + c.jitter(0.04)), c.u * 0.3
    c.draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=p["sun"])
    for i in range(6):  # smog lines across the sun
        y = sy - r + i * r * 0.38
        c.draw.rectangle((0, y, c.w, y + r * 0.06), fill=rgba(p["sky0"], 0.5))
    skyline(c, 0.95, 0.62, p["ink"], broken=True, windows=p["neon"])
    rain(c, 70, rgba(p["rain"], 0.3))
    grain(c, 0.07)


STYLES: dict[str, Style] = {
    "sci-fi": make_style(
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
    "space": make_style(
        _paint_space,
        {
            "bg0": "#04020c",
            "bg1": "#071426",
            "neb1": "#1f4fa8",
            "neb2": "#0f6f86",
            "planet": "#d0743c",
            "shade": "#6e3214",
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
    "time travel": make_style(
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
    "fantasy": make_style(
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
    "dystopia": make_style(
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
}
