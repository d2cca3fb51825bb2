"""The pure row planner on a hand-built catalogue snapshot (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.snapshot import CatalogSnapshot
from personalization.context import Context
from personalization.page import FIRST_SCREEN_ROWS
from personalization.rows import ViewerSignals, favourite_genres, keep_favourites_early, plan_page

GENRES = ("Action", "Comedy", "Drama", "Horror", "Mystery", "Romance", "Sci-Fi", "Thriller")
PER_GENRE = 60


def snapshot(*, mystery_copies_thriller: bool = False) -> CatalogSnapshot:
    n = PER_GENRE * len(GENRES)
    genre_matrix = np.zeros((n, len(GENRES)), dtype=bool)
    for j in range(len(GENRES)):
        genre_matrix[j * PER_GENRE : (j + 1) * PER_GENRE, j] = True
    if mystery_copies_thriller:  # two genres tagging exactly the same titles
        genre_matrix[:, GENRES.index("Mystery")] = genre_matrix[:, GENRES.index("Thriller")]
    rng = np.random.default_rng(0)
    return CatalogSnapshot(
        version=1,
        title_ids=np.arange(1, n + 1, dtype=np.int64),
        names=[f"T{i}" for i in range(1, n + 1)],
        years=rng.integers(1990, 2019, n).astype(np.int32),
        rating_count=rng.integers(1, 500, n),
        rating_mean=rng.uniform(2.5, 4.5, n),
        trending=rng.integers(0, 50, n).astype(np.float64),
        genre_names=GENRES,
        genre_matrix=genre_matrix,
        theme_matrix=np.zeros((n, 1), dtype=bool),
        artworks={},
    )


def viewer(**fields) -> ViewerSignals:
    defaults = {"name": "Ana", "scores": np.random.default_rng(1).random(PER_GENRE * len(GENRES))}
    return ViewerSignals(**{**defaults, **fields})


def neutral_affinity() -> np.ndarray:
    return np.zeros(len(GENRES))


def keys(plan) -> list[str]:
    return [row.key for row in plan.rows]


CONTEXT = Context(hour=20, daypart="evening", device="desktop")


def test_genre_rows_follow_the_viewers_affinity():
    affinity = neutral_affinity()
    affinity[GENRES.index("Romance")] = 1.5
    affinity[GENRES.index("Action")] = -1.0
    order = keys(plan_page(snapshot(), viewer(genre_affinity=affinity), CONTEXT, max_rows=20))
    genre_rows = [k for k in order if k.startswith("genre:")]
    assert genre_rows[0] == "genre:romance" and genre_rows[-1] == "genre:action"


def test_late_nights_lean_dark_and_mornings_light():
    night = keys(
        plan_page(
            snapshot(),
            viewer(genre_affinity=neutral_affinity()),
            Context(hour=1, daypart="night", device="desktop"),
            max_rows=20,
        )
    )
    morning = keys(
        plan_page(
            snapshot(),
            viewer(genre_affinity=neutral_affinity()),
            Context(hour=8, daypart="morning", device="desktop"),
            max_rows=20,
        )
    )
    assert night.index("genre:horror") < morning.index("genre:horror")
    assert morning.index("genre:comedy") < night.index("genre:comedy")


def test_phones_open_on_continue_watching_and_desktops_on_top_picks():
    started = (5, 70)
    mobile = plan_page(snapshot(), viewer(continue_watching=started), Context(20, "evening", "mobile"))
    desktop = plan_page(snapshot(), viewer(continue_watching=started), CONTEXT)
    assert mobile.rows[0].kind == "continue" and mobile.rows[0].title_ids == (6, 71)
    assert desktop.rows[0].kind == "top_picks" and desktop.rows[1].kind == "continue"


def test_no_title_appears_twice_and_the_hero_is_not_repeated():
    plan = plan_page(snapshot(), viewer(), CONTEXT, max_rows=20)
    shown = [int(snapshot().title_ids[plan.hero])] + [t for row in plan.rows for t in row.title_ids]
    assert len(shown) == len(set(shown))


def test_a_row_that_would_copy_another_is_dropped():
    plan = plan_page(snapshot(mystery_copies_thriller=True), viewer(), CONTEXT, max_rows=20)
    assert ("genre:mystery" in keys(plan)) != ("genre:thriller" in keys(plan))


def test_seen_titles_are_not_suggested():
    seen = np.arange(0, 200)
    plan = plan_page(snapshot(), viewer(seen=seen), CONTEXT, max_rows=20)
    assert not {t for row in plan.rows for t in row.title_ids} & {int(i) + 1 for i in seen}


def test_without_scores_the_viewer_gets_popular_rows_and_no_top_picks():
    plan = plan_page(snapshot(), ViewerSignals(name="New"), CONTEXT)
    assert plan.rows[0].kind == "popular" and "top-picks" not in keys(plan)
    popular = plan.rows[0].title_ids
    counts = snapshot().rating_count
    assert counts[popular[0] - 1] >= np.percentile(counts, 95)


def test_top_picks_are_in_score_order():
    scores = np.linspace(0, 1, PER_GENRE * len(GENRES))  # the last title is the best
    plan = plan_page(snapshot(), viewer(scores=scores), CONTEXT)
    top = next(row for row in plan.rows if row.kind == "top_picks")
    assert plan.hero == len(scores) - 1
    assert list(top.title_ids) == sorted(top.title_ids, reverse=True)


@pytest.mark.parametrize("length", [3, 1])
def test_short_personal_lists_still_show_but_short_discovery_rows_do_not(length):
    my_list = tuple(range(length))
    plan = plan_page(snapshot(), viewer(my_list=my_list), CONTEXT, max_rows=20)
    assert "my-list" in keys(plan)
    assert all(len(row.title_ids) >= 8 for row in plan.rows if row.kind not in ("my_list", "continue"))


# A viewer's favourite genres, whatever the context ------------------------------------------------


def test_favourites_are_the_two_genres_liked_most_above_average():
    affinity = neutral_affinity()
    affinity[GENRES.index("Romance")], affinity[GENRES.index("Drama")] = 2.0, 1.0
    affinity[GENRES.index("Comedy")] = 0.5
    assert favourite_genres(affinity, GENRES) == ["Romance", "Drama"]
    assert favourite_genres(-np.ones(len(GENRES)), GENRES) == []  # likes nothing more than average
    assert favourite_genres(None, GENRES) == []


@pytest.mark.parametrize(
    ("ordered", "favourites", "expected"),
    [
        ("abcdefgh", "ge", "abegcdfh"),  # both late: they take the end of the first four, in page order
        ("abcdefgh", "bg", "abcgdefh"),  # one already early stays put
        ("abcdefgh", "ab", "abcdefgh"),  # nothing to do
        ("ab", "b", "ab"),
    ],
)
def test_keep_favourites_early_moves_late_favourites_into_the_first_rows(ordered, favourites, expected):
    assert "".join(keep_favourites_early(list(ordered), list(favourites), within=4)) == expected


@pytest.mark.parametrize("context", [Context(15, "afternoon", "desktop"), Context(1, "night", "mobile")])
def test_a_viewers_two_favourite_genres_get_their_rows_on_the_first_screen_whatever_the_context(context):
    # Romance and Drama lovers whose Top Picks and "Because" rows are full of romance and drama: the
    # genre rows used to lose their titles to those rows (and to context boosts) and vanish.
    affinity = neutral_affinity()
    affinity[GENRES.index("Romance")], affinity[GENRES.index("Drama")] = 3.5, 2.0
    affinity[GENRES.index("Horror")] = 0.4
    scores = np.zeros(PER_GENRE * len(GENRES))
    for genre in ("Romance", "Drama"):
        j = GENRES.index(genre)
        scores[j * PER_GENRE : (j + 1) * PER_GENRE] = 1 + np.random.default_rng(j).random(PER_GENRE)
    romance = GENRES.index("Romance") * PER_GENRE
    because = ((romance, np.arange(romance + 1, romance + PER_GENRE)),)
    plan = plan_page(snapshot(), viewer(scores=scores, genre_affinity=affinity, because=because), context)
    first_screen = keys(plan)[:FIRST_SCREEN_ROWS]
    assert "genre:romance" in first_screen and "genre:drama" in first_screen
    for row in plan.rows:
        if row.key in ("genre:romance", "genre:drama"):
            assert len(row.title_ids) >= 8
            assert "favourite" in row.reason


def test_imax_is_a_format_not_a_row():
    genres = (*GENRES, "IMAX")
    base = snapshot()
    imax = np.zeros((len(base), 1), dtype=bool)
    imax[::3] = True
    with_imax = CatalogSnapshot(
        **{**base.__dict__, "genre_names": genres, "genre_matrix": np.hstack([base.genre_matrix, imax]), "_memo": {}}
    )
    plan = plan_page(with_imax, ViewerSignals(name="New"), CONTEXT, max_rows=30)
    assert "genre:imax" not in keys(plan)
    assert favourite_genres(np.r_[neutral_affinity(), 9.0], genres) == []


def test_the_top_10_is_the_chart_of_what_everyone_watches_lately_in_order():
    plan = plan_page(snapshot(), viewer(), CONTEXT, max_rows=20)
    top10 = next(row for row in plan.rows if row.kind == "top10")
    trending = snapshot().trending
    hero_id = int(snapshot().title_ids[plan.hero])
    chart = [int(i) + 1 for i in np.argsort(-trending, kind="stable") if int(i) + 1 != hero_id][:10]
    assert list(top10.title_ids) == chart  # the chart's order, not the viewer's
    shown = [hero_id] + [t for row in plan.rows for t in row.title_ids]
    assert len(shown) == len(set(shown))  # rows above it leave its titles to it


def test_because_says_liked_for_a_title_only_liked_and_watched_for_one_watched():
    watched, liked = 3, 70
    because = ((watched, np.arange(100, 160)), (liked, np.arange(200, 260)))
    plan = plan_page(snapshot(), viewer(because=because, liked_only=(liked,)), CONTEXT, max_rows=20)
    labels = {row.key: row.label for row in plan.rows if row.kind == "because"}
    assert labels == {
        f"because:{watched + 1}": "Because you watched T4",
        f"because:{liked + 1}": "Because you liked T71",
    }


def test_a_genre_rows_reason_names_the_part_of_its_priority_that_placed_it():
    affinity = neutral_affinity()
    affinity[GENRES.index("Sci-Fi")] = 1.0
    plan = plan_page(snapshot(), viewer(genre_affinity=affinity), Context(1, "night", "desktop"), max_rows=20)
    reasons = {row.key: row.reason for row in plan.rows}
    # Sci-Fi is a favourite (the only genre above average); horror rises at night.
    assert "you like sci-fi 2.0× more than average" in reasons["genre:sci-fi"]
    assert reasons["genre:horror"].endswith("up tonight: late nights favour horror")
