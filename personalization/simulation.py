"""Simulated viewers for `simulate_traffic`: a hidden click truth, the oracle, and the sessions.

The truth is what the policies must discover: a viewer clicks a card with probability
    sigmoid(alpha + beta * affinity[theme] + appeal[theme] - row_decay * row - position_decay * position)
where `affinity` is the viewer's taste for the artwork's theme (their log2 lift over themes, from
their MovieLens history, clipped to +-2) plus hidden per-viewer noise, and `appeal` a hidden global
appeal of each theme. The policies see the viewer's observed taste and the context, never the
noise, the appeal or the formula; the oracle sees everything and shows the best variant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalog.snapshot import CatalogSnapshot
from catalog.themes import THEME_INDEX
from personalization.chooser import ArtworkChoice
from personalization.context import DAYPARTS, DEVICES, Context


@dataclass(frozen=True)
class ClickWorld:
    """The hidden truth. Parameters are documented in the module docstring and in docs/simulation.md."""

    appeal: np.ndarray  # (n_themes,) hidden global appeal of each theme, in logits
    seed: int
    alpha: float = -3.5  # base rate: sigmoid(-3.5) = 2.9% for an average match
    beta: float = 0.9  # logits per unit of taste: a 4x fan clicks ~5x more often
    noise_sd: float = 0.15  # hidden per-viewer, per-theme taste the policies cannot see
    row_decay: float = 0.03  # attention fades down the page...
    position_decay: float = 0.015  # ...and along a row
    title_weight: float = 0.0  # logits per unit of how much the viewer likes the title's genres (0: artwork only)

    @classmethod
    def make(cls, n_themes: int, seed: int, **parameters: float) -> ClickWorld:
        rng = np.random.default_rng([seed, 1])
        return cls(appeal=rng.normal(0.0, 0.25, n_themes), seed=seed, **parameters)

    def affinity(self, profile_id: int, taste: np.ndarray) -> np.ndarray:
        """The viewer's true affinity per theme: observed taste plus their own hidden noise."""
        noise = np.random.default_rng([self.seed, 2, profile_id]).normal(0.0, self.noise_sd, len(taste))
        return np.clip(taste, -2.0, 2.0) + noise

    def click_probability(
        self, affinity: np.ndarray, theme: int, row: int, position: int, relevance: float = 0.0
    ) -> float:
        logit = (
            self.alpha
            + self.beta * affinity[theme]
            + self.appeal[theme]
            + self.title_weight * relevance
            - self.row_decay * row
            - self.position_decay * position
        )
        return float(1.0 / (1.0 + np.exp(-logit)))

    @staticmethod
    def relevance(genre_taste: np.ndarray, title_genres: np.ndarray) -> float:
        """How much a viewer likes a title's genres: their mean lift over them, clipped to +-2."""
        if not title_genres.any():
            return 0.0
        return float(np.clip(genre_taste[title_genres], -2.0, 2.0).mean())


class OracleChooser:
    """Shows every viewer the variant the truth says they are likeliest to click (logged as "oracle")."""

    policy_name = "oracle"
    policy_version = "oracle/1"

    def __init__(self, snapshot: CatalogSnapshot, world: ClickWorld, affinity: np.ndarray) -> None:
        self.snapshot = snapshot
        self.world = world
        self.affinity = affinity

    def choose(self, title_ids: list[int]) -> list[ArtworkChoice]:
        choices = []
        for title_id in title_ids:
            variants = self.snapshot.artworks.get(title_id, ())
            if not variants:
                choices.append(ArtworkChoice(None, 1.0))
                continue
            # Row and position shift every arm of a card alike, so the best theme decides.
            value = [
                self.world.appeal[THEME_INDEX[v.theme]] + self.world.beta * self.affinity[THEME_INDEX[v.theme]]
                for v in variants
            ]
            choices.append(ArtworkChoice(variants[int(np.argmax(value))], 1.0))
        return choices


@dataclass(frozen=True)
class SessionSpec:
    """One viewer's visit, identical under every policy replayed."""

    profile_id: int
    context: Context
    lazy_rows: int  # how many rows below the first screen they scroll to
    seed: int  # their clicks and the policy's draws are seeded from this


def session_specs(profile_ids: list[int], *, sessions: int, seed: int) -> list[SessionSpec]:
    rng = np.random.default_rng([seed, 3])
    dayparts = list(DAYPARTS)
    devices = list(DEVICES)
    specs = []
    for _ in range(sessions):
        daypart = dayparts[rng.integers(len(dayparts))]
        hour = {"morning": 9, "afternoon": 14, "evening": 20, "night": 1}[daypart]
        specs.append(
            SessionSpec(
                profile_id=int(rng.choice(profile_ids)),
                context=Context(hour=hour, daypart=daypart, device=devices[rng.choice(4, p=[0.45, 0.3, 0.1, 0.15])]),
                lazy_rows=int(rng.integers(2, 9)),
                seed=int(rng.integers(2**31)),
            )
        )
    return specs


def windows(clicks: list[int], *, size: int) -> list[float]:
    """CTR in consecutive windows of `size` impressions, from a 0/1 click per impression."""
    series = np.asarray(clicks, dtype=np.float64)
    full = len(series) // size
    return [float(series[i * size : (i + 1) * size].mean()) for i in range(full)]
