"""Contact sheet of generated artwork plus render timings.

Writes docs/artwork-samples.png (4 titles x 4 themes at card size, then one theme across the 4 titles, theme
labelled under each cell) so the README can show what the bandit chooses
between, and prints one JSON line of render timings per size, because the
whole catalogue (~30,000 cards) is rendered in the background and a slow
style would show up as a long backlog.

    PYTHONPATH=. python bench/artwork_samples.py [--out docs/artwork-samples.png] [--all-themes]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalog.artwork import font_for, render_artwork  # noqa: E402
from catalog.themes import ALL_THEMES, THEME_KIND, themes_for_title  # noqa: E402

CARD = (480, 270)
HERO = (1280, 720)

# (movieId, display title, year, genres, tags) as in ml-latest-small, baked in so the
# sheet can be rebuilt without the dataset.
SAMPLE_TITLES = (
    (1, "Toy Story", 1995, ["Adventure", "Animation", "Children", "Comedy", "Fantasy"], ["pixar", "fun"]),
    (
        750,
        "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb",
        1964,
        ["Comedy", "War"],
        ["black comedy", "dark comedy", "quirky", "satire", "atomic bomb"],
    ),
    (912, "Casablanca", 1942, ["Drama", "Romance"], ["start of a beautiful friendship"]),
    (2571, "The Matrix", 1999, ["Action", "Sci-Fi", "Thriller"], ["philosophy", "post apocalyptic", "martial arts"]),
)

BACKGROUND = (20, 20, 20)
MARGIN, GAP, LABEL_H, HEADER_H = 28, 16, 34, 64


def _sheet(rows: list[list[tuple[str, Image.Image]]], heading: str) -> Image.Image:
    """Lay cells out in rows with the theme (and its kind) written under each one."""
    cols = max(len(row) for row in rows)
    width = MARGIN * 2 + cols * CARD[0] + (cols - 1) * GAP
    height = HEADER_H + MARGIN + len(rows) * (CARD[1] + LABEL_H) + (len(rows) - 1) * GAP
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((MARGIN, 18), heading, font=font_for("sans-bold", 24), fill=(235, 235, 235))
    label_font, kind_font = font_for("sans-bold", 16), font_for("sans-book", 14)
    for r, row in enumerate(rows):
        y = HEADER_H + r * (CARD[1] + LABEL_H + GAP)
        for c, (theme, image) in enumerate(row):
            x = MARGIN + c * (CARD[0] + GAP)
            sheet.paste(image, (x, y))
            draw.text((x + 2, y + CARD[1] + 8), theme, font=label_font, fill=(240, 240, 240))
            kind = THEME_KIND.get(theme, "fallback")
            draw.text(
                (x + 8 + label_font.getlength(theme), y + CARD[1] + 10), kind, font=kind_font, fill=(140, 140, 140)
            )
    return sheet


def sample_rows(per_title: int = 4) -> list[list[tuple[str, Image.Image]]]:
    """Each sample title in the first `per_title` themes the catalogue would give it."""
    rows = []
    for movie_id, title, year, genres, tags in SAMPLE_TITLES:
        themes = themes_for_title(genres, tags, minimum=per_title)[:per_title]
        rows.append(
            [(theme, render_artwork(title=title, year=year, theme=theme, size=CARD, seed=movie_id)) for theme in themes]
        )
    return rows


VARIETY_THEMES = ("ensemble cast", "drama", "romance")  # the commonest themes, and the fan favourite


def variety_rows() -> list[list[tuple[str, Image.Image]]]:
    """One theme across the four sample titles: each title's artwork varies (composition, mirror,
    frame, palette), seeded by its id, so a row of one theme is not one picture with four captions."""
    return [
        [
            (theme, render_artwork(title=title, year=year, theme=theme, size=CARD, seed=movie_id))
            for movie_id, title, year, _, _ in SAMPLE_TITLES
        ]
        for theme in VARIETY_THEMES
    ]


def all_theme_rows(cols: int = 4) -> list[list[tuple[str, Image.Image]]]:
    """Every theme once, cycling through the sample titles (for reviewing styles)."""
    cells = []
    for i, theme in enumerate(ALL_THEMES):
        movie_id, title, year, _, _ = SAMPLE_TITLES[i % len(SAMPLE_TITLES)]
        cells.append((theme, render_artwork(title=title, year=year, theme=theme, size=CARD, seed=movie_id)))
    return [cells[i : i + cols] for i in range(0, len(cells), cols)]


def _time_renders(size: tuple[int, int], seeds: int, *, billboard: bool = False) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per render over every theme, after one warm-up render
    per theme (fonts and per-size noise layers are cached once per process). CPU time
    is reported too because on a shared 2-core box wall time mostly measures neighbours."""
    title, year = SAMPLE_TITLES[1][1], SAMPLE_TITLES[1][2]
    for theme in ALL_THEMES:
        render_artwork(title=title, year=year, theme=theme, size=size, seed=0, billboard=billboard)
    wall, cpu = [], []
    for theme in ALL_THEMES:
        for seed in range(1, seeds + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            render_artwork(title=title, year=year, theme=theme, size=size, seed=seed, billboard=billboard)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _summary(prefix: str, timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        f"{prefix}_ms_median": round(statistics.median(ordered), 2),
        f"{prefix}_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        f"{prefix}_ms_max": round(ordered[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "artwork-samples.png")
    parser.add_argument("--all-themes", action="store_true", help="one cell per theme instead of 4 titles x 4 themes")
    parser.add_argument("--seeds", type=int, default=5, help="timed renders per theme and size")
    args = parser.parse_args()

    if args.all_themes:
        sheet = _sheet(all_theme_rows(), f"Streamflix generated artwork: all {len(ALL_THEMES)} themes (480x270 cards)")
    else:
        sheet = _sheet(
            sample_rows() + variety_rows(),
            "Streamflix generated artwork: 4 titles x 4 themes, then one theme across the 4 titles (480x270 cards)",
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)

    (card, card_cpu) = _time_renders(CARD, args.seeds)
    (hero, hero_cpu) = _time_renders(HERO, max(1, args.seeds // 2), billboard=True)
    report = {
        **_summary("card", card),
        **_summary("hero", hero),
        **_summary("card_cpu", card_cpu),
        **_summary("hero_cpu", hero_cpu),
        "themes": len(ALL_THEMES),
        "renders": len(card) + len(hero),
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "sheet": str(args.out),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
