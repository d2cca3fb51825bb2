"""Planning a homepage: which rows, which titles in each, and in what order. Pure numpy.

Every candidate row ranks titles by the viewer's personal score (popularity when there is no
model or no history). Rows are then ordered by how relevant they are to this viewer in this
context (time of day, device), titles are de-duplicated across rows, and rows that would be
near-copies of an earlier one are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from catalog.snapshot import CatalogSnapshot
from personalization.context import Context
from personalization.interleaving import team_draft
from personalization.page import RowPlan

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
) -> PlannedPage:
    n = len(snapshot)
    if n == 0:
        return PlannedPage(hero=None, rows=[])
    scores = viewer.scores if viewer.scores is not None else popularity_scores(snapshot)
    discover = np.ones(n, dtype=bool)  # titles worth suggesting: not already seen
    discover[viewer.seen[(viewer.seen >= 0) & (viewer.seen < n)]] = False
    if not discover.any():
        discover[:] = True

    candidates = _candidate_rows(snapshot, viewer, scores, discover, row_length)
    # sorted() is stable: rows of equal priority (two "because" rows) keep their given order.
    ordered = sorted(candidates, key=lambda c: -_priority(c, snapshot, viewer, context))
    hero = _hero(ordered)
    used: set[int] = {hero} if hero is not None else set()
    kept: list[tuple[_Candidate, tuple[int, ...]]] = []
    for candidate in ordered:
        if len(kept) == max_rows:
            break
        head = set(candidate.positions[:row_length].tolist())
        if any(_jaccard(head, set(other.positions[:row_length].tolist())) > MAX_OVERLAP for other, _ in kept):
            continue
        fresh = tuple(int(p) for p in candidate.positions if p not in used)[:row_length]
        if not fresh or (len(fresh) < min(MIN_ROW_LENGTH, row_length) and candidate.kind not in PERSONAL_LISTS):
            continue
        used.update(fresh)
        kept.append((candidate, fresh))
    rows = [
        RowPlan(
            key=c.key,
            label=c.label,
            kind=c.kind,
            title_ids=tuple(int(snapshot.title_ids[p]) for p in fresh),
            reason=c.reason,
        )
        for c, fresh in kept
    ]
    return PlannedPage(hero=hero, rows=rows)


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
    index = np.flatnonzero(mask)
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
                reason="highest predicted by your taste model",
            )
        )
        for anchor, similar in viewer.because:
            similar = similar[discover[similar]]
            rows.append(
                _Candidate(
                    f"because:{snapshot.title_ids[anchor]}",
                    f"Because you watched {snapshot.names[anchor]}",
                    "because",
                    similar[:depth],
                    reason="watched by the same viewers, or about the same things",
                )
            )
    else:
        rows.append(
            _Candidate(
                "popular",
                "Popular on Streamflix",
                "popular",
                _top(scores, discover, depth),
                reason="no history yet: most watched",
            )
        )
    trending = np.flatnonzero(discover & (snapshot.trending > 0))
    trending = trending[np.argsort(-snapshot.trending[trending], kind="stable")][: depth * 2]
    # Trending is what everyone watches now; among those, show this viewer's likeliest first.
    trending_rank = trending[np.argsort(-scores[trending], kind="stable")][:depth]
    rows.append(_Candidate("trending", "Trending Now", "trending", trending_rank, reason="most watched lately"))
    latest_year = int(snapshot.years.max())
    recent = discover & (snapshot.years >= latest_year - NEW_RELEASE_YEARS + 1) & (snapshot.rating_count > 0)
    rows.append(_Candidate("new", "New Releases", "new", _top(scores, recent, depth), reason="the newest titles"))
    for j, genre in enumerate(snapshot.genre_names):
        in_genre = discover & snapshot.genre_matrix[:, j]
        if in_genre.sum() >= MIN_ROW_LENGTH:
            rows.append(
                _Candidate(
                    f"genre:{genre.lower()}",
                    _genre_label(genre),
                    "genre",
                    _top(scores, in_genre, depth),
                    genre=genre,
                    reason=f"{genre} titles",
                )
            )
    return rows


def _genre_label(genre: str) -> str:
    labels = {"Sci-Fi": "Sci-Fi", "Film-Noir": "Film Noir", "Children": "Kids & Family", "IMAX": "Made for IMAX"}
    label = labels.get(genre, genre)
    return label if genre in ("Children", "IMAX") else f"{label} Movies" if genre != "Documentary" else "Documentaries"


def _priority(candidate: _Candidate, snapshot: CatalogSnapshot, viewer: ViewerSignals, context: Context) -> float:
    priority = BASE_PRIORITY[candidate.kind]
    priority += DEVICE_BOOST.get(context.device, {}).get(candidate.kind, 0.0)
    priority += DAYPART_BOOST.get(context.daypart, {}).get(candidate.kind, 0.0)
    if candidate.kind == "genre":
        priority += DAYPART_GENRE_BOOST.get(context.daypart, {}).get(candidate.genre, 0.0)
        if viewer.genre_affinity is not None:
            column = snapshot.genre_names.index(candidate.genre)
            lift = float(np.clip(viewer.genre_affinity[column], -GENRE_AFFINITY_CAP, GENRE_AFFINITY_CAP))
            priority += GENRE_AFFINITY_WEIGHT * lift
    return priority


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
