"""Stories of people: drama, documentary, literary and composition-led artwork."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from catalog.artwork.canvas import Canvas, background, glow, grain, halftone, paste_colour, vignette
from catalog.artwork.colour import mix, rgba
from catalog.artwork.shapes import bust, person, profile, rays, ridge, tree
from catalog.artwork.style import Style, make_style


def _paint_documentary(c: Canvas) -> None:
    p = c.pal
    strip = c.h * 0.11
    background(c, [(0, p["sky0"]), (0.6, p["sky1"]), (1, p["ground"])])
    sx, sy, r = c.w * (0.66 + c.jitter(0.05)), c.h * 0.42, c.u * 0.09
    c.draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=p["sun"])
    ridge(c, 0.62, 0.12, p["hill"], peaks=3, jagged=0.3)
    for i in range(3):
        x = c.w * (0.55 + i * 0.08 + c.jitter(0.02))
        tree(c.draw, x, c.h * 0.66, c.u * c.rng.uniform(0.18, 0.28), p["ink"], c.rng)
    grain(c, 0.10)
    c.img.paste(p["film"], (0, 0, c.w, round(strip)))
    c.img.paste(p["film"], (0, round(c.h - strip), c.w, c.h))
    hole_w, hole_h = strip * 0.55, strip * 0.42
    for x in np.arange(strip * 0.3, c.w, hole_w * 1.8):
        for y in (strip * 0.29, c.h - strip * 0.71):
            c.draw.rounded_rectangle((x, y, x + hole_w, y + hole_h), radius=hole_h * 0.25, fill=p["hole"])


def _paint_drama(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=20, glows=[(0.72, 0.3, 0.45, p["light"], 0.35)])
    wx, wy, ww, wh = c.w * (0.62 + c.jitter(0.03)), c.h * 0.12, c.u * 0.42, c.u * 0.5
    floor = c.h * 0.8
    c.draw.polygon(
        [(wx, wy + wh), (wx + ww, wy + wh), (wx + ww * 0.9, floor + c.h * 0.2), (wx - ww * 0.9, floor + c.h * 0.2)],
        fill=rgba(p["light"], 0.22),
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


def _paint_thought_provoking(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=60)
    x, y, s = c.w * (0.66 + c.jitter(0.03)), c.h * 0.12, c.h * 0.58
    profile(c.draw, x, y, s, p["head"], facing=1)
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


def _paint_based_on_a_book(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["paper0"]), (1, p["paper1"])], radial=(0.5, 0.45))
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
    vignette(c, 0.5, p["cover"])


def _paint_classic(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["light"]), (1, p["dark"])], radial=(0.5, 1.0))
    rays(c, c.w * 0.5, c.h * 1.05, 30, rgba(p["ray"], 0.3), spread=math.pi, start=math.pi)
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
    grain(c, 0.08)


def _paint_true_story(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["paper"]), (1, p["paper1"])], angle=80)
    m = c.u * 0.06
    c.draw.rectangle((m, m, c.w - m, m + c.u * 0.035), fill=p["ink"])
    c.draw.rectangle((m, m + c.u * 0.05, c.w - m, m + c.u * 0.056), fill=p["ink"])
    px0, py0, px1, py1 = c.w * 0.6, m + c.u * 0.1, c.w - m, c.h * 0.6
    col_x = [m, c.w * 0.2 + m * 0.5]
    for x0 in col_x:  # columns of "text" as grey bars
        for y in np.arange(m + c.u * 0.11, c.h * 0.5, c.u * 0.035):
            length = c.w * 0.22 * c.rng.uniform(0.7, 1.0)
            c.draw.rectangle((x0, y, x0 + length, y + c.u * 0.012), fill=p["column"])
    c.draw.rectangle((px0, py0, px1, py1), fill=p["photo"])
    photo = Canvas(Image.new("RGB", (round(px1 - px0), round(py1 - py0)), p["photo"]), c.rng, p)
    halftone(photo, p["photo_dot"], step=0.05, gradient="y", max_r=0.5)
    bust(photo.draw, photo.w * 0.5, photo.h * 1.02, photo.h * 0.8, p["ink"], hair=0.3)
    c.img.paste(photo.img, (round(px0), round(py0)))
    c.draw.rectangle((px0, py0, px1, py1), outline=p["ink"], width=max(1, round(c.u * 0.006)))
    grain(c, 0.06)


def _paint_ensemble_cast(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], glows=[(0.5, 0.55, 0.6, p["glow"], 0.8)])
    count = c.rng.choice((5, 6, 7))
    spacing = c.w / (count + 0.4)
    order = sorted(range(count), key=lambda i: abs(i - (count - 1) / 2), reverse=True)
    for i in order:  # outer figures first so the centre ones overlap them
        x = spacing * (i + 0.7) + c.jitter(spacing * 0.08)
        center_bias = 1 - abs(i - (count - 1) / 2) / count
        s = c.h * (0.5 + 0.25 * center_bias + c.jitter(0.04))
        hair = c.rng.choice((0.0, 0.0, 0.35, 0.5))
        bust(c.draw, x + c.u * 0.008, c.h * 1.02, s, p["rim"], hair=hair)
        bust(c.draw, x, c.h * 1.02, s, p["ink"], hair=hair)


def _paint_character_close_up(c: Canvas) -> None:
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=0, glows=[(0.85, 0.4, 0.5, p["rim"], 0.7)])
    x, y, s = c.w * (0.72 + c.jitter(0.03)), c.h * 0.08, c.h * 0.78
    profile(c.draw, x + s * 0.025, y - s * 0.01, s, p["rim"], facing=-1)
    profile(c.draw, x, y, s, p["ink"], facing=-1)
    eye_x, eye_y = x - s * 0.32, y + s * 0.43
    c.draw.line(
        [(eye_x - s * 0.05, eye_y), (eye_x + s * 0.03, eye_y + s * 0.01)],
        fill=rgba(p["rim"], 0.8),
        width=max(1, round(s * 0.012)),
    )


def _paint_iconic_scene(c: Canvas) -> None:
    p = c.pal
    horizon = c.h * 0.55
    background(c, [(0, p["sky0"]), (0.5, p["sky1"]), (0.55, p["sky2"])], glows=[(0.5, 0.55, 0.35, p["sun"], 0.8)])
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
    tree(c.draw, c.w * 0.12, horizon + c.h * 0.06, c.u * 0.5, p["ink"], c.rng)


# Other compositions (Style.alternates): the same palette and mood, another picture ------------


def _paint_drama_pier(c: Canvas) -> None:
    """A lone figure at the end of a jetty, looking out over still water at dusk."""
    p = c.pal
    horizon = c.h * (0.5 + c.jitter(0.04))
    background(c, [(0, p["bg0"]), (0.8, p["bg1"]), (1, p["light"])], glows=[(0.75, 0.5, 0.45, p["light"], 0.5)])
    c.draw.rectangle((0, horizon, c.w, c.h), fill=p["floor"])
    lx = c.w * (0.78 + c.jitter(0.05))
    for i in range(9):  # the last light on the water
        y = horizon + (c.h - horizon) * (i + 0.3) / 9
        half = c.u * (0.03 + 0.02 * i) * c.rng.uniform(0.6, 1.2)
        c.draw.rectangle((lx - half, y, lx + half, y + max(1.0, c.u * 0.008)), fill=rgba(p["light"], 0.5 - i * 0.04))
    deck = horizon + c.h * 0.12
    end_x = c.w * c.rng.uniform(0.55, 0.66)
    c.draw.polygon(
        [(c.w, deck - c.h * 0.01), (end_x, deck), (end_x, deck + c.h * 0.03), (c.w, deck + c.h * 0.06)], fill=p["ink"]
    )
    for x in np.linspace(end_x + c.w * 0.01, c.w, 6):
        c.draw.rectangle((x, deck, x + c.u * 0.012, deck + c.h * 0.12), fill=p["ink"])
    person(c.draw, end_x + c.w * 0.04, deck + 1, c.h * c.rng.uniform(0.26, 0.32), p["ink"])


def _paint_drama_doorway(c: Canvas) -> None:
    """A dark room and a tall lit doorway, someone standing in it, their shadow across the floor."""
    p = c.pal
    background(c, [(0, p["floor"]), (1, p["bg0"])], angle=0)
    floor = c.h * 0.78
    dx, dw = c.w * (0.68 + c.jitter(0.05)), c.u * c.rng.uniform(0.26, 0.32)
    top = c.h * 0.1
    c.draw.polygon(
        [(dx, floor), (dx + dw, floor), (dx + dw * 2.2, c.h), (dx - dw * 1.4, c.h)], fill=rgba(p["light"], 0.3)
    )
    c.draw.rectangle((dx, top, dx + dw, floor), fill=p["light"])
    c.draw.rectangle((dx - c.u * 0.02, top - c.u * 0.02, dx, floor), fill=p["frame"])
    c.draw.rectangle((0, floor, c.w, floor + max(1.0, c.u * 0.006)), fill=p["frame"])
    s = (floor - top) * c.rng.uniform(0.78, 0.9)
    person(c.draw, dx + dw * 0.5, floor, s, p["ink"])
    shadow = [(dx + dw * 0.35, floor), (dx + dw * 0.65, floor), (dx - dw * 0.6, c.h), (dx - dw * 1.2, c.h)]
    c.draw.polygon(shadow, fill=rgba(p["ink"], 0.7))


def _paint_ensemble_line_up(c: Canvas) -> None:
    """The whole cast standing in a line under stage lights."""
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], glows=[(0.5, 0.35, 0.5, p["glow"], 0.6)])
    for i in range(5):  # stage lights along the top
        x = c.w * (0.1 + i * 0.2)
        glow(c, x, c.h * 0.02, c.u * 0.12, p["rim"], 0.5)
    count = c.rng.choice((5, 6, 7, 8))
    floor = c.h * c.rng.uniform(0.9, 1.0)
    spacing = c.w * 0.9 / count
    for i in range(count):
        x = c.w * 0.05 + spacing * (i + 0.5) + c.jitter(spacing * 0.1)
        s = c.h * c.rng.uniform(0.58, 0.78)
        hat = c.rng.choice(("", "", "", "fedora", "cowboy"))
        person(c.draw, x + c.u * 0.006, floor, s, p["rim"], stride=c.rng.uniform(0, 0.08), hat=hat)
        person(c.draw, x, floor, s, p["ink"], stride=c.rng.uniform(0, 0.08), hat=hat)


def _paint_ensemble_portraits(c: Canvas) -> None:
    """A collage of the cast's portraits in round frames, above the title."""
    p = c.pal
    background(c, [(0, p["bg1"]), (1, p["bg0"])], angle=100)
    halftone(c, p["rim"], step=0.05, gradient="y", max_r=0.3, opacity=0.25)
    cols = c.rng.choice((4, 5))
    r = c.w / cols * 0.36
    for row in range(2):
        y = c.h * 0.22 + row * r * 1.75
        shift_x = (c.w / cols) * 0.5 * row
        for i in range(cols - row):
            x = c.w / cols * (i + 0.5) + shift_x
            c.draw.ellipse((x - r * 1.08, y - r * 1.08, x + r * 1.08, y + r * 1.08), fill=p["rim"])
            c.draw.ellipse((x - r, y - r, x + r, y + r), fill=mix(p["glow"], p["bg1"], c.rng.uniform(0.2, 0.7)))
            portrait = Image.new("L", (round(r * 2), round(r * 2)))
            draw = ImageDraw.Draw(portrait)
            bust(draw, r, r * 2.15, r * 1.75, 255, hair=c.rng.choice((0.0, 0.3, 0.5)))
            circle = Image.new("L", portrait.size)
            ImageDraw.Draw(circle).ellipse((0, 0, portrait.size[0] - 1, portrait.size[1] - 1), fill=255)
            paste_colour(c.img, p["ink"], ImageChops.multiply(portrait, circle), (round(x - r), round(y - r)))


