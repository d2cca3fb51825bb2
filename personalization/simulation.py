"""Simulated viewers for `simulate_traffic`: a hidden click truth, the oracle, and the sessions.

The truth is what the policies must discover: a viewer clicks a card with probability
    sigmoid(alpha + beta * affinity[theme] + appeal[theme] - row_decay * row - position_decay * position)
where `affinity` is the viewer's taste for the artwork's theme (their log2 lift over themes, from
their MovieLens history, clipped to +-2) plus hidden per-viewer noise, and `appeal` a hidden global
appeal of each theme. The policies see the viewer's observed taste and the context, never the
noise, the appeal or the formula; the oracle sees everything and shows the best variant.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from catalog.snapshot import CatalogSnapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.chooser import ArtworkChoice
from personalization.context import DAYPARTS, DEVICES, Context

WORLD_KEYS: dict[str, str] = {
    "alpha": "base logit (-3.5: 2.9% for an average match)",
    "beta": "logits per unit of the viewer's affinity for the artwork's theme",
    "noise_sd": "sd of the hidden per-viewer, per-theme taste the policies cannot see",
    "taste_shape": "linear (beta * a), saturating (beta * tanh(a)) or threshold (beta * max(a - 0.5, 0))",
    "theme_appeal_sd": "sd of each theme's hidden global appeal",
    "variant_quality_sd": "sd of each artwork variant's hidden quality (some pictures are simply better)",
    "theme_daypart_sd": "sd of a per (theme, daypart) effect",
    "theme_device_sd": "sd of a per (theme, device) effect",
    "theme_genre_sd": "sd of a per (artwork theme, title's first genre) effect",
    "row_decay": "logit lost per row down the page",
    "position_decay": "logit lost per position along a row: a number or an object by device",
    "fatigue": "logit lost per earlier impression of the same variant to the same viewer",
    "novelty": "logit gained the first time a viewer is shown a variant",
    "drift_sd": "sd of the random walk of theme appeal per 1,000 sessions",
    "click_delay_sessions": "clicks (and their plays) reach the log up to this many sessions later",
    "play_given_click": "probability of Play after a click",
    "variant_play_sd": "sd of each variant's shift of the play probability after a click, in logits",
    "variant_play_corr": "correlation of a variant's play shift with its quality (< 0: clickbait)",
    "theme_play_sd": "sd of each theme's shift of the play probability after a click, in logits",
    "theme_play_corr": "correlation of a theme's play shift with its appeal (< 0: clickbait themes)",
    "quality_given_play": "probability a play lasts (a quality play, >= 70% watched)",
    "cards_seen": "object by device: cards of a row on screen (null: every card is seen)",
    "row_scroll_p": "chance a viewer scrolls a row sideways to the next screenful (again and again)",
    "row_interest": "object: kind_device_sd, genre_daypart_sd, genre_device_sd, taste_weight",
    "title_weight": "logits per unit of how much the viewer likes a title's genres",
    "seed": "the world's own draws (default: the sessions' --seed)",
    "name": "a label for reports",
    "description": "free text",
}
ROW_INTEREST_KEYS = ("kind_device_sd", "genre_daypart_sd", "genre_device_sd", "taste_weight")
TASTE_SHAPES = ("linear", "saturating", "threshold")
DRIFT_BLOCK = 1000  # the drift walk is drawn in blocks of this many sessions (a prefix never changes)


def stable_key(*parts: object) -> int:
    """A 63-bit integer from parts (names, MovieLens ids): the same on every machine and database."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


