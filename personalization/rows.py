"""Planning a homepage: which rows, which titles in each, and in what order. Pure numpy.

Every candidate row ranks titles by the viewer's personal score (popularity when there is no
model or no history). Rows are then ordered by how relevant they are to this viewer in this
context (time of day, device), the viewer's two favourite genres are brought onto the first screens
(`keep_favourites_early`), titles are de-duplicated across rows, and rows that would be near-copies
of an earlier one are dropped. Each row says why it is there and why there (`personalization.why`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from catalog.snapshot import CatalogSnapshot
from personalization.context import Context
from personalization.interleaving import team_draft
from personalization.page import FIRST_SCREEN_ROWS, RowPlan
from personalization.why import Priority, row_why

ROW_LENGTH = 20
MIN_ROW_LENGTH = 8  # a row left shorter than this after de-duplication is not worth a line
MAX_OVERLAP = 0.5  # candidate rows sharing more than this (Jaccard of their top titles) are near-copies
NEW_RELEASE_YEARS = 3  # "new" = the catalog's latest few years

# How much a row matters before taste and context: what a viewer most likely came for first.
BASE_PRIORITY = {
    "continue": 0.9,
    "my_list": 0.8,
    "top_picks": 0.95,
    "popular": 0.9,
    "because": 0.75,
    "top10": 0.72,
    "trending": 0.7,
    "new": 0.6,
    "genre": 0.35,
}
# Context shifts, in the same units: phones pick up where they left off; evenings are for
# something new; late nights lean dark, mornings light.
DEVICE_BOOST = {
    "mobile": {"continue": 0.3, "trending": 0.05},
    "tablet": {"continue": 0.15},
    "tv": {"new": 0.1, "top_picks": 0.05},
    "desktop": {},
}
DAYPART_BOOST = {
    "evening": {"new": 0.1},
    "night": {},
    "morning": {},
    "afternoon": {},
}
DAYPART_GENRE_BOOST = {
    "morning": {"Comedy": 0.15, "Animation": 0.15, "Children": 0.15, "Documentary": 0.1},
    "afternoon": {"Adventure": 0.1, "Comedy": 0.05, "Animation": 0.05},
    "evening": {"Drama": 0.1, "Romance": 0.1, "Action": 0.05},
    "night": {"Horror": 0.2, "Thriller": 0.15, "Sci-Fi": 0.1, "Mystery": 0.1},
}
GENRE_AFFINITY_WEIGHT = 0.2  # per unit of log2 lift...
GENRE_AFFINITY_CAP = 1.5  # ...up to 3x the average: a favourite genre rises, but not above Top Picks
PERSONAL_LISTS = {"continue", "my_list"}  # the viewer's own lists show even when short
NOT_A_GENRE = {"IMAX"}  # a screen format: no viewer asks for a row of it
FAVOURITE_GENRES = 2  # a viewer's top genres (by lift, above average) always get a row...
FAVOURITES_WITHIN = FIRST_SCREEN_ROWS  # ...among the rows built with the page, whatever the context
TOP_10 = 10


@dataclass(frozen=True)
class ViewerSignals:
    """What the planner knows of the viewer, aligned with the snapshot's title positions."""

    name: str
    scores: np.ndarray | None = None  # personal ranking score per title; None = popularity
    genre_affinity: np.ndarray | None = None  # log2 lift per genre (snapshot.genre_names order)
    seen: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # positions
    continue_watching: tuple[int, ...] = ()  # positions, most recent first
    my_list: tuple[int, ...] = ()  # positions, most recently added first
    because: tuple[tuple[int, np.ndarray], ...] = ()  # (anchor position, similar positions ranked)
    liked_only: tuple[int, ...] = ()  # anchors the viewer liked (thumbs up, onboarding) but never watched

    @property
    def has_history(self) -> bool:
        return self.scores is not None


@dataclass(frozen=True)
class PlannedPage:
    hero: int | None  # position of the billboard title
    rows: list[RowPlan]


def popularity_scores(snapshot: CatalogSnapshot) -> np.ndarray:
    """Cold-start order: how many people rated it, nudged by how well they rated it."""
    mean = np.nan_to_num(snapshot.rating_mean, nan=3.0)
    return np.log1p(snapshot.rating_count) + 0.3 * (mean - 3.0)


