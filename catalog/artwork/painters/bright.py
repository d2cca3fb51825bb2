"""Bright themes: animation, family, comedy, music and romance artwork."""

from __future__ import annotations

import math

import numpy as np

from catalog.artwork.canvas import Canvas, Drawer, background, glow, halftone, soft
from catalog.artwork.colour import mix, rgba
from catalog.artwork.shapes import burst, bust, heart, person, profile, rain, rays, sparkle, star_points, stars
from catalog.artwork.style import Style, make_style


def _paint_animation(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=60)
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
        sparkle(
            c.draw,
            c.w * c.rng.uniform(0, 1),
            c.h * c.rng.uniform(0, 0.7),
            c.u * c.rng.uniform(0.02, 0.05),
            (255, 255, 255, 220),
        )


def _paint_children(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (1, p["sky1"])])
    cx, cy, r = c.w * 0.5, c.h * 0.95, c.u * 0.95
    band = c.u * 0.055
    for i, key in enumerate(("r", "o", "y", "g", "b", "v")):  # arcs, not discs: only the ring is filled
        rr = r - i * band
        c.draw.arc((cx - rr, cy - rr, cx + rr, cy + rr), 180, 360, fill=p[key], width=math.ceil(band) + 1)
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


def _paint_comedy(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.5, 0.4))
    rays(c, c.w * 0.5, c.h * 0.42, 28, rgba(p["ray"], 0.35), start=c.rng.uniform(0, 1))
    halftone(c, p["dot"], step=0.12, gradient="none", max_r=0.16, opacity=0.55)
    confetti = [p["c1"], p["c2"], p["c3"], p["c4"]]
    for i in range(40):
        x, y = c.w * c.rng.uniform(0, 1), c.h * c.rng.uniform(0, 0.55)
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


def _paint_funny(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=30)
    halftone(c, p["dot"], step=0.045, max_r=0.5)
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
    burst(c, c.w * 0.1, c.h * 0.12, c.u * 0.2, [p["accent2"]], points=10)


def _paint_musical(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])])
    stage = c.h * 0.8
    c.draw.rectangle((0, stage, c.w, c.h), fill=p["stage"])
    cx = c.w * (0.5 + c.jitter(0.05))
    c.draw.polygon(
        [(cx - c.u * 0.08, 0), (cx + c.u * 0.08, 0), (cx + c.u * 0.45, stage), (cx - c.u * 0.45, stage)],
        fill=rgba(p["spot"], 0.35),
    )
    c.draw.ellipse(
        (cx - c.u * 0.45, stage - c.u * 0.05, cx + c.u * 0.45, stage + c.u * 0.05), fill=rgba(p["spot"], 0.55)
    )
    person(c.draw, cx, stage, c.h * 0.42, p["ink"], arm_up=True, stride=0.06)
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
        c.draw.polygon(star_points(x, y, c.u * 0.03, c.u * 0.012, 5), fill=p["gold"])


def _paint_music(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], glows=[(0.75, 0.4, 0.45, p["neon1"], 0.35)])
    vx, vy, r = c.w * (0.76 + c.jitter(0.03)), c.h * 0.4, c.u * 0.36
    glow(c, vx, vy, r * 1.15, p["neon1"], 0.55)
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
        col = mix(p["neon1"], p["neon2"], i / (bars - 1))
        c.draw.rectangle(
            (i * width + width * 0.15, base - height, (i + 1) * width - width * 0.15, base), fill=rgba(col, 0.9)
        )
    wave = [
        (x, c.h * 0.2 + math.sin(x / c.w * 18) * c.h * 0.05 * math.sin(x / c.w * 3.1))
        for x in np.arange(0, c.w * 0.55, 3)
    ]
    c.draw.line(wave, fill=p["neon2"], width=max(1, round(c.u * 0.006)))


