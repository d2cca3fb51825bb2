"""The homepage as plain data: what the builder returns, and the plan it keeps for lazy rows. Pure.

`Page` is what templates, the API and tests read. `PagePlan` is what a page view leaves behind in
the cache so that its lazy rows, fetched later, show what was decided when the page was built: the
rows, each card's artwork choice and propensity, the badges. It is stored as a plain dict with a
format version: a plan written by another release (an open tab across a deploy) reads as expired.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from catalog.snapshot import ArtworkVariant, CatalogSnapshot
from personalization.context import Context
from personalization.why import artwork_why
from streamflix.errors import Gone, NotFound

PAGE_PLAN_VERSION = 5  # 5: the row order's policy, log-propensity and row inputs
PAGE_PLAN_TTL = 3 * 3600  # seconds a page view's plan (and its cards' impression tokens) stay valid
FIRST_SCREEN_ROWS = 4  # rows built with the page; the rest load as the viewer scrolls to them
# The site fetches lazy rows this many at a time: the first of them scrolling into view asks for the
# group (one request, one impressions batch, one plan read instead of one of each per row).
LAZY_ROWS_PER_FETCH = 5
HERO_ROW = -1  # the billboard's row index in the plan; it has no row of its own on the page


def impression_id(page_view_id: str, row_index: int, position: int) -> uuid.UUID:
    """The id of the card at (row, position) of a page view: the same every time it is rendered, so a
    row fetched again logs nothing new. The page view's random 128 bits with the low 32 replaced by
    the card's place (96 random bits stay: ids of different page views do not collide)."""
    place = ((row_index - HERO_ROW) & 0xFFFF) << 16 | (position & 0xFFFF)
    return uuid.UUID(int=(int(page_view_id, 16) & ~0xFFFFFFFF) | place)


class PageExpired(Gone):
    """The lazy row's page plan is gone, from another release, or another profile's: reload the page."""

    template = "personalization/partials/row_expired.html"

    def __init__(self, message: str = "This page view has expired; reload the page.") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Card:
    """One title on the page with the artwork chosen for this viewer."""

    title_id: int
    name: str
    year: int | None
    genres: tuple[str, ...]
    artwork_id: int | None  # None: the title has no artwork in service (a generated default card shows)
    theme: str
    image_url: str
    position: int
    match: int | None = None  # predicted "NN% match"
    impression: str = ""  # signed impression token; events refer to it
    painted: bool = True  # the title is painted on the image (the caption need not repeat it)
    why: str = ""  # why this artwork, for testers (personalization.why)
    progress: float | None = None  # Continue Watching: how far the viewer got (0-1)
    rank: int | None = None  # Top 10: the chart position (1-10)

    @classmethod
    def of(
        cls,
        snapshot: CatalogSnapshot,
        index: int,
        variant: ArtworkVariant | None,
        *,
        position: int,
        hero: bool = False,
        match: int | None = None,
        impression: str = "",
        why: str = "",
        progress: float | None = None,
        rank: int | None = None,
    ) -> Card:
        """The card of the title at snapshot position `index`, showing `variant` (billboard-sized for the
        hero), or the title's generated default card when it has no artwork in service."""
        title_id = int(snapshot.title_ids[index])
        if variant is not None:
            image_url = variant.hero_url if hero else variant.card_url
        else:
            image_url = snapshot.default_art_url(title_id, hero=hero)
        return cls(
            title_id=title_id,
            name=snapshot.names[index],
            year=int(snapshot.years[index]) or None,
            genres=snapshot.genres_of(index),
            artwork_id=variant.artwork_id if variant else None,
            theme=variant.theme if variant else "",
            image_url=image_url,
            position=position,
            match=match,
            impression=impression,
            painted=variant.painted if variant else True,
            why=why,
            progress=progress,
            rank=rank,
        )


