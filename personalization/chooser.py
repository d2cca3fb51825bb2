"""Choosing each card's artwork variant with a bandit policy, for one viewer in one context. Pure.

The chooser maps titles to their active variants (from the catalog snapshot) and asks the pure
bandit (`personalization.bandit`) for one arm per card, with the exact probability the policy had
of picking it; that propensity is logged with the impression. `services.artwork.artwork_chooser`
makes the live one; the simulator passes its own.

Exploration boost: a new variant (`ArtworkVariant.exploring`, e.g. an approved video frame) has no
impressions yet, and the bandit would take a while to try it. On bandit pages a card with exploring
variants shows one of them, uniformly, with probability `exploration_boost` (b), and the bandit's
choice otherwise. The logged propensity stays exact:

    P(arm a) = b * [a explores] / n_exploring + (1 - b) * P_bandit(a)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np

from catalog.snapshot import ArtworkVariant, CatalogSnapshot
from personalization.bandit import PageContext, Policy, PublishedModel, choose_page
from personalization.context import Context
from personalization.page import PlannedArtwork


class ArtworkChoice(NamedTuple):
    """One card's artwork (a named tuple: a page makes ~270 of them, and a frozen dataclass's
    constructor costs five times as much)."""

    variant: ArtworkVariant | None  # None: the title has no active artwork
    propensity: float
    # What it chose among (the title's active variants, in order) and the policy's probability for each:
    # logged with the impression so that another policy can be evaluated on it offline.
    candidates: tuple[int, ...] = ()
    probabilities: tuple[float, ...] = ()


class Chooser(Protocol):
    """What the page builder needs from an artwork policy."""

    policy_name: str
    policy_version: str

    def choose(self, title_ids: list[int]) -> list[ArtworkChoice]: ...


class ChooserFactory(Protocol):
    def __call__(
        self,
        *,
        taste: np.ndarray,
        snapshot: CatalogSnapshot,
        context: Context,
        page_view_id: str,
        policy_name: str | None = None,
    ) -> Chooser: ...


class ArtworkChooser:
    """Chooses artwork for the cards of one page view with a bandit policy."""

    def __init__(
        self,
        snapshot: CatalogSnapshot,
        *,
        policy: Policy,
        model: PublishedModel | None,
        context: PageContext,
        rng: np.random.Generator,
        exploration_boost: float = 0.0,
    ) -> None:
        if not 0.0 <= exploration_boost <= 1.0:
            raise ValueError(f"exploration_boost must be in [0, 1], got {exploration_boost}")
        self.snapshot = snapshot
        self.policy = policy
        self.model = model
        self.context = context
        self.rng = rng
        # Only the bandit is boosted: the uniform control already tries everything, and stays a clean control.
        self.boost = exploration_boost if policy.name == "thompson" else 0.0

    @property
    def policy_name(self) -> str:
        return self.policy.name

    @property
    def policy_version(self) -> str:
        model = self.model.version if self.model is not None and self.policy.name == "thompson" else ""
        rule = f"{self.policy.version}+x{self.boost:g}" if self.boost else self.policy.version
        return f"{rule}@{model}" if model else rule

    def choose(self, title_ids: list[int]) -> list[ArtworkChoice]:
        """One variant per title, with the probability the policy had of showing it."""
        artworks, arms_of = self.snapshot.artworks, self.snapshot.arms
        variants = [artworks.get(t, ()) for t in title_ids]
        with_art = [i for i, v in enumerate(variants) if v]
        choices = [ArtworkChoice(None, 1.0)] * len(title_ids)
        if not with_art:
            return choices
        arms = [arms_of(title_ids[i]) for i in with_art]
        ids = [a.ids for a in arms]
        keys = ids if self.policy.name == "thompson" else None
        picked = choose_page(self.policy, self.model, self.context, [a.themes for a in arms], self.rng, arm_keys=keys)
        chosen, probabilities = picked.chosen.copy(), picked.probabilities.copy()
        if self.boost:
            self._boost_exploring([a.exploring if a.any_exploring else () for a in arms], chosen, probabilities)
        rows = probabilities.tolist()
        for i, arm, row, card_ids in zip(with_art, chosen.tolist(), rows, ids, strict=True):
            choices[i] = ArtworkChoice(variants[i][arm], row[arm], card_ids, tuple(row[: len(card_ids)]))
        return choices

    def _boost_exploring(self, flags: list[tuple[bool, ...]], chosen: np.ndarray, probabilities: np.ndarray) -> None:
        """Mix in the uniform choice among each card's exploring variants (in place): with probability
        `boost` a card with new variants shows one of them, so every arm's probability stays exact.
        `flags[c]`: which of card c's variants explore (empty when none does)."""
        rows = [c for c, card_flags in enumerate(flags) if card_flags]
        explore = self.rng.random(len(rows)) < self.boost
        for r, c in enumerate(rows):
            exploring = np.zeros(probabilities.shape[1])
            exploring[: len(flags[c])] = flags[c]
            if explore[r]:
                chosen[c] = int(self.rng.choice(np.flatnonzero(exploring)))
            probabilities[c] = self.boost * exploring / exploring.sum() + (1.0 - self.boost) * probabilities[c]


def choose_groups(chooser: Chooser, groups: list[list[int]]) -> list[list[ArtworkChoice]]:
    """Artwork for several rows of titles in one call to the chooser (one policy call per page)."""
    flat = chooser.choose([title_id for group in groups for title_id in group])
    out, start = [], 0
    for group in groups:
        out.append(flat[start : start + len(group)])
        start += len(group)
    return out


def planned_choices(
    snapshot: CatalogSnapshot, title_ids: tuple[int, ...], planned: Sequence[PlannedArtwork]
) -> list[ArtworkChoice | None]:
    """The choices a page plan recorded for these titles; None where that variant is no longer active
    (or the plan recorded none), for the caller to choose afresh."""
    if len(planned) != len(title_ids):
        return [None] * len(title_ids)
    choices: list[ArtworkChoice | None] = []
    for title_id, chosen in zip(title_ids, planned, strict=True):
        variants = snapshot.artworks.get(title_id, ())
        if chosen.artwork_id is None:
            choices.append(ArtworkChoice(None, chosen.propensity) if not variants else None)
            continue
        variant = next((v for v in variants if v.artwork_id == chosen.artwork_id), None)
        choices.append(
            ArtworkChoice(variant, chosen.propensity, chosen.candidates, chosen.probabilities) if variant else None
        )
    return choices
