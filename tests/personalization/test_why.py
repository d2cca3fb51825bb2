"""The "why" lines testers read: made from the numbers that decided the page (no database)."""

from __future__ import annotations

import math

import pytest

from catalog.themes import ALL_THEMES
from personalization.context import Context
from personalization.why import Priority, artwork_why, row_why, times

NIGHT_PHONE = Context(hour=1, daypart="night", device="mobile")


def taste(**lifts: float) -> list[float]:
    return [lifts.get(theme.replace(" ", "_").replace("-", "_"), 0.0) for theme in ALL_THEMES]


@pytest.mark.parametrize("lift", [0.0, 0.5, 1.0, 1.6, -1.32, 3.56])
def test_times_is_two_to_the_lift(lift):
    assert float(times(lift).rstrip("×")) == pytest.approx(2 ** abs(lift), rel=0.05)


def test_artwork_why_reads_the_viewers_lift_for_the_chosen_theme_and_the_propensity():
    line = artwork_why(theme="romance", taste=taste(romance=math.log2(3.1)), propensity=0.72, policy="thompson")
    assert line == "Romance artwork: you like romance 3.1× more than average · 72% likely for you"
    # The same card shown with another theme says that theme's number, not the viewer's favourite.
    other = artwork_why(theme="horror", taste=taste(romance=2.0, horror=-1.0), propensity=0.1, policy="thompson")
    assert "you like horror 2.0× less than average" in other and "10% likely" in other


def test_artwork_why_says_when_no_taste_decided_it():
    assert "control group" in artwork_why(theme="drama", taste=taste(drama=3.0), propensity=0.25, policy="uniform")
    assert "editor's default" in artwork_why(theme="drama", taste=taste(), propensity=1.0, policy="editorial")
    assert "being tried out" in artwork_why(
        theme="drama", taste=taste(drama=3.0), propensity=0.3, policy="thompson", exploring=True
    )
    neutral = artwork_why(theme="drama", taste=taste(), propensity=0.5, policy="thompson", context=NIGHT_PHONE)
    assert neutral == "Drama artwork: the bandit's pick for late nights on your phone · 50% likely for you"
    assert artwork_why(theme="", taste=taste(), propensity=1.0, policy="thompson").startswith("A default card")


def test_row_why_names_the_largest_part_of_the_priority():
    what = "Horror titles, in your order"
    by_taste = Priority(base=0.35, daypart=0.2, taste=0.3, lift=1.5)
    assert row_why(
        kind="genre", what=what, genre="Horror", priority=by_taste, context=NIGHT_PHONE, favourite=False
    ) == (f"{what} · up here: you like horror 2.8× more than average")
    by_night = Priority(base=0.35, daypart=0.2, taste=0.02, lift=0.1)
    assert row_why(
        kind="genre", what=what, genre="Horror", priority=by_night, context=NIGHT_PHONE, favourite=False
    ) == (f"{what} · up tonight: late nights favour horror")
    by_phone = Priority(base=0.9, device=0.3)
    assert row_why(
        kind="continue", what="titles you started", genre="", priority=by_phone, context=NIGHT_PHONE, favourite=False
    ) == ("titles you started · up on your phone: pick up where you left off")
    disliked = Priority(base=0.35, taste=-0.2, lift=-1.0)
    assert "lower down: you like horror 2.0× less" in row_why(
        kind="genre", what=what, genre="Horror", priority=disliked, context=NIGHT_PHONE, favourite=False
    )
    assert row_why(
        kind="new", what="the newest", genre="", priority=Priority(0.6), context=NIGHT_PHONE, favourite=False
    ) == ("the newest")
    assert Priority(base=0.35, device=0.1, daypart=0.2, taste=0.3).total == pytest.approx(0.95)
