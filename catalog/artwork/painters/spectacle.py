"""Spectacle: action, adventure, war, western and superhero artwork."""

from __future__ import annotations

import math

import numpy as np

from catalog.artwork.canvas import Canvas, Drawer, background, glow, halftone, soft
from catalog.artwork.colour import mix, rgba
from catalog.artwork.shapes import burst, person, rays, ridge, skyline
from catalog.artwork.style import Style, make_style


def _paint_action(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.72, 0.45), glows=[(0.72, 0.45, 0.55, p["fire"], 0.9)])
    cx, cy = c.w * (0.72 + c.jitter(0.04)), c.h * (0.45 + c.jitter(0.05))
    glow(c, cx, cy, c.u * 0.55, p["fire"], 0.7)
    burst(c, cx, cy, c.u * 0.62, [p["fire"], p["hot"], p["core"]], points=13)
    for i in range(7):  # speed slashes, lower-left to upper-right
        x = c.w * (0.05 + i * 0.14 + c.jitter(0.03))
        y = c.h * (0.15 + c.rng.uniform(0, 0.7))
        length, thick = c.u * c.rng.uniform(0.35, 0.7), c.u * c.rng.uniform(0.006, 0.02)
        dx, dy = length * 0.87, -length * 0.5
        c.draw.polygon(
            [(x, y), (x + dx, y + dy), (x + dx + thick, y + dy + thick * 0.6), (x + thick, y + thick * 1.4)],
            fill=rgba(p["streak"], c.rng.uniform(0.35, 0.85)),
        )
    person(c.draw, cx - c.u * 0.05, c.h * 1.02, c.h * 0.78, p["ink"], stride=0.12)


def _paint_adventure(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (0.55, p["sky1"]), (1, p["bg1"])], glows=[(0.68, 0.42, 0.35, p["sun"], 0.8)])
    sx, sy = c.w * (0.68 + c.jitter(0.05)), c.h * 0.40
    c.draw.ellipse((sx - c.u * 0.12, sy - c.u * 0.12, sx + c.u * 0.12, sy + c.u * 0.12), fill=p["sun"])
    for i, key in enumerate(("far", "mid", "near")):
        ridge(c, 0.62 + i * 0.12, 0.26 - i * 0.05, p[key], peaks=4 + i, jagged=0.8)
    px, py = c.w * (0.70 + c.jitter(0.05)), c.h * 0.48
    c.draw.polygon([(px - c.u * 0.22, c.h * 0.75), (px, py), (px + c.u * 0.25, c.h * 0.75)], fill=p["near"])
    person(c.draw, px, py + 1, c.u * 0.16, p["ink"], arm_up=True)
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


def _paint_war(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (0.7, p["sky1"]), (1, p["glow"])], glows=[(0.6, 0.75, 0.5, p["glow"], 0.6)])

    def smoke(d: Drawer, k: float) -> None:
        for _ in range(9):
            x, y, r = c.rng.uniform(0.2, 1.0) * c.w, c.rng.uniform(0.15, 0.7) * c.h, c.u * c.rng.uniform(0.1, 0.22)
            d.ellipse(((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k), fill=c.rng.randint(120, 230))

    soft(c, p["smoke"], smoke, blur=c.u * 0.06, opacity=0.8)
    ground = c.h * 0.8
    ridge(c, 0.82, 0.06, p["ink"], peaks=3, jagged=0.3)
    for i in range(4):
        x = c.w * (0.55 + i * 0.11 + c.jitter(0.015))
        person(c.draw, x, ground + c.h * 0.02, c.h * c.rng.uniform(0.3, 0.36), p["ink"], stride=0.08, hat="helmet")
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


def _paint_western(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (0.5, p["sky1"]), (0.75, p["sky2"])])
    sx, sy, r = c.w * (0.62 + c.jitter(0.05)), c.h * 0.56, c.u * 0.3
    glow(c, sx, sy, r * 1.5, p["sun"], 0.5)
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
    for x, size in ((0.8, 0.6), (0.94, 0.36)):
        _saguaro(c.draw, c.w * (x + c.jitter(0.02)), c.h * 0.98, c.u * size, p["ink"])


def _saguaro(d: Drawer, cx: float, base: float, s: float, fill) -> None:
    """A saguaro cactus `s` tall: a trunk and two arms bending upwards."""
    trunk = s * 0.15
    d.rounded_rectangle((cx - trunk / 2, base - s, cx + trunk / 2, base), radius=trunk / 2, fill=fill)
    arm = trunk * 0.8
    for side, elbow, top in ((-1, 0.42, 0.72), (1, 0.55, 0.86)):
        ax = cx + side * trunk * 1.9
        y = base - s * elbow
        d.rounded_rectangle((min(ax, cx) - arm / 2, y - arm, max(ax, cx) + arm / 2, y), radius=arm / 2, fill=fill)
        d.rounded_rectangle((ax - arm / 2, base - s * top, ax + arm / 2, y), radius=arm / 2, fill=fill)


