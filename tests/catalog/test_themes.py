"""The artwork theme vocabulary: pure functions, no Django or database needed."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from catalog.themes import (
    ALL_THEMES,
    COMPOSITION_THEMES,
    GENRE_THEMES,
    TAG_THEMES,
    THEME_INDEX,
    THEME_KIND,
    normalize_genre,
    normalize_tag,
    themes_for_title,
    title_theme_set,
)

# Written out by hand from the MovieLens README, not derived from the code.
MOVIELENS_GENRES = [
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip


def test_genre_themes_are_the_18_movielens_genres_slugged() -> None:
    assert list(GENRE_THEMES) == [g.lower() for g in MOVIELENS_GENRES]
    assert [normalize_genre(g) for g in MOVIELENS_GENRES] == list(GENRE_THEMES)


def test_all_themes_is_genres_then_tags_then_compositions_without_duplicates() -> None:
    assert ALL_THEMES == GENRE_THEMES + TAG_THEMES + COMPOSITION_THEMES
    assert len(set(ALL_THEMES)) == len(ALL_THEMES)
    assert 10 <= len(TAG_THEMES) <= 16
    assert COMPOSITION_THEMES == ("ensemble cast", "character close-up", "iconic scene")


def test_feature_indices_are_pinned() -> None:
    # ML code stores models keyed by these indices: the vocabulary may only grow at the end.
    assert ALL_THEMES[:18] == GENRE_THEMES
    assert THEME_INDEX["action"] == 0
    assert THEME_INDEX["western"] == 17
    assert THEME_INDEX["dark"] == 18
    assert THEME_INDEX["ensemble cast"] == 34
    assert THEME_INDEX["iconic scene"] == 36
    assert all(ALL_THEMES[i] == theme for theme, i in THEME_INDEX.items())


def test_theme_kind_covers_every_theme() -> None:
    assert set(THEME_KIND) == set(ALL_THEMES)
    assert {THEME_KIND[t] for t in GENRE_THEMES} == {"genre"}
    assert {THEME_KIND[t] for t in TAG_THEMES} == {"tag"}
    assert {THEME_KIND[t] for t in COMPOSITION_THEMES} == {"composition"}


@pytest.mark.parametrize(
    ("raw", "theme"),
    [
        ("dark comedy", "dark"),
        ("Black Comedy", "dark"),
        ("disturbing", "dark"),
        ("funny", "funny"),
        ("  Hilarious ", "funny"),
        ("quirky", "funny"),
        ("mindfuck", "thought-provoking"),
        ("Thought-provoking", "thought-provoking"),
        ("thought provoking", "thought-provoking"),
        ("visually appealing", "atmospheric"),
        ("surreal", "atmospheric"),
        ("comic book", "superhero"),
        ("Marvel", "superhero"),
        ("aliens", "space"),
        ("space opera", "space"),
        ("post-apocalyptic", "dystopia"),
        ("post apocalyptic", "dystopia"),
        ("twist ending", "twist ending"),
        ("time-travel", "time travel"),
        ("Time Travel", "time travel"),
        ("stephen king", "based on a book"),
        ("imdb top 250", "classic"),
        ("based on a true story", "true story"),
        ("great soundtrack", "music"),
        ("bittersweet", "emotional"),
        ("high school", "coming of age"),
        ("suspense", "suspenseful"),
    ],
)
def test_normalize_tag_maps_common_movielens_tags(raw: str, theme: str) -> None:
    assert normalize_tag(raw) == theme


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "in netflix queue",  # a to-do list, not a taste
        "leonardo dicaprio",
        "star wars",  # must not match "war" by substring
        "dark knight",  # must not match "dark" by substring
        "sci-fi",  # genre duplicates are left to movies.csv
        "predictable",
    ],
)
def test_normalize_tag_returns_none_for_non_themes(raw: str) -> None:
    assert normalize_tag(raw) is None


def test_every_tag_theme_maps_to_itself() -> None:
    for theme in TAG_THEMES:
        assert normalize_tag(theme) == theme


def test_it_keeps_genre_order_and_adds_tag_themes() -> None:
    themes = themes_for_title(["Adventure", "Animation", "Children", "Comedy", "Fantasy"], ["pixar", "fun"])
    assert themes == ["adventure", "animation", "children", "comedy", "fantasy", "funny"]


def test_it_keeps_the_given_genre_order_rather_than_sorting() -> None:
    assert themes_for_title(["Thriller", "Action", "Crime"], [])[:3] == ["thriller", "action", "crime"]


def test_it_fills_in_compositions_up_to_the_minimum() -> None:
    assert themes_for_title(["Drama"], []) == ["drama", "ensemble cast", "character close-up"]
    assert themes_for_title(["Drama", "War"], []) == ["drama", "war", "ensemble cast"]


def test_it_ignores_no_genres_listed() -> None:
    assert themes_for_title(["(no genres listed)"], []) == list(COMPOSITION_THEMES)


def test_it_ignores_imax_as_a_format_not_a_taste() -> None:
    themes = themes_for_title(["Action", "IMAX", "Sci-Fi"], [])
    assert themes == ["action", "sci-fi", "ensemble cast"]
    assert "imax" not in ALL_THEMES
    assert normalize_genre("IMAX") is None


def test_tag_themes_are_ordered_by_frequency_then_vocabulary() -> None:
    tags = ["funny", "dark", "dark comedy", "Dark", "time travel", "hilarious"]
    # dark x3, funny x2, time travel x1
    assert themes_for_title(["Comedy"], tags) == ["comedy", "dark", "funny", "time travel"]
    # a tie is broken by vocabulary order (dark before funny), not by input order
    assert themes_for_title([], ["funny", "dark"])[:2] == ["dark", "funny"]


def test_it_deduplicates_genres_and_tags() -> None:
    assert themes_for_title(["Drama", "drama", "Drama"], ["sad", "sad", "emotional"]) == [
        "drama",
        "emotional",
        "ensemble cast",
    ]


def test_it_caps_at_maximum_and_keeps_genres_first() -> None:
    genres = ["Action", "Adventure", "Comedy", "Crime", "Drama", "Fantasy", "Thriller"]
    themes = themes_for_title(genres, ["funny", "space"], maximum=6)
    assert themes == ["action", "adventure", "comedy", "crime", "drama", "fantasy"]


def test_custom_minimum_and_maximum() -> None:
    assert themes_for_title(["Drama"], [], minimum=2, maximum=2) == ["drama", "ensemble cast"]
    assert themes_for_title([], [], minimum=0) == []


@pytest.mark.parametrize(("minimum", "maximum"), [(4, 3), (-1, 3), (0, 0)])
def test_it_refuses_inconsistent_bounds(minimum: int, maximum: int) -> None:
    with pytest.raises(ValueError):
        themes_for_title(["Drama"], [], minimum=minimum, maximum=maximum)


def test_title_theme_set_has_content_themes_only() -> None:
    assert title_theme_set(["Comedy", "IMAX"], ["quirky", "in netflix queue"]) == {"comedy", "funny"}
    assert title_theme_set(["(no genres listed)"], []) == set()


def test_every_movielens_title_gets_at_least_three_distinct_known_themes(movielens_dir) -> None:
    tags: dict[str, list[str]] = defaultdict(list)
    with (movielens_dir / "tags.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            tags[row["movieId"]].append(row["tag"])
    with (movielens_dir / "movies.csv").open(encoding="utf-8") as handle:
        movies = list(csv.DictReader(handle))
    assert len(movies) > 9000
    for movie in movies:
        genres = movie["genres"].split("|")
        themes = themes_for_title(genres, tags[movie["movieId"]])
        assert 3 <= len(themes) <= 6, movie
        assert len(set(themes)) == len(themes), movie
        assert set(themes) <= set(ALL_THEMES), movie
        kinds = [THEME_KIND[t] for t in themes]
        assert kinds == sorted(kinds, key=["genre", "tag", "composition"].index), movie
