"""Choosing each card's artwork: the policy behind the cards, with the propensity it logs."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.selectors import ArtworkVariant, CatalogSnapshot
from personalization.models import Profile
from personalization.page import Context
from personalization.selectors import History


@dataclass(frozen=True)
class ArtworkChoice:
    variant: ArtworkVariant | None
    propensity: float


class ArtworkChooser:
    """Chooses artwork for the cards of one page view, for one viewer in one context."""

    policy_name = "editorial"
    policy_version = "1"

    def __init__(self, snapshot: CatalogSnapshot) -> None:
        self.snapshot = snapshot

    def default_variant(self, title_id: int) -> ArtworkVariant | None:
        variants = self.snapshot.artworks.get(title_id, ())
        return variants[0] if variants else None  # the editor's default sorts first

    def choose(self, title_ids: list[int]) -> list[ArtworkChoice]:
        return [ArtworkChoice(self.default_variant(t), 1.0) for t in title_ids]


def artwork_chooser(
    *, profile: Profile, history: History, snapshot: CatalogSnapshot, context: Context
) -> ArtworkChooser:
    return ArtworkChooser(snapshot)
