"""Why a row is where it is and why a card shows its artwork, in words. Pure.

Testers read these lines on cards and in the details modal. They are made from the numbers that
decided the page, never written separately: the row priority's parts (`rows._priority`), the viewer's
taste lift per genre and per artwork theme (`personal.viewer_tastes`), and the chosen variant's theme
and propensity (the artwork policy's own probability of showing it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.themes import THEME_INDEX
from personalization.context import Context

NOTABLE_LIFT = 0.2  # log2 lift: below ~1.15x either way, a taste is not worth mentioning
NOTABLE_PART = 0.01  # priority units: a context boost smaller than this moved nothing

_DAYPARTS = {"morning": "mornings", "afternoon": "afternoons", "evening": "evenings", "night": "late nights"}
_THIS = {"morning": "this morning", "afternoon": "this afternoon", "evening": "this evening", "night": "tonight"}
_DEVICES = {"mobile": "on your phone", "tablet": "on your tablet", "tv": "on your TV", "desktop": "on your computer"}
# What a context boost of a row kind stands for (rows.DEVICE_BOOST, DAYPART_BOOST).
_KIND_CONTEXT = {
    "continue": "pick up where you left off",
    "new": "something new",
    "trending": "what everyone watches",
    "top_picks": "your best matches",
}


@dataclass(frozen=True)
class Priority:
    """A row's priority as the sum of its parts, in the planner's units."""

    base: float  # the row kind's own weight
    device: float = 0.0  # the device's boost for the kind
    daypart: float = 0.0  # the time of day's boost for the kind (and the genre)
    taste: float = 0.0  # the viewer's genre taste, capped and weighted
    lift: float = 0.0  # the viewer's log2 lift for the row's genre, which `taste` is made from

    @property
    def total(self) -> float:
        return self.base + self.device + self.daypart + self.taste


def times(lift: float) -> str:
    """A log2 lift as how many times more (or less) than average: 1.6 -> '3.0×'."""
    ratio = 2.0 ** abs(lift)
    return f"{ratio:.1f}×" if ratio < 10 else f"{ratio:.0f}×"


def _name(genre_or_theme: str) -> str:
    return genre_or_theme.lower().replace("film-noir", "film noir")


def row_why(*, kind: str, what: str, genre: str, priority: Priority, context: Context, favourite: bool) -> str:
    """What the row is, and what put it where it is: 'Romance titles, in your order · up here: you like
    romance 3.1× more than average'."""
    if favourite:
        liked = f"you like {_name(genre)} {times(priority.lift)} more than average"
        return f"{what} · one of your two favourite genres ({liked}): always near the top"
    parts = {"device": priority.device, "daypart": priority.daypart, "taste": priority.taste}
    driver = max(parts, key=lambda part: abs(parts[part]))
    size = parts[driver]
    if abs(size) < NOTABLE_PART:
        return what
    if driver == "taste":
        if priority.lift >= NOTABLE_LIFT:
            return f"{what} · up here: you like {_name(genre)} {times(priority.lift)} more than average"
        if priority.lift <= -NOTABLE_LIFT:
            return f"{what} · lower down: you like {_name(genre)} {times(priority.lift)} less than average"
        return what
    if size < 0:
        return what
    if driver == "daypart":
        favours = _name(genre) if genre else _KIND_CONTEXT.get(kind, "this row")
        return f"{what} · up {_THIS[context.daypart]}: {_DAYPARTS[context.daypart]} favour {favours}"
    return f"{what} · up {_DEVICES[context.device]}: {_KIND_CONTEXT.get(kind, 'it suits the screen')}"


def artwork_why(
    *,
    theme: str,
    taste: Sequence[float],
    propensity: float,
    policy: str,
    exploring: bool = False,
    context: Context | None = None,
) -> str:
    """Why this card shows this artwork: 'Romance artwork: you like romance 3.1× more than average · 72%
    likely for you'. `taste` is the viewer's log2 lift per theme (catalog.themes.ALL_THEMES order), as
    the bandit read it; `propensity` the policy's probability of having shown this variant."""
    column = THEME_INDEX.get(theme)
    lift = float(taste[column]) if column is not None and column < len(taste) else 0.0
    if not theme:
        return "A default card: none of this title's artwork is in service"
    label = f"{theme[:1].upper()}{theme[1:]} artwork"
    odds = f" · {propensity:.0%} likely for you" if policy == "thompson" else ""
    if policy == "uniform":
        return f"{label}: picked at random (this page view is in the control group)"
    if policy == "editorial":
        return f"{label}: the editor's default"
    if exploring:
        return f"{label}: new, being tried out{odds}"
    if lift >= NOTABLE_LIFT:
        return f"{label}: you like {_name(theme)} {times(lift)} more than average{odds}"
    if lift <= -NOTABLE_LIFT:
        return f"{label}: still being tested on you (you like {_name(theme)} {times(lift)} less than average){odds}"
    when = f" for {_DAYPARTS[context.daypart]} {_DEVICES[context.device]}" if context else ""
    return f"{label}: the bandit's pick{when}{odds}"