def _paint_romance(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (0.6, p["bg1"]), (1, p["bg2"])], angle=110, glows=[(0.7, 0.45, 0.5, p["glow"], 0.7)])

    def bokeh(d: Drawer, k: float) -> None:
        for _ in range(14):
            x, y, r = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h), c.u * c.rng.uniform(0.03, 0.1)
            d.ellipse(((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k), fill=c.rng.randint(90, 200))

    soft(c, (255, 240, 245), bokeh, blur=c.u * 0.012)
    cx, s = c.w * (0.7 + c.jitter(0.02)), c.h * 0.62
    top = c.h * 0.26
    profile(c.draw, cx - s * 0.42, top, s, p["ink"], facing=1)
    profile(c.draw, cx + s * 0.42, top + s * 0.06, s * 0.93, p["ink"], facing=-1)
    for _ in range(4):
        x, y = c.w * c.rng.uniform(0.5, 0.95), c.h * c.rng.uniform(0.05, 0.25)
        heart(c.draw, x, y, c.u * c.rng.uniform(0.025, 0.05), rgba((255, 255, 255), 0.85))


def _paint_coming_of_age(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (0.55, p["sky1"]), (0.8, p["sky2"])])
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
        bust(c.draw, fx, roof - c.h * 0.02 * i, c.h * s * 0.8, p["ink"], hair=0.4 * i)


