"""Artwork theme vocabulary: which visual themes a title can be drawn in.

A *theme* is the hook that links an artwork variant to a viewer's taste. The
contextual bandit learns, per viewer, which theme of a title's artwork works;
so every theme must be something a viewer can plausibly like (a genre, a
recurring tag) or, when a title has too little metadata, a neutral framing
style that real streaming artwork varies by (cast row, face close-up, scene).

Pure Python on purpose (no Django imports): the renderer, the importer and
the ML code all share this vocabulary and must be testable on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# --- Genre themes -----------------------------------------------------------
# The 18 MovieLens genres, slugged (lower case; "Sci-Fi" -> "sci-fi").
# Deliberately excluded:
# * "IMAX" is a projection format, not a taste: nobody prefers a thriller
#   because it also ran in IMAX, and its 158 titles would otherwise get an
#   artwork variant that says nothing about the story.
# * "(no genres listed)" is missing data; those titles get fill-in themes.
GENRE_THEMES: tuple[str, ...] = (
    "action",
    "adventure",
    "animation",
    "children",
    "comedy",
    "crime",
    "documentary",
    "drama",
    "fantasy",
    "film-noir",
    "horror",
    "musical",
    "mystery",
    "romance",
    "sci-fi",
    "thriller",
    "war",
    "western",
)

# Genre spellings seen in MovieLens releases that do not slug to a theme
# directly (ml-100k/ml-1m spell "Children's").
_GENRE_ALIASES: dict[str, str] = {"children's": "children", "film noir": "film-noir", "scifi": "sci-fi"}

IGNORED_GENRES: frozenset[str] = frozenset({"imax", "(no genres listed)"})

# --- Tag themes ---------------------------------------------------------------
# Chosen from tags.csv of ml-latest-small by how many distinct movies carry a
# tag (numbers in comments). Rules used to pick them:
# * a theme must describe taste or content and be drawable; actor/director
#   names, "in netflix queue" (131 movies, a to-do list) and verdicts such as
#   "bad" or "predictable" are not themes;
# * tags that merely repeat a genre ("sci-fi", "comedy", "crime", "action")
#   are dropped: movies.csv genres are the authoritative source for those;
# * rare synonyms are folded in so that a theme covers a useful share of the
#   1,572 tagged movies.
# Keys are normalised with `_normalise_key` (lower case, "-"/"_" as spaces).
TAG_SYNONYMS: dict[str, tuple[str, ...]] = {
    # dark 16, dark comedy 16, black comedy 13, disturbing 13, gritty 7, ...
    "dark": (
        "dark",
        "dark comedy",
        "black comedy",
        "dark humor",
        "dark humour",
        "black humor",
        "disturbing",
        "depressing",
        "gritty",
        "bleak",
        "grim",
        "dark hero",
        "dark fairy tale",
        "brutal",
        "brutality",
        "violent",
        "violence",
        "creepy",
        "nihilism",
    ),
    # funny 22, quirky 22, satire 12, spoof 8, witty 7, clever 7, screwball 7, ...
    "funny": (
        "funny",
        "very funny",
        "hilarious",
        "quirky",
        "witty",
        "clever",
        "humorous",
        "humor",
        "humour",
        "satire",
        "satirical",
        "spoof",
        "parody",
        "screwball",
        "highly quotable",
        "quotable",
        "fun",
        "sarcasm",
        "absurd",
    ),
    # thought-provoking 19, psychology 19, mindfuck 15, philosophical 10, ...
    "thought-provoking": (
        "thought provoking",
        "philosophical",
        "philosophy",
        "philosopical",
        "psychology",
        "psychological",
        "mindfuck",
        "mind bending",
        "mind blowing",
        "cerebral",
        "intelligent",
        "existentialism",
        "social commentary",
        "complex",
        "alternate reality",
    ),
    # atmospheric 37, surreal 22, visually appealing 18, dreamlike 11, ...
    "atmospheric": (
        "atmospheric",
        "visually appealing",
        "visually stunning",
        "visually striking",
        "cinematography",
        "beautiful cinematography",
        "great cinematography",
        "dreamlike",
        "dreamy",
        "surreal",
        "surrealism",
        "stylized",
        "stylish",
        "beautiful",
        "beautifully filmed",
        "beautiful visuals",
        "great visuals",
        "hallucinatory",
        "moody",
        "melancholy",
    ),
    # superhero 22, comic book 10, marvel 4, dc comics 3, ...
    "superhero": (
        "superhero",
        "superheroes",
        "super hero",
        "superhero team",
        "comic book",
        "comic books",
        "comics",
        "marvel",
        "dc comics",
        "dc",
        "batman",
        "spider man",
        "x men",
        "based on comic",
    ),
    # aliens 14, space 12, space opera 5, space travel 3, ...
    "space": (
        "space",
        "aliens",
        "alien",
        "space opera",
        "space travel",
        "space adventure",
        "space epic",
        "space action",
        "space station",
        "spacecraft",
        "space craft",
        "outer space",
        "astronauts",
        "astronaut",
        "mars",
        "setting:space/space ship",
    ),
    # robots 9, dystopia 6, future 6, post-apocalyptic 10 (two spellings), AI 5, ...
    "dystopia": (
        "dystopia",
        "dystopian",
        "post apocalyptic",
        "apocalypse",
        "future",
        "futuristic",
        "robots",
        "robot",
        "robots and androids",
        "artificial intelligence",
        "ai",
        "cyberpunk",
        "zombies",
        "zombie",
    ),
    # twist ending 16, plot twist 2, twists & turns 2, ...
    "twist ending": (
        "twist ending",
        "plot twist",
        "twist",
        "twists & turns",
        "twists and turns",
        "surprise ending",
        "unpredictable",
        "nonlinear",
        "non linear timeline",
        "nonlinear timeline",
    ),
    # time travel 13 (+ "time-travel"), ...
    "time travel": ("time travel", "time loop", "time machine"),
    # stephen king 13, shakespeare 12, based on a book 5, dickens 5, jane austen 4, ...
    "based on a book": (
        "based on a book",
        "based on book",
        "based on the book",
        "based on a novel",
        "based on novel",
        "book",
        "books",
        "literary adaptation",
        "adapted from:book",
        "stephen king",
        "shakespeare",
        "shakespeare sort of",
        "dickens",
        "charles dickens",
        "jane austen",
        "tolkien",
        "based on a play",
    ),
    # classic 11, imdb top 250 11, black and white 5, cult film 6, ...
    "classic": (
        "classic",
        "classics",
        "classic movie",
        "cult classic",
        "cult film",
        "cult",
        "imdb top 250",
        "afi 100",
        "black and white",
        "masterpiece",
        "oscar (best picture)",
    ),
    # true story 4, based on a true story 3, biopic 5, journalism 13, history, ...
    "true story": (
        "true story",
        "based on a true story",
        "based on true story",
        "biopic",
        "biography",
        "historical",
        "history",
        "journalism",
        "real events",
    ),
    # music 15, soundtrack/great soundtrack 10, ...
    "music": (
        "music",
        "soundtrack",
        "great soundtrack",
        "good soundtrack",
        "notable soundtrack",
        "superb soundtrack",
        "good music",
        "music business",
        "music industry",
        "musicians",
        "rock and roll",
        "jazz",
        "hip hop",
        "dance",
        "singers",
    ),
    # emotional 13, bittersweet 11, heartwarming 9, touching 6, sad 5, poignant 5, ...
    "emotional": (
        "emotional",
        "bittersweet",
        "heartwarming",
        "heartbreaking",
        "touching",
        "sad",
        "poignant",
        "moving",
        "tear jerker",
        "tearjerking",
        "feel good",
        "inspirational",
        "inspiring",
        "sentimental",
        "loneliness",
    ),
    # high school 15 (+ highschool), adolescence 11, teen(s), ...
    "coming of age": (
        "coming of age",
        "high school",
        "highschool",
        "adolescence",
        "teen",
        "teens",
        "teenagers",
        "teen movie",
        "school",
        "growing up",
        "youth",
    ),
    # suspense 19, tense 9, paranoia 5, intense 4, ...
    "suspenseful": (
        "suspense",
        "suspenseful",
        "tense",
        "intense",
        "paranoia",
        "paranoid",
        "gripping",
        "claustrophobic",
        "edge of your seat",
    ),
}

TAG_THEMES: tuple[str, ...] = tuple(TAG_SYNONYMS)

# --- Composition (fill-in) themes --------------------------------------------
# Used only to reach the minimum number of variants. They describe framing,
# not content, so they never enter a viewer's taste profile.
COMPOSITION_THEMES: tuple[str, ...] = ("ensemble cast", "character close-up", "iconic scene")

ALL_THEMES: tuple[str, ...] = GENRE_THEMES + TAG_THEMES + COMPOSITION_THEMES
"""Every theme, in a fixed order. The index is a stable feature index for ML
code, so only ever append to the lists above, never reorder or delete."""

THEME_KIND: dict[str, str] = {
    **{theme: "genre" for theme in GENRE_THEMES},
    **{theme: "tag" for theme in TAG_THEMES},
    **{theme: "composition" for theme in COMPOSITION_THEMES},
}

THEME_INDEX: dict[str, int] = {theme: index for index, theme in enumerate(ALL_THEMES)}

_SEPARATORS = re.compile(r"[-_\s]+")


def _normalise_key(raw: str) -> str:
    """Fold case and hyphen/space variants so "Time-Travel" matches "time travel"."""
    return _SEPARATORS.sub(" ", raw.strip().lower()).strip()


_TAG_LOOKUP: dict[str, str] = {
    _normalise_key(synonym): theme for theme, synonyms in TAG_SYNONYMS.items() for synonym in synonyms
}
_GENRE_LOOKUP: dict[str, str] = {
    **{_normalise_key(theme): theme for theme in GENRE_THEMES},
    **{_normalise_key(alias): theme for alias, theme in _GENRE_ALIASES.items()},
}


def normalize_tag(tag: str) -> str | None:
    """Map a free-text MovieLens tag to a tag theme, or None when it is not one.

    Exact matching on a normalised key rather than substring search: "dark"
    must not match "dark knight" fan tags, and "war" must not match "star wars".
    """
    if not tag:
        return None
    return _TAG_LOOKUP.get(_normalise_key(tag))


def normalize_genre(genre: str) -> str | None:
    """Map a MovieLens genre name to its genre theme; None for IMAX/no-genre/unknown."""
    if not genre:
        return None
    return _GENRE_LOOKUP.get(_normalise_key(genre))


def _genre_themes(genres: Iterable[str]) -> list[str]:
    """Genre themes in the order given (MovieLens lists them alphabetically), de-duplicated."""
    seen: dict[str, None] = {}
    for genre in genres:
        theme = normalize_genre(genre)
        if theme is not None:
            seen.setdefault(theme, None)
    return list(seen)


def _tag_themes_by_frequency(tags: Iterable[str]) -> list[str]:
    """Tag themes, most-applied first; ties broken by vocabulary order for determinism.

    Frequency counts tag *applications*, so a theme several users agree on
    outranks a theme one user typed once.
    """
    counts = Counter(theme for theme in map(normalize_tag, tags) if theme is not None)
    return sorted(counts, key=lambda theme: (-counts[theme], THEME_INDEX[theme]))


def title_theme_set(genres: Iterable[str], tags: Iterable[str]) -> set[str]:
    """Themes that describe what the title is about (genres + tags, no fill-ins).

    Used to build a viewer's taste: fill-ins say how a card is framed, not
    what the viewer watched, so they would only add noise there.
    """
    return set(_genre_themes(genres)) | set(_tag_themes_by_frequency(tags))


def themes_for_title(genres: list[str], tags: list[str], minimum: int = 3, maximum: int = 6) -> list[str]:
    """Ordered, distinct themes to render artwork variants for one title.

    Order: genre themes (MovieLens order), then tag themes by frequency, then
    composition fill-ins until `minimum` is reached, capped at `maximum`.
    The bandit needs at least `minimum` arms per title to have a choice; the
    cap bounds rendering cost (a title may carry 5 genres and many tags).

    With the default minimum of 3 the result always has 3..maximum themes.
    Only len(COMPOSITION_THEMES) fill-ins exist, so a larger `minimum` is met
    only when the title's own metadata supplies the rest.
    """
    if minimum < 0 or maximum < 1 or minimum > maximum:
        raise ValueError(f"need 0 <= minimum <= maximum and maximum >= 1, got {minimum=}, {maximum=}")
    themes = _genre_themes(genres)
    themes += [theme for theme in _tag_themes_by_frequency(tags) if theme not in themes]
    themes = themes[:maximum]
    for fill_in in COMPOSITION_THEMES:
        if len(themes) >= minimum:
            break
        themes.append(fill_in)
    return themes
