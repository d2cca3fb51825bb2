"""Small inline SVG line charts for the staff pages (no JavaScript, no chart library). Pure."""

from __future__ import annotations

import numpy as np

MAX_DOTS = 30


def svg_lines(series: dict[str, list[float | None]], *, width: int = 640, height: int = 220) -> dict:
    """Polyline points for a small inline SVG chart (no JavaScript, no chart library)."""
    values = [v for points in series.values() for v in points if v is not None]
    top = max(values, default=0.0) * 1.1 or 1.0
    count = max((len(points) for points in series.values()), default=0)
    step = width / max(count - 1, 1)
    lines = {}
    for name, points in series.items():
        coordinates = [
            (round(i * step, 1), round(height - (v / top) * height, 1)) for i, v in enumerate(points) if v is not None
        ]
        lines[name] = {
            "points": " ".join(f"{x},{y}" for x, y in coordinates),
            # A line needs two points: sparse series (a fresh demo's first hour) get a dot per value.
            "dots": coordinates if len(coordinates) <= MAX_DOTS else [],
        }
    digits = 2 if top / 1.1 < 0.05 else 1  # small rates (a fresh demo's 0.3%) need the second decimal
    ticks = [(height - (t / top) * height, f"{t:.{digits}%}") for t in np.linspace(0, top / 1.1, 4)]
    return {"width": width, "height": height, "lines": lines, "ticks": ticks}
