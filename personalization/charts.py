"""Small inline SVG line charts for the staff pages (no JavaScript, no chart library). Pure."""

from __future__ import annotations

import numpy as np

MAX_DOTS = 30


def svg_lines(series: dict[str, list[float | None]], *, width: int = 640, height: int = 220) -> dict:
    """Polyline points for a small inline SVG chart. The axis runs from 0 (or the lowest value, when
    one is negative, as a lift can be) to a tenth above the highest."""
    values = [v for points in series.values() for v in points if v is not None]
    low = min(0.0, min(values, default=0.0))
    high = max(values, default=0.0)
    top = low + (high - low) * 1.1 or 1.0
    span = top - low

    def y(value: float) -> float:
        return round(height - (value - low) / span * height, 1)

    count = max((len(points) for points in series.values()), default=0)
    step = width / max(count - 1, 1)
    lines = {}
    for name, points in series.items():
        coordinates = [(round(i * step, 1), y(v)) for i, v in enumerate(points) if v is not None]
        lines[name] = {
            "points": " ".join(f"{x},{y}" for x, y in coordinates),
            # A line needs two points: sparse series (a fresh demo's first hour) get a dot per value.
            "dots": coordinates if len(coordinates) <= MAX_DOTS else [],
        }
    digits = 2 if max(abs(low), abs(high)) < 0.05 else 1  # small rates (a fresh demo's 0.3%) need the second decimal
    ticks = [(y(t), f"{t:.{digits}%}") for t in np.linspace(low, low + (top - low) / 1.1, 4)]
    zero = y(0.0) if low < 0 else None
    return {"width": width, "height": height, "lines": lines, "ticks": ticks, "zero": zero}