def _paint_close_up_frontal(c: Canvas) -> None:
    """A face to camera, half in light: split background, the rim light tracing one side."""
    p = c.pal
    split = c.w * (0.66 + c.jitter(0.04))
    background(c, [(0, p["bg0"]), (1, p["bg1"])], angle=0)
    c.draw.polygon([(split, 0), (c.w, 0), (c.w, c.h), (split - c.w * 0.12, c.h)], fill=mix(p["rim"], p["bg1"], 0.55))
    halftone(c, p["rim"], step=0.04, gradient="x", max_r=0.35, opacity=0.35)
    x, s = c.w * (0.7 + c.jitter(0.03)), c.h * c.rng.uniform(0.95, 1.1)
    bust(c.draw, x + s * 0.02, c.h * 1.04, s, p["rim"], hair=c.rng.choice((0.0, 0.3)))
    bust(c.draw, x, c.h * 1.04, s, p["ink"], hair=c.rng.choice((0.0, 0.3)))


def _paint_close_up_moon(c: Canvas) -> None:
    """A head in profile against a huge pale disc: the poster's one iconic face."""
    p = c.pal
    background(c, [(0, p["bg0"]), (1, p["bg1"])], radial=(0.72, 0.45))
    cx, cy, r = c.w * (0.7 + c.jitter(0.03)), c.h * (0.45 + c.jitter(0.04)), c.u * c.rng.uniform(0.4, 0.46)
    glow(c, cx, cy, r * 1.5, p["rim"], 0.45)
    c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=mix(p["rim"], (255, 255, 255), 0.35))
    s = c.h * 0.7
    profile(c.draw, cx + s * 0.05, c.h - s * 1.15, s, p["ink"], facing=1)