def _paint_emotional(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["sky0"]), (0.6, p["sky1"]), (1, p["horizon"])])

    def lights(d: Drawer, k: float) -> None:
        for _ in range(16):
            x, y, r = c.rng.uniform(0, c.w), c.rng.uniform(0.45, 0.85) * c.h, c.u * c.rng.uniform(0.02, 0.06)
            d.ellipse(((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k), fill=c.rng.randint(100, 220))

    soft(c, p["lights"], lights, blur=c.u * 0.02)
    rain(c, 110, rgba((235, 240, 255), 0.35))
    ground = c.h * 0.9
    c.draw.rectangle((0, ground, c.w, c.h), fill=p["ground"])
    x, s = c.w * (0.7 + c.jitter(0.04)), c.h * 0.5
    person(c.draw, x, ground, s, p["ink"])
    ux, uy, ur = x + s * 0.05, ground - s * 1.0, s * 0.32  # umbrella
    c.draw.chord((ux - ur, uy - ur * 0.7, ux + ur, uy + ur * 0.7), 180, 360, fill=p["umbrella"])
    c.draw.line([(ux, uy), (ux, uy + s * 0.45)], fill=p["ink"], width=max(1, round(s * 0.02)))
    c.draw.rectangle((x - s * 0.2, ground, x + s * 0.2, ground + c.h * 0.04), fill=rgba(p["ink"], 0.35))


# Other compositions (Style.alternates): the same palette and mood, another picture ------------


def _paint_romance_promenade(c: Canvas) -> None:
    """A couple hand in hand on a riverside promenade at dusk, a low sun behind them."""
    p = c.pal
    horizon = c.h * (0.62 + c.jitter(0.03))
    background(c, [(0, p["bg1"]), (0.55, p["glow"]), (1, p["bg0"])], glows=[(0.72, 0.6, 0.4, p["glow"], 0.8)])
    sx, r = c.w * (0.72 + c.jitter(0.04)), c.u * c.rng.uniform(0.16, 0.22)
    c.draw.ellipse((sx - r, horizon - r, sx + r, horizon + r), fill=mix(p["glow"], (255, 255, 255), 0.4))
    c.draw.rectangle((0, horizon, c.w, c.h), fill=p["bg2"])
    for i in range(6):  # the sun's path on the water
        y = horizon + (c.h - horizon) * (i + 0.5) / 7
        half = r * (1.1 - i * 0.12)
        c.draw.rectangle((sx - half, y, sx + half, y + max(1.0, c.u * 0.01)), fill=rgba(p["glow"], 0.55))
    rail = c.h * 0.86
    c.draw.rectangle((0, rail, c.w, c.h), fill=p["ink"])
    c.draw.rectangle((0, rail - c.u * 0.09, c.w, rail - c.u * 0.08), fill=p["ink"])
    for x in np.arange(c.u * 0.02, c.w, c.u * 0.05):
        c.draw.rectangle((x, rail - c.u * 0.085, x + max(1.0, c.u * 0.008), rail), fill=p["ink"])
    x, s = c.w * (0.68 + c.jitter(0.04)), c.h * c.rng.uniform(0.5, 0.6)
    person(c.draw, x - s * 0.12, rail, s, p["ink"])
    person(c.draw, x + s * 0.12, rail, s * 0.93, p["ink"])
    c.draw.line(
        [(x - s * 0.02, rail - s * 0.43), (x + s * 0.02, rail - s * 0.43)], fill=p["ink"], width=max(1, round(s * 0.05))
    )
    for _ in range(c.rng.randint(1, 3)):
        heart(
            c.draw,
            x + c.u * c.rng.uniform(-0.2, 0.2),
            c.h * c.rng.uniform(0.1, 0.3),
            c.u * 0.03,
            rgba((255, 255, 255), 0.8),
        )


def _paint_romance_heart_moon(c: Canvas) -> None:
    """Two small figures on a hilltop under a heart-shaped glow in an evening sky."""
    p = c.pal
    background(c, [(0, p["bg2"]), (0.7, p["bg1"]), (1, p["bg0"])], angle=95)
    stars(c, 40, (255, 240, 245), max_y=0.55, max_r=0.005)
    hx, hy, r = c.w * (0.7 + c.jitter(0.04)), c.h * (0.34 + c.jitter(0.04)), c.u * c.rng.uniform(0.22, 0.28)
    glow(c, hx, hy, r * 1.9, p["glow"], 0.6)
    heart(c.draw, hx, hy, r, p["glow"])
    hill = c.h * 0.8
    c.draw.ellipse((c.w * 0.35, hill, c.w * 1.25, hill + c.h * 0.6), fill=p["ink"])
    c.draw.rectangle((0, c.h * 0.93, c.w, c.h), fill=p["ink"])
    x = hx + c.jitter(c.u * 0.05)
    for side, k in ((-1, 1.0), (1, 0.92)):
        bust(c.draw, x + side * c.u * 0.045, hill + c.h * 0.015, c.h * 0.16 * k, p["ink"], hair=0.45 if side < 0 else 0)


def _paint_comedy_stage(c: Canvas) -> None:
    """Stand-up night: a comic with the microphone in a spotlight on a brick wall."""
    p = c.pal
    background(c, [(0, p["bg1"]), (1, p["dot"])], angle=90)
    brick_h = c.u * 0.07
    for row, y in enumerate(np.arange(0, c.h * 0.82, brick_h)):
        offset = brick_h if row % 2 else 0
        for x in np.arange(-offset, c.w, brick_h * 2):
            c.draw.rectangle((x + 2, y + 2, x + brick_h * 2 - 2, y + brick_h - 2), fill=rgba(p["bg0"], 0.45))
    cx = c.w * (0.5 + c.jitter(0.08))
    glow(c, cx, c.h * 0.45, c.u * 0.55, p["ray"], 0.9)
    c.draw.rectangle((0, c.h * 0.82, c.w, c.h), fill=p["c2"])
    person(c.draw, cx, c.h * 0.83, c.h * 0.55, p["c2"], arm_up=True, stride=0.05)
    mic_x = cx + c.h * 0.2
    c.draw.line([(mic_x, c.h * 0.83), (mic_x, c.h * 0.42)], fill=p["c2"], width=max(1, round(c.u * 0.012)))
    for _ in range(14):
        x, y, s = c.w * c.rng.uniform(0, 1), c.h * c.rng.uniform(0, 0.5), c.u * c.rng.uniform(0.012, 0.025)
        c.draw.rectangle((x, y, x + s, y + s * 2), fill=c.rng.choice((p["c1"], p["c3"], p["c4"])))


def _paint_comedy_grin(c: Canvas) -> None:
    """A giant grin on a sunburst, confetti flying: the comedy poster at its silliest."""
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.5, 0.45))
    cx, cy = c.w * (0.5 + c.jitter(0.12)), c.h * (0.42 + c.jitter(0.04))
    rays(c, cx, cy, 36, rgba(p["ray"], 0.5), start=c.rng.uniform(0, 1))
    r = c.u * c.rng.uniform(0.3, 0.36)
    c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=p["c1"])
    c.draw.ellipse((cx - r * 0.92, cy - r * 0.92, cx + r * 0.92, cy + r * 0.92), fill=p["bg0"])
    for side in (-1, 1):  # eyes squeezed shut with laughter
        ex = cx + side * r * 0.35
        c.draw.arc(
            (ex - r * 0.16, cy - r * 0.42, ex + r * 0.16, cy - r * 0.1),
            200,
            340,
            fill=p["c2"],
            width=max(1, round(r * 0.08)),
        )
    c.draw.chord((cx - r * 0.6, cy - r * 0.25, cx + r * 0.6, cy + r * 0.7), 0, 180, fill=p["c2"])
    c.draw.chord((cx - r * 0.35, cy + r * 0.25, cx + r * 0.35, cy + r * 0.66), 0, 180, fill=p["c3"])
    for i in range(30):
        x, y = c.w * c.rng.uniform(0, 1), c.h * c.rng.uniform(0, 0.6)
        s = c.u * c.rng.uniform(0.01, 0.022)
        c.draw.ellipse((x - s, y - s, x + s, y + s), fill=(p["c1"], p["c2"], p["c3"], p["c4"])[i % 4])