@dataclass(frozen=True)
class ClickWorld:
    """The hidden truth, loaded from a world file (`world_load`) or made with today's defaults.

    Every key is documented in WORLD_KEYS and docs/simulation.md. Per-theme draws index ALL_THEMES'
    fixed order; per-variant, per-genre and per-viewer draws are seeded by `stable_key` of names
    and MovieLens ids, so they depend on the world's seed and file only.
    """

    appeal: np.ndarray  # (n_themes,) hidden global appeal of each theme, in logits
    seed: int
    alpha: float = -3.5  # base rate: sigmoid(-3.5) = 2.9% for an average match
    beta: float = 0.9  # logits per unit of taste: a 4x fan clicks ~5x more often
    noise_sd: float = 0.15  # hidden per-viewer, per-theme taste the policies cannot see
    row_decay: float = 0.03  # attention fades down the page...
    position_decay: float | dict = 0.015  # ...and along a row (a number, or by device)
    title_weight: float = 0.0  # logits per unit of how much the viewer likes the title's genres (0: artwork only)
    taste_shape: str = "linear"
    variant_quality_sd: float = 0.0
    theme_daypart: np.ndarray | None = None  # (n_themes, n_dayparts)
    theme_device: np.ndarray | None = None  # (n_themes, n_devices)
    theme_genre_sd: float = 0.0
    fatigue: float = 0.0
    novelty: float = 0.0
    drift_sd: float = 0.0
    click_delay_sessions: int = 0
    play_given_click: float = 0.35
    variant_play_sd: float = 0.0
    variant_play_corr: float = 0.0
    theme_play: np.ndarray | None = None  # (n_themes,) logit shift of P(Play | click) per theme
    quality_given_play: float = 0.6
    cards_seen: dict | None = None  # by device; None: every card is seen
    row_scroll_p: float = 0.0
    row_interest: dict = field(default_factory=dict)
    name: str = "default"
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def make(cls, n_themes: int, seed: int, *, theme_appeal_sd: float = 0.25, **parameters) -> ClickWorld:
        rng = np.random.default_rng([seed, 1])
        appeal = rng.normal(0.0, theme_appeal_sd, n_themes)
        context_sd = {k: parameters.pop(k, 0.0) for k in ("theme_daypart_sd", "theme_device_sd")}
        rng = np.random.default_rng([seed, 4])
        theme_daypart = rng.normal(0.0, context_sd["theme_daypart_sd"], (n_themes, len(DAYPARTS)))
        theme_device = rng.normal(0.0, context_sd["theme_device_sd"], (n_themes, len(DEVICES)))
        play_sd, rho = parameters.pop("theme_play_sd", 0.0), parameters.pop("theme_play_corr", 0.0)
        theme_play = None
        if play_sd:  # correlated with the theme's appeal: rho < 0 makes the most clicked themes abandoned
            z = np.random.default_rng([seed, 8]).standard_normal(n_themes)
            standard = appeal / theme_appeal_sd if theme_appeal_sd else np.zeros(n_themes)
            theme_play = play_sd * (rho * standard + np.sqrt(max(1.0 - rho * rho, 0.0)) * z)
        return cls(
            appeal=appeal,
            seed=seed,
            theme_daypart=theme_daypart,
            theme_device=theme_device,
            theme_play=theme_play,
            **parameters,
        )

    # The viewer -------------------------------------------------------------------------------

    def affinity(self, profile_key: int, taste: np.ndarray) -> np.ndarray:
        """The viewer's true affinity per theme: observed taste plus their own hidden noise."""
        noise = np.random.default_rng([self.seed, 2, profile_key]).normal(0.0, self.noise_sd, len(taste))
        return np.clip(taste, -2.0, 2.0) + noise

    def taste_effect(self, affinity: np.ndarray | float) -> np.ndarray | float:
        """beta * shape(affinity): what a viewer's affinity for a theme is worth, in logits."""
        if self.taste_shape == "saturating":
            return self.beta * np.tanh(affinity)
        if self.taste_shape == "threshold":
            return self.beta * np.maximum(np.asarray(affinity) - 0.5, 0.0)
        return self.beta * np.asarray(affinity)

    # What an artwork variant is worth, apart from attention -------------------------------------

    def appeal_at(self, session: int) -> np.ndarray:
        """Theme appeal after `session` sessions of drift (a random walk, sd drift_sd per 1,000)."""
        if not self.drift_sd:
            return self.appeal
        block, within = divmod(session, DRIFT_BLOCK)
        start = self.appeal + sum((self._drift_block(b)[-1] for b in range(block)), np.zeros(len(self.appeal)))
        return start + (self._drift_block(block)[within - 1] if within else 0.0)

    def _drift_block(self, block: int) -> np.ndarray:
        """Cumulative drift within one block of sessions, (DRIFT_BLOCK, n_themes)."""
        key = ("drift", block)
        if key not in self._memo:
            steps = np.random.default_rng([self.seed, 7, block]).normal(
                0.0, self.drift_sd / np.sqrt(DRIFT_BLOCK), (DRIFT_BLOCK, len(self.appeal))
            )
            self._memo[key] = np.cumsum(steps, axis=0)
        return self._memo[key]

    def variant_draws(self, variant_key: tuple) -> tuple[float, float]:
        """A variant's hidden (quality, play shift) in logits, from its stable key (title, theme)."""
        memo = self._memo.setdefault("variants", {})
        if variant_key not in memo:
            z = np.random.default_rng([self.seed, 5, stable_key(*variant_key)]).standard_normal(2)
            rho = self.variant_play_corr
            play = rho * z[0] + np.sqrt(max(1.0 - rho * rho, 0.0)) * z[1]
            memo[variant_key] = (float(self.variant_quality_sd * z[0]), float(self.variant_play_sd * play))
        return memo[variant_key]

    def theme_genre(self, theme: int, genre: str) -> float:
        if not self.theme_genre_sd or not genre:
            return 0.0
        return self._keyed_normal(("theme_genre", theme, genre), self.theme_genre_sd, 6)

    def row_effect(self, kind: str, genre: str, daypart: str, device: str) -> float:
        """The hidden engagement effect of a row (its kind, or its genre) in a context, in logits."""
        ri = self.row_interest
        effect = 0.0
        if ri.get("kind_device_sd"):
            effect += self._keyed_normal(("kind_device", kind, device), ri["kind_device_sd"], 8)
        if genre and ri.get("genre_daypart_sd"):
            effect += self._keyed_normal(("genre_daypart", genre, daypart), ri["genre_daypart_sd"], 9)
        if genre and ri.get("genre_device_sd"):
            effect += self._keyed_normal(("genre_device", genre, device), ri["genre_device_sd"], 10)
        return effect

    def _keyed_normal(self, key: tuple, sd: float, stream: int) -> float:
        memo = self._memo.setdefault("keyed", {})
        if key not in memo:
            memo[key] = float(np.random.default_rng([self.seed, stream, stable_key(*key)]).standard_normal())
        return sd * memo[key]

    def variant_value(
        self,
        affinity: np.ndarray,
        theme: int,
        *,
        variant_key: tuple = (),
        daypart: str = "evening",
        device: str = "desktop",
        genre: str = "",
        session: int = 0,
        shown_before: int | None = None,
    ) -> float:
        """Everything in a card's click logit that depends on its artwork (no attention, no base)."""
        value = float(self.appeal_at(session)[theme] + self.taste_effect(affinity[theme]))
        if variant_key and self.variant_quality_sd:
            value += self.variant_draws(variant_key)[0]
        if self.theme_daypart is not None:
            value += float(self.theme_daypart[theme, DAYPARTS.index(daypart)])
        if self.theme_device is not None:
            value += float(self.theme_device[theme, DEVICES.index(device)])
        value += self.theme_genre(theme, genre)
        if shown_before is not None:
            value += self.novelty if shown_before == 0 else -self.fatigue * shown_before
        return value

    def attention(self, row: int, position: int, device: str = "desktop") -> float:
        decay = self.position_decay
        if isinstance(decay, dict):
            decay = decay.get(device, 0.0)
        return -self.row_decay * row - decay * position

    def click_probability(
        self, affinity: np.ndarray, theme: int, row: int, position: int, relevance: float = 0.0, **context
    ) -> float:
        """sigmoid(alpha + variant_value + title_weight * relevance + attention); `context` as variant_value."""
        device = context.get("device", "desktop")
        logit = (
            self.alpha
            + self.variant_value(affinity, theme, **context)
            + self.title_weight * relevance
            + self.attention(row, position, device)
        )
        return float(1.0 / (1.0 + np.exp(-logit)))

    def play_probability(self, variant_key: tuple = (), *, with_variant: bool = True) -> float:
        """P(Play | click) for a variant (title key, theme name): play_given_click shifted by the variant's
        and its theme's hidden play shifts (clickbait: clicked, then abandoned). `with_variant=False`
        leaves the variant's own shift out (its theme's stays)."""
        shift = 0.0
        if self.variant_play_sd and variant_key and with_variant:
            shift += self.variant_draws(variant_key)[1]
        if self.theme_play is not None and len(variant_key) > 1 and variant_key[1] in THEME_INDEX:
            shift += float(self.theme_play[THEME_INDEX[variant_key[1]]])
        if not shift:
            return self.play_given_click
        base = np.log(self.play_given_click / (1.0 - self.play_given_click))
        return float(1.0 / (1.0 + np.exp(-(base + shift))))

    def seen_cards(self, device: str, rng: np.random.Generator) -> int | None:
        """How many cards of a row this viewer sees: a screenful, and more while they scroll sideways."""
        if self.cards_seen is None:
            return None
        per_screen = int(self.cards_seen.get(device, max(self.cards_seen.values())))
        screens = 1
        while screens < 50 and rng.random() < self.row_scroll_p:
            screens += 1
        return per_screen * screens

    def expected_over_variant(self, click_p: float, play_p: float | None) -> float:
        """E[reward] of a variant whose own hidden draws are unknown: the click probability `click_p` and
        P(play | click) `play_p` (None: the reward is the click) given everything else, averaged over
        the variant's (quality, play shift) prior, N(0, sd) each with their correlation (10 x 10
        Gauss-Hermite nodes). What an oracle that knows the world but not the variants can expect."""
        q_sd, p_sd, rho = self.variant_quality_sd, self.variant_play_sd, self.variant_play_corr
        z0, z1, w = _GAUSS_HERMITE_2D
        click = 1.0 / (1.0 + np.exp(-(_logit(click_p) + q_sd * z0)))
        if play_p is None:
            return float(w @ click)
        shift = p_sd * (rho * z0 + np.sqrt(max(1.0 - rho * rho, 0.0)) * z1)
        play = 1.0 / (1.0 + np.exp(-(_logit(play_p) + shift)))
        return float(w @ (click * play))

    @staticmethod
    def relevance(genre_taste: np.ndarray, title_genres: np.ndarray) -> float:
        """How much a viewer likes a title's genres: their mean lift over them, clipped to +-2."""
        if not title_genres.any():
            return 0.0
        return float(np.clip(genre_taste[title_genres], -2.0, 2.0).mean())


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    return float(np.log(p / (1.0 - p)))