def _paint_superhero(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.7, 0.4))
    hx = c.w * (0.7 + c.jitter(0.03))
    rays(c, hx, c.h * 0.4, 36, rgba(p["ray"], 0.5), start=c.rng.uniform(0, 1))
    halftone(c, p["dot"], step=0.04, gradient="y", max_r=0.45, opacity=0.45)
    skyline(c, 0.9, 0.3, p["city"], windows=p["window"])
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
    person(c.draw, hx, roof, s, p["ink"], stride=0.1)
    c.draw.line(
        [(hx - s * 0.13, roof - s * 0.75), (hx - s * 0.22, roof - s * 0.5)],
        fill=p["ink"],
        width=max(1, round(s * 0.06)),
    )


# Other compositions (Style.alternates): the same palette and mood, another picture ------------


def _car(c: Canvas, x: float, ground: float, length: float, fill) -> None:
    """A low sports car in profile, nose to the left, `length` long, wheels on `ground`."""
    h = length * 0.26
    c.draw.rounded_rectangle((x, ground - h * 0.75, x + length, ground - h * 0.2), radius=h * 0.25, fill=fill)
    c.draw.polygon(
        [
            (x + length * 0.28, ground - h * 0.7),
            (x + length * 0.42, ground - h * 1.1),
            (x + length * 0.72, ground - h * 1.1),
            (x + length * 0.86, ground - h * 0.7),
        ],
        fill=fill,
    )
    for wx in (x + length * 0.2, x + length * 0.8):
        r = h * 0.3
        c.draw.ellipse((wx - r, ground - r * 2, wx + r, ground), fill=fill)


def _paint_action_chase(c: Canvas) -> None:
    """A car tearing along a highway at night, fire blooming behind it, speed lines everywhere."""
    p = c.pal
    ground = c.h * (0.8 + c.jitter(0.03))
    background(c, [(0, p["bg1"]), (1, p["bg0"])], glows=[(0.8, 0.55, 0.5, p["fire"], 0.9)])
    fx, fy = c.w * (0.82 + c.jitter(0.04)), ground - c.h * 0.2
    glow(c, fx, fy, c.u * 0.5, p["fire"], 0.8)
    burst(c, fx, fy, c.u * 0.4, [p["fire"], p["hot"], p["core"]], points=11)
    c.draw.rectangle((0, ground, c.w, c.h), fill=p["ink"])
    for _ in range(18):  # speed lines
        y = c.h * c.rng.uniform(0.25, 0.95)
        x0 = c.w * c.rng.uniform(0.0, 0.6)
        length = c.w * c.rng.uniform(0.1, 0.35)
        c.draw.line(
            [(x0, y), (x0 + length, y)],
            fill=rgba(p["streak"], c.rng.uniform(0.25, 0.7)),
            width=max(1, round(c.u * 0.006)),
        )
    length = c.u * c.rng.uniform(0.75, 0.95)
    _car(c, c.w * (0.52 + c.jitter(0.04)), ground, length, p["ink"])
    for i in range(3):  # dust kicked up behind
        r = c.u * (0.05 + 0.03 * i)
        x = c.w * 0.52 + length + r * (1.2 + i)
        c.draw.ellipse((x - r, ground - r * 1.4, x + r, ground), fill=rgba(p["streak"], 0.25))


def _paint_action_leap(c: Canvas) -> None:
    """A hero mid-leap between rooftops, the city burning below."""
    p = c.pal
    background(c, [(0, p["bg1"]), (0.7, p["bg0"]), (1, p["fire"])], angle=90)
    skyline(c, 1.0, 0.45, mix(p["bg0"], p["ink"], 0.5), windows=p["hot"])
    glow(c, c.w * 0.6, c.h, c.u * 0.7, p["fire"], 0.6)
    roof = c.h * (0.62 + c.jitter(0.04))
    gap_x = c.w * (0.62 + c.jitter(0.04))
    c.draw.rectangle((0, roof, gap_x - c.w * 0.12, c.h), fill=p["ink"])
    c.draw.rectangle((gap_x + c.w * 0.08, roof + c.h * 0.05, c.w, c.h), fill=p["ink"])
    person(c.draw, gap_x, roof - c.h * 0.08, c.h * 0.34, p["ink"], stride=0.28, arm_up=True)


STYLES: dict[str, Style] = {
    "action": make_style(
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
        alternates=(_paint_action_chase, _paint_action_leap),
        role="condensed-bold",
        fill="#ffffff",
        stroke="#000000",
        year="#ff9a3c",
        case="upper",
        scale=1.2,
    ),
    "adventure": make_style(
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
    "war": make_style(
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
    "western": make_style(
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
    "superhero": make_style(
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
}