STYLES: dict[str, Style] = {
    "animation": make_style(
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
    "children": make_style(
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
        scrim_colour="#1d3557",
    ),
    "comedy": make_style(
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
        alternates=(_paint_comedy_stage, _paint_comedy_grin),
        role="rounded-bold",
        fill="#1b1b3a",
        stroke="#ffffff",
        year="#c1121f",
        anchor="bottom-center",
        width=0.86,
        scrim=0.45,
        scrim_colour="#fff8d0",
    ),
    "funny": make_style(
        _paint_funny,
        {
            "bg0": "#00b4c6",
            "bg1": "#64e3ea",
            "dot": "#ffffff",
            "ink": "#111111",
            "accent": "#ff2d87",
            "accent2": "#ffe14d",
        },
        role="rounded-bold",
        fill="#ffffff",
        stroke="#111111",
        year="#fff35c",
        scrim=0.35,
    ),
    "musical": make_style(
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
    "music": make_style(
        _paint_music,
        {"bg0": "#07060d", "bg1": "#1a0b24", "neon1": "#ff2bd6", "neon2": "#2bf0ff"},
        role="sans-wide",
        fill="#ffffff",
        stroke="#120016",
        year="#2bf0ff",
        scale=0.95,
    ),
    "romance": make_style(
        _paint_romance,
        {"bg0": "#ffb3c1", "bg1": "#f27a93", "bg2": "#a8324f", "glow": "#ffd6cc", "ink": "#4a0f2a"},
        alternates=(_paint_romance_promenade, _paint_romance_heart_moon),
        role="serif-italic",
        fill="#ffffff",
        stroke="#5a0f2e",
        year="#ffe3ea",
        scale=1.05,
    ),
    "coming of age": make_style(
        _paint_coming_of_age,
        {"sky0": "#7fc8c6", "sky1": "#ffc7a1", "sky2": "#ff8f7a", "sun": "#fff0c9", "ink": "#3a2340"},
        role="sans-wide",
        fill="#fff7ea",
        stroke="#3a2340",
        year="#ffd6a8",
    ),
    "emotional": make_style(
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
}