def _gauss_hermite_2d(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (z0, z1) and weights of E[f(Z0, Z1)] for independent standard normals."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(n)
    weights = weights / weights.sum()
    z0, z1 = np.meshgrid(nodes, nodes, indexing="ij")
    return z0.ravel(), z1.ravel(), np.outer(weights, weights).ravel()


_GAUSS_HERMITE_2D = _gauss_hermite_2d(10)


def world_load(path: str | Path, *, default_seed: int, n_themes: int | None = None, **overrides) -> ClickWorld:
    """A world from a JSON file (see WORLD_KEYS); unknown keys or bad values raise ValueError saying which."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"cannot read world file {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise ValueError(f"world file {path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"world file {path} must hold a JSON object of world keys")
    return world_from_dict({**data, **overrides}, default_seed=default_seed, n_themes=n_themes, source=str(path))


def world_from_dict(data: dict, *, default_seed: int, n_themes: int | None = None, source: str = "world") -> ClickWorld:
    unknown = sorted(set(data) - set(WORLD_KEYS))
    if unknown:
        raise ValueError(f"{source}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(WORLD_KEYS)}")
    data = dict(data)
    name = str(data.pop("name", Path(source).stem))
    data.pop("description", None)
    seed = data.pop("seed", default_seed)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"{source}: seed must be a non-negative integer, got {seed!r}")

    def number(key: str, low: float = -np.inf, high: float = np.inf) -> None:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise ValueError(f"{source}: {key} must be a number in [{low}, {high}], got {value!r}")
            data[key] = float(value)

    for key in ("alpha", "beta", "row_decay", "fatigue", "novelty", "title_weight"):
        number(key, -20.0, 20.0)
    for key in (
        "noise_sd", "theme_appeal_sd", "variant_quality_sd", "theme_daypart_sd", "theme_device_sd",
        "theme_genre_sd", "drift_sd", "variant_play_sd", "theme_play_sd",
    ):  # fmt: skip
        number(key, 0.0, 10.0)
    for key in ("play_given_click", "quality_given_play"):
        number(key, 1e-6, 1.0 - 1e-6)
    number("variant_play_corr", -1.0, 1.0)
    number("theme_play_corr", -1.0, 1.0)
    number("row_scroll_p", 0.0, 0.95)
    if "click_delay_sessions" in data:
        delay = data["click_delay_sessions"]
        if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= 1000:
            raise ValueError(f"{source}: click_delay_sessions must be an integer in [0, 1000], got {delay!r}")
    if data.get("taste_shape", "linear") not in TASTE_SHAPES:
        raise ValueError(f"{source}: taste_shape must be one of {', '.join(TASTE_SHAPES)}, got {data['taste_shape']!r}")
    if "position_decay" in data:
        data["position_decay"] = _by_device(data["position_decay"], "position_decay", source, number=True)
    if data.get("cards_seen") is not None:
        data["cards_seen"] = _by_device(data["cards_seen"], "cards_seen", source, number=False)
    if "row_interest" in data:
        interest = data["row_interest"]
        if not isinstance(interest, dict):
            raise ValueError(f"{source}: row_interest must be an object with keys {', '.join(ROW_INTEREST_KEYS)}")
        bad = sorted(set(interest) - set(ROW_INTEREST_KEYS))
        if bad:
            raise ValueError(
                f"{source}: unknown row_interest key(s) {', '.join(bad)}; known keys: {', '.join(ROW_INTEREST_KEYS)}"
            )
        for key, value in interest.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
                raise ValueError(f"{source}: row_interest.{key} must be a number in [0, 10], got {value!r}")
        data["row_interest"] = {k: float(v) for k, v in interest.items()}

    return ClickWorld.make(n_themes or len(ALL_THEMES), seed, name=name, **data)


def _by_device(value, key: str, source: str, *, number: bool):
    if number and not isinstance(value, dict):
        if isinstance(value, bool) or not isinstance(value, int | float) or not -10 <= value <= 10:
            raise ValueError(f"{source}: {key} must be a number or an object by device, got {value!r}")
        return float(value)
    if not isinstance(value, dict) or not value:
        raise ValueError(f"{source}: {key} must be an object by device ({', '.join(DEVICES)}), got {value!r}")
    bad = sorted(set(value) - set(DEVICES))
    if bad:
        raise ValueError(f"{source}: {key} has unknown device(s) {', '.join(bad)}; devices: {', '.join(DEVICES)}")
    out = {}
    for device, v in value.items():
        if number:
            ok = not isinstance(v, bool) and isinstance(v, int | float) and -10 <= v <= 10
        else:
            ok = not isinstance(v, bool) and isinstance(v, int) and 1 <= v <= 100
        if not ok:
            kind = "a number in [-10, 10]" if number else "an integer in [1, 100]"
            raise ValueError(f"{source}: {key}.{device} must be {kind}, got {v!r}")
        out[device] = float(v) if number else int(v)
    return out


class OracleChooser:
    """Shows every viewer the variant the truth says is best for them (logged as "oracle").

    `score(title_id, variant)` is what it maximises (the simulator passes the probability of the
    reward being optimised, with every hidden effect); by default the theme's appeal and the
    viewer's taste effect, the part of the click logit that differs between a card's variants.
    """

    policy_name = "oracle"
    policy_version = "oracle/1"

    def __init__(
        self, snapshot: CatalogSnapshot, world: ClickWorld, affinity: np.ndarray, score=None, *, name: str = "oracle"
    ) -> None:
        self.policy_name, self.policy_version = name, f"{name}/1"
        self.snapshot = snapshot
        self.world = world
        self.affinity = affinity
        self.score = score or (
            lambda title_id, v: world.appeal[THEME_INDEX[v.theme]] + world.taste_effect(affinity[THEME_INDEX[v.theme]])
        )

    def choose(self, title_ids: list[int]) -> list[ArtworkChoice]:
        choices = []
        for title_id in title_ids:
            variants = self.snapshot.artworks.get(title_id, ())
            if not variants:
                choices.append(ArtworkChoice(None, 1.0))
                continue
            value = [self.score(title_id, v) for v in variants]
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