def plan_page(
    snapshot: CatalogSnapshot,
    viewer: ViewerSignals,
    context: Context,
    *,
    row_length: int = ROW_LENGTH,
    max_rows: int = 14,
    order=None,
) -> PlannedPage:
    """The page's hero and rows. `order(candidates, priorities)`, if given, returns the candidates in
    the order to show them (a learned row policy, `row_order`); by default the rules' priorities."""
    n = len(snapshot)
    if n == 0:
        return PlannedPage(hero=None, rows=[])
    scores = viewer.scores if viewer.scores is not None else popularity_scores(snapshot)
    discover = np.ones(n, dtype=bool)  # titles worth suggesting: not already seen
    discover[viewer.seen[(viewer.seen >= 0) & (viewer.seen < n)]] = False
    if not discover.any():
        discover[:] = True

    favourite = favourite_genres(viewer.genre_affinity, snapshot.genre_names)
    candidates = _candidate_rows(snapshot, viewer, scores, discover, row_length, favourite)
    priorities = {c.key: _priority(c, snapshot, viewer, context) for c in candidates}
    # sorted() is stable: rows of equal priority (two "because" rows) keep their given order.
    if order is None:
        ordered = sorted(candidates, key=lambda c: -priorities[c.key].total)
    else:
        ordered = list(order(candidates, priorities))
    favourites = [key for key in (f"genre:{g.lower()}" for g in favourite) if key in priorities]
    ordered = keep_favourites_early(ordered, favourites, within=FAVOURITES_WITHIN, key=lambda c: c.key)
    hero = _hero(ordered)
    used: set[int] = {hero} if hero is not None else set()
    # The chart keeps its ranks: rows above it on the page leave its titles to it.
    chart = next((c for c in ordered if c.kind == "top10"), None)
    chart_titles = tuple(int(p) for p in chart.positions if p not in used)[:TOP_10] if chart else ()
    kept: list[tuple[_Candidate, tuple[int, ...]]] = []
    kept_heads: list[set[int]] = []  # the leading titles of each kept row but the chart, for near-copies
    for candidate in ordered:
        if len(kept) == max_rows:
            break
        if candidate is chart:
            if len(chart_titles) == TOP_10:
                kept.append((candidate, chart_titles))
            continue
        head = set(candidate.positions[:row_length].tolist())
        favourite = candidate.key in favourites  # never dropped as a near-copy: it is what they came for
        if not favourite and any(_jaccard(head, other) > MAX_OVERLAP for other in kept_heads):
            continue
        taken = used.union(chart_titles) if len(chart_titles) == TOP_10 else used
        fresh = tuple(islice((p for p in candidate.positions.tolist() if p not in taken), row_length))
        if not fresh or (len(fresh) < min(MIN_ROW_LENGTH, row_length) and candidate.kind not in PERSONAL_LISTS):
            continue
        used.update(fresh)
        kept.append((candidate, fresh))
        kept_heads.append(head)
    explain = getattr(order, "explain", None)  # a learned order says where it departs from the rules

    def reason(c: _Candidate) -> str:
        favourite = c.key in favourites
        why = row_why(
            kind=c.kind, what=c.reason, genre=c.genre, priority=priorities[c.key], context=context, favourite=favourite
        )
        return explain(c.key, why) if explain is not None and not favourite else why

    rows = [
        RowPlan(
            key=c.key,
            label=c.label,
            kind=c.kind,
            title_ids=tuple(snapshot.title_ids[list(fresh)].tolist()),
            reason=reason(c),
        )
        for c, fresh in kept
    ]
    return PlannedPage(hero=hero, rows=rows)


def favourite_genres(
    affinity: np.ndarray | None, genre_names: tuple[str, ...], *, k: int = FAVOURITE_GENRES
) -> list[str]:
    """The viewer's top k genres by lift, among those they watch more than average (none without a history)."""
    if affinity is None:
        return []
    order = np.argsort(-np.asarray(affinity), kind="stable")
    return [genre_names[j] for j in order if affinity[j] > 0 and genre_names[j] not in NOT_A_GENRE][:k]


def keep_favourites_early(ordered: list, favourites: list, *, within: int, key=lambda row: row) -> list:
    """`ordered` with every row named in `favourites` among its first `within` places.

    A favourite already early enough stays where it is; a later one moves up just enough (favourites
    keep their order among themselves), pushing the rows it passes down by one. Nothing else changes order.
    """
    favs = [row for row in ordered if key(row) in favourites]
    if all(ordered.index(row) < within for row in favs):
        return ordered
    others = [row for row in ordered if key(row) not in favourites]
    due = {id(row): min(ordered.index(row), within - len(favs) + j) for j, row in enumerate(favs)}
    result: list = []
    while favs or others:
        if favs and (not others or due[id(favs[0])] <= len(result)):
            result.append(favs.pop(0))
        else:
            result.append(others.pop(0))
    return result