STYLES: dict[str, Style] = {
    "documentary": make_style(
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
    "drama": make_style(
        _paint_drama,
        {
            "bg0": "#0c2230",
            "bg1": "#1d4b5c",
            "light": "#f3c98b",
            "frame": "#1a2a33",
            "floor": "#0a1a24",
            "ink": "#050d12",
        },
        alternates=(_paint_drama_pier, _paint_drama_doorway),
        role="serif-bold",
        fill="#f7efe2",
        stroke="#08141b",
        year="#f3c98b",
    ),
    "thought-provoking": make_style(
        _paint_thought_provoking,
        {"bg0": "#14161b", "bg1": "#262a33", "head": "#ece6d6", "ring": "#b8e62e"},
        role="sans-book",
        fill="#ece6d6",
        stroke="#0b0c0f",
        year="#b8e62e",
        tracking=0.01,
    ),
    "based on a book": make_style(
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
    "classic": make_style(
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
    "true story": make_style(
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
    "ensemble cast": make_style(
        _paint_ensemble_cast,
        {"bg0": "#2a0f1f", "bg1": "#b8613a", "glow": "#ffcf7a", "ink": "#12070c", "rim": "#ffd58a"},
        alternates=(_paint_ensemble_line_up, _paint_ensemble_portraits),
        role="sans-bold",
        fill="#ffffff",
        stroke="#05080a",
        year="#ffd29a",
        case="upper",
        anchor="bottom-center",
        width=0.86,
        tracking=0.04,
    ),
    "character close-up": make_style(
        _paint_character_close_up,
        {"bg0": "#06222e", "bg1": "#12505e", "rim": "#ff9b4a", "ink": "#03090c"},
        alternates=(_paint_close_up_frontal, _paint_close_up_moon),
        role="condensed-bold",
        fill="#ffffff",
        stroke="#02080b",
        year="#ff9b4a",
        case="upper",
        width=0.5,
        scale=1.15,
    ),
    "iconic scene": make_style(
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