@dataclass(frozen=True)
class RowPlan:
    """A row before artwork is chosen: which titles, in which order, and why it is on the page."""

    key: str  # stable id: "top-picks", "because:318", "genre:comedy"
    label: str
    kind: str  # top_picks / because / continue / my_list / trending / new / genre / popular
    title_ids: tuple[int, ...]
    reason: str = ""
    teams: tuple[str, ...] = ()  # interleaving: the ranker ("A"/"B") that drafted each title


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    kind: str
    index: int
    cards: tuple[Card, ...] = ()
    lazy: bool = False  # not rendered yet: the page fetches it when scrolled into view
    reason: str = ""


@dataclass(frozen=True)
class Page:
    page_view_id: str
    profile_id: int
    context: Context
    hero: Card | None
    rows: tuple[Row, ...]
    model_version: str = ""
    onboarding: bool = False  # the profile has no history yet: offer "pick three titles"
    onboarding_cards: tuple[Card, ...] = ()

    @property
    def built_rows(self) -> tuple[Row, ...]:
        """The rows rendered with the page (the first screen)."""
        return tuple(row for row in self.rows if not row.lazy)

    @property
    def lazy_groups(self) -> list[tuple[Row, ...]]:
        """The lazy rows as the page fetches them: runs of consecutive rows, LAZY_ROWS_PER_FETCH at a time."""
        groups: list[tuple[Row, ...]] = []
        run: list[Row] = []
        for row in self.rows:
            if row.lazy and run and (row.index != run[-1].index + 1 or len(run) == LAZY_ROWS_PER_FETCH):
                groups.append(tuple(run))
                run = []
            if row.lazy:
                run.append(row)
        return [*groups, tuple(run)] if run else groups

    def themes_shown(self) -> list[tuple[str, int, float]]:
        """The artwork themes of the cards built now (the billboard and the first rows): (theme, how many
        cards, that count as a share of the most shown theme's), most shown first."""
        counts: dict[str, int] = {}
        cards = ([self.hero] if self.hero else []) + [card for row in self.rows for card in row.cards]
        for card in cards:
            theme = card.theme or "default card"
            counts[theme] = counts.get(theme, 0) + 1
        most = max(counts.values(), default=1)
        return [(theme, n, n / most) for theme, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


@dataclass(frozen=True)
class PlannedArtwork:
    """The artwork decided for one card when the page was built (None: the title had none), with what
    the policy chose among and its probability for each (logged when the card is shown)."""

    artwork_id: int | None
    propensity: float
    candidates: tuple[int, ...] = ()
    probabilities: tuple[float, ...] = ()


class StoredArtwork(Mapping[int, tuple[PlannedArtwork, ...]]):
    """A stored plan's artwork by row, read a row at a time: a lazy row needs its own ~20 cards, not
    the page's ~280. A damaged row reads as an expired page, as a damaged plan does."""

    def __init__(self, rows: dict[int, list]) -> None:
        self._raw = rows
        self._read: dict[int, tuple[PlannedArtwork, ...]] = {}

    def __getitem__(self, index: int) -> tuple[PlannedArtwork, ...]:
        if index not in self._read:
            row = self._raw[index]  # KeyError: no such row (`get` gives its default)
            try:
                self._read[index] = tuple(
                    PlannedArtwork(artwork_id, propensity, tuple(candidates), tuple(probabilities))
                    for artwork_id, propensity, candidates, probabilities in row
                )
            except (TypeError, ValueError):
                raise PageExpired() from None
        return self._read[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass(frozen=True)
class PagePlan:
    """Everything a lazy row of this page view needs later, decided once when the page was built."""

    page_view_id: str
    profile_id: int
    context: Context
    policy: str  # the artwork policy of this page view
    policy_version: str
    model_label: str  # the recommender version that ranked the rows ("" without one)
    taste: tuple[float, ...]  # the viewer's theme taste, for a card whose artwork must be chosen again
    rows: tuple[RowPlan, ...]
    experiments: str = ""  # ';name=variant;' of the running experiments this page view is in
    simulated: bool = False  # the traffic simulator's, not a person's
    artwork: Mapping[int, tuple[PlannedArtwork, ...]] = field(default_factory=dict)  # lazy rows' choices
    matches: dict[int, int] = field(default_factory=dict)  # title id -> "NN% match"
    progress: dict[int, float] = field(default_factory=dict)  # title id -> how far into it (Continue Watching)
    # The row order (row_order.RowOrdering), logged with the page view by whichever of its batches lands first.
    row_order_policy: str = ""
    row_order_log_propensity: float = 0.0
    row_inputs: tuple = ()  # per candidate in the hook's order: [kind, genre, lift, rules, row index or None]

    def row(self, index: int) -> RowPlan:
        if not 0 <= index < len(self.rows):
            raise NotFound(f"This page has rows 0-{len(self.rows) - 1}, not {index}.", code="no_such_row")
        return self.rows[index]

    def card(
        self,
        snapshot: CatalogSnapshot,
        index: int,
        row_index: int,
        position: int,
        variant: ArtworkVariant | None,
        propensity: float,
        impression: str,
    ) -> Card:
        """The card of the title at snapshot position `index`, at (row, position) of this page view, with
        what the plan knows of it: its match, why its artwork, its progress or chart rank."""
        title_id = int(snapshot.title_ids[index])
        kind = self.rows[row_index].kind if row_index != HERO_ROW else ""
        why = artwork_why(
            theme=variant.theme if variant else "",
            taste=self.taste,
            propensity=propensity,
            policy=self.policy,
            exploring=bool(variant and variant.exploring),
            context=self.context,
        )
        return Card.of(
            snapshot,
            index,
            variant,
            position=position,
            hero=row_index == HERO_ROW,
            match=self.matches.get(title_id),
            impression=impression,
            why=why,
            progress=self.progress.get(title_id) if kind == "continue" else None,
            rank=position + 1 if kind == "top10" else None,
        )

    def to_dict(self) -> dict:
        return {
            "v": PAGE_PLAN_VERSION,
            "page_view_id": self.page_view_id,
            "profile_id": self.profile_id,
            "context": self.context.as_dict(),
            "policy": self.policy,
            "policy_version": self.policy_version,
            "model_label": self.model_label,
            "taste": list(self.taste),
            "rows": [[r.key, r.label, r.kind, list(r.title_ids), r.reason, list(r.teams)] for r in self.rows],
            "experiments": self.experiments,
            "simulated": self.simulated,
            "artwork": {
                str(i): [[a.artwork_id, a.propensity, list(a.candidates), list(a.probabilities)] for a in row]
                for i, row in self.artwork.items()
            },
            "matches": {str(t): m for t, m in self.matches.items()},
            "progress": {str(t): p for t, p in self.progress.items()},
            "row_order": [self.row_order_policy, self.row_order_log_propensity, [list(r) for r in self.row_inputs]],
        }

    @classmethod
    def from_dict(cls, data: object) -> PagePlan:
        """The stored plan, or PageExpired if it is missing or was written in another format."""
        if not isinstance(data, dict) or data.get("v") != PAGE_PLAN_VERSION:
            raise PageExpired()
        try:
            return cls._read(data)
        except (KeyError, TypeError, ValueError):  # damaged: as good as gone
            raise PageExpired() from None

    @classmethod
    def _read(cls, data: dict) -> PagePlan:
        return cls(
            page_view_id=data["page_view_id"],
            profile_id=data["profile_id"],
            context=Context(**data["context"]),
            policy=data["policy"],
            policy_version=data["policy_version"],
            model_label=data["model_label"],
            taste=tuple(data["taste"]),
            rows=tuple(
                RowPlan(key, label, kind, tuple(ids), reason, tuple(teams))
                for key, label, kind, ids, reason, teams in data["rows"]
            ),
            experiments=data["experiments"],
            simulated=data["simulated"],
            artwork=StoredArtwork({int(i): row for i, row in data["artwork"].items()}),
            matches={int(t): m for t, m in data["matches"].items()},
            progress={int(t): float(p) for t, p in data["progress"].items()},
            row_order_policy=data["row_order"][0],
            row_order_log_propensity=float(data["row_order"][1]),
            row_inputs=tuple(tuple(r) for r in data["row_order"][2]),
        )
