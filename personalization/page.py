"""The homepage as plain data: what the builder returns and templates, the API and tests read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Context:
    """When and on what the page is viewed; row order and artwork may depend on it."""

    hour: int  # 0-23, local to the site's time zone
    daypart: str  # morning / afternoon / evening / night
    device: str  # desktop / mobile / tablet / tv
    overridden: bool = False  # a tester forced daypart or device

    DAYPARTS = ("morning", "afternoon", "evening", "night")
    DEVICES = ("desktop", "mobile", "tablet", "tv")

    def as_dict(self) -> dict:
        return {"hour": self.hour, "daypart": self.daypart, "device": self.device}


@dataclass(frozen=True)
class Card:
    """One title on the page with the artwork chosen for this viewer."""

    title_id: int
    name: str
    year: int | None
    genres: tuple[str, ...]
    artwork_id: int | None
    theme: str
    image_url: str
    position: int
    match: int | None = None  # predicted "NN% match"
    impression: str = ""  # signed impression token; events refer to it


@dataclass(frozen=True)
class RowPlan:
    """A row before artwork is chosen: which titles, in which order, and why it is on the page."""

    key: str  # stable id: "top-picks", "because:318", "genre:comedy"
    label: str
    kind: str  # top_picks / because / continue / trending / new / genre / popular
    title_ids: tuple[int, ...]
    reason: str = ""


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
    extras: dict = field(default_factory=dict)