@dataclass
class _Candidate:
    key: str
    label: str
    kind: str
    positions: np.ndarray  # ranked
    genre: str = ""
    reason: str = ""


def _top(scores: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best-scored titles within mask, best first (ties by position)."""
    return _top_of(scores, np.flatnonzero(mask), k)


def _top_of(scores: np.ndarray, index: np.ndarray, k: int) -> np.ndarray:
    """The k best-scored of the positions `index` (ascending), best first (ties by position)."""
    if len(index) == 0:
        return index
    if len(index) > k:
        part = np.argpartition(-scores[index], k - 1)[:k]
        index = index[part]
    return index[np.lexsort((index, -scores[index]))]


def _candidate_rows(
    snapshot: CatalogSnapshot,
    viewer: ViewerSignals,
    scores: np.ndarray,
    discover: np.ndarray,
    row_length: int,
    favourite: list[str],
) -> list[_Candidate]:
    depth = row_length * 3  # spare titles for de-duplication
    rows: list[_Candidate] = []
    if viewer.continue_watching:
        rows.append(
            _Candidate(
                "continue",
                f"Continue Watching for {viewer.name}",
                "continue",
                np.array(viewer.continue_watching, dtype=np.int64),
                reason="titles you started",
            )
        )
    if viewer.my_list:
        rows.append(
            _Candidate(
                "my-list", "My List", "my_list", np.array(viewer.my_list, dtype=np.int64), reason="titles you saved"
            )
        )
    if viewer.has_history:
        rows.append(
            _Candidate(
                "top-picks",
                f"Top Picks for {viewer.name}",
                "top_picks",
                _top(scores, discover, depth),
                reason="what the recommender predicts you will like most",
            )
        )
        for anchor, similar in viewer.because:
            similar = similar[discover[similar]]
            verb = "liked" if anchor in viewer.liked_only else "watched"
            rows.append(
                _Candidate(
                    f"because:{snapshot.title_ids[anchor]}",
                    f"Because you {verb} {snapshot.names[anchor]}",
                    "because",
                    similar[:depth],
                    reason=f"titles most like one you {verb}",
                )
            )
    else:
        rows.append(
            _Candidate(
                "popular",
                "Popular on Streamflix",
                "popular",
                _top(scores, discover, depth),
                reason="no history yet: the most watched",
            )
        )
    trending = _trending_order(snapshot)
    trending = trending[discover[trending]][: depth * 2]
    if len(trending) >= TOP_10 + row_length:  # a chart only when enough is watched for Trending Now as well
        rows.append(
            _Candidate(
                "top-10",
                "Top 10 on Streamflix",
                "top10",
                trending[: TOP_10 + 1],
                reason="the most watched lately, by everyone",
            )
        )
    # Trending is what everyone watches now; among those, show this viewer's likeliest first.
    trending_rank = trending[np.argsort(-scores[trending], kind="stable")][:depth]
    rows.append(
        _Candidate("trending", "Trending Now", "trending", trending_rank, reason="popular lately, in your order")
    )
    recent = _recent_positions(snapshot)
    rows.append(
        _Candidate(
            "new", "New Releases", "new", _top_of(scores, recent[discover[recent]], depth),
            reason="the newest titles, in your order",
        )
    )  # fmt: skip
    for genre, positions in zip(snapshot.genre_names, snapshot.genre_positions(), strict=True):
        if genre in NOT_A_GENRE:
            continue
        in_genre = positions[discover[positions]]
        if len(in_genre) >= MIN_ROW_LENGTH:
            rows.append(
                _Candidate(
                    f"genre:{genre.lower()}",
                    _genre_label(genre),
                    "genre",
                    # A favourite's titles are often taken by Top Picks: it may need every title of its genre.
                    _top_of(scores, in_genre, len(snapshot) if genre in favourite else depth),
                    genre=genre,
                    reason=f"{genre} titles, in your order",
                )
            )
    return rows


def _trending_order(snapshot: CatalogSnapshot) -> np.ndarray:
    """Positions of the titles watched lately, most watched first (ties by position): once per snapshot."""

    def order() -> np.ndarray:
        watched = np.flatnonzero(snapshot.trending > 0)
        return watched[np.argsort(-snapshot.trending[watched], kind="stable")]

    return snapshot.memo("rows:trending_order", order)


def _recent_positions(snapshot: CatalogSnapshot) -> np.ndarray:
    """Positions of the rated titles of the last NEW_RELEASE_YEARS years, ascending: once per snapshot."""

    def recent() -> np.ndarray:
        latest_year = int(snapshot.years.max())
        return np.flatnonzero((snapshot.years >= latest_year - NEW_RELEASE_YEARS + 1) & (snapshot.rating_count > 0))

    return snapshot.memo("rows:recent", recent)


def _genre_label(genre: str) -> str:
    labels = {"Sci-Fi": "Sci-Fi", "Film-Noir": "Film Noir", "Children": "Kids & Family"}
    label = labels.get(genre, genre)
    return label if genre == "Children" else f"{label} Movies" if genre != "Documentary" else "Documentaries"


def _priority(candidate: _Candidate, snapshot: CatalogSnapshot, viewer: ViewerSignals, context: Context) -> Priority:
    """How high the row goes, as the sum of its parts (the parts also explain the row to testers)."""
    lift = None
    if candidate.kind == "genre" and viewer.genre_affinity is not None:
        lift = float(viewer.genre_affinity[snapshot.genre_names.index(candidate.genre)])
    return rules_priority(candidate.kind, candidate.genre, context.daypart, context.device, lift=lift)


def rules_priority(
    kind: str, genre: str, daypart_name: str, device_name: str, *, lift: float | None = None
) -> Priority:
    """The rules' priority of a row of `kind` (and `genre`) in a context, for a viewer whose log2 lift for
    the genre is `lift` (None: no taste known)."""
    device = DEVICE_BOOST.get(device_name, {}).get(kind, 0.0)
    daypart = DAYPART_BOOST.get(daypart_name, {}).get(kind, 0.0)
    taste = 0.0
    if kind == "genre":
        daypart += DAYPART_GENRE_BOOST.get(daypart_name, {}).get(genre, 0.0)
        if lift is not None:
            taste = GENRE_AFFINITY_WEIGHT * float(np.clip(lift, -GENRE_AFFINITY_CAP, GENRE_AFFINITY_CAP))
    return Priority(base=BASE_PRIORITY[kind], device=device, daypart=daypart, taste=taste, lift=lift or 0.0)


def _hero(ordered: list[_Candidate]) -> int | None:
    """The billboard: the best-scored title among the first discovery row."""
    for candidate in ordered:
        if candidate.kind in ("top_picks", "popular", "trending") and len(candidate.positions):
            return int(candidate.positions[0])
    return None


def _jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


RANKERS = ("personalized", "popularity")


def interleave_top_row(
    planned: PlannedPage,
    snapshot: CatalogSnapshot,
    viewer: ViewerSignals,
    rankers: tuple[str, str],
    rng: np.random.Generator,
) -> PlannedPage:
    """The page with its first discovery row (Top Picks, or Popular for a new viewer) drafted by two
    rankers (team-draft interleaving, personalization.interleaving): titles on the rest of the page stay
    out of it, as they would in either ranker's own row."""
    target = next((i for i, row in enumerate(planned.rows) if row.kind in ("top_picks", "popular")), None)
    if target is None:
        return planned
    row = planned.rows[target]
    elsewhere = {int(snapshot.title_ids[planned.hero])} if planned.hero is not None else set()
    elsewhere |= {t for i, other in enumerate(planned.rows) if i != target for t in other.title_ids}
    discover = np.ones(len(snapshot), dtype=bool)
    discover[viewer.seen[(viewer.seen >= 0) & (viewer.seen < len(snapshot))]] = False
    orders = []
    for name in rankers:
        scores = ranker_scores(name, snapshot, viewer)
        ranked = _top(scores, discover, len(row.title_ids) * 4)
        orders.append([t for t in (int(snapshot.title_ids[p]) for p in ranked) if t not in elsewhere])
    titles, teams = team_draft(orders[0], orders[1], len(row.title_ids), rng)
    rows = list(planned.rows)
    rows[target] = RowPlan(row.key, row.label, row.kind, tuple(titles), f"{row.reason} (interleaved)", tuple(teams))
    return PlannedPage(hero=planned.hero, rows=rows)


def ranker_scores(name: str, snapshot: CatalogSnapshot, viewer: ViewerSignals) -> np.ndarray:
    """A row ranker's score per title: the recommender's (popularity when it has none) or popularity."""
    if name not in RANKERS:
        raise ValueError(f"unknown ranker {name!r}; use one of {', '.join(RANKERS)}")
    if name == "personalized" and viewer.scores is not None:
        return viewer.scores
    return popularity_scores(snapshot)
