"""Choosing one artwork arm per card of a page, with the exact propensity of each choice.

Three policies share one interface: "thompson" (the bandit, with an exploration floor), "uniform"
(a random arm, the cleanest logging policy for offline evaluation) and "editorial" (always the
card's first arm, the editor's default). Every choice is logged with the probability with which
the policy picks that arm, so any of them can later be evaluated from another's logs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from personalization.bandit.model import PublishedModel
from personalization.bandit.params import BanditParams
from personalization.bandit.quadrature import win_probabilities
from personalization.bandit.variants import ArmModel
from personalization.context import DAYPARTS, DEVICES

POLICY_NAMES: tuple[str, ...] = ("thompson", "uniform", "editorial")


@dataclass(frozen=True)
class PageContext:
    """What every card of one page shares: the viewer's taste and when/where they look."""

    taste: np.ndarray  # (n_themes,) log2 lift per theme, 0 = average
    daypart: int  # index into context.DAYPARTS
    device: int  # index into context.DEVICES

    @classmethod
    def from_labels(cls, taste: np.ndarray, *, daypart: str, device: str) -> PageContext:
        """From the site's labels ("evening", "tv"), as `personalization.context.Context` has them."""
        if daypart not in DAYPARTS or device not in DEVICES:
            raise ValueError(f"unknown daypart {daypart!r} or device {device!r}")
        return cls(taste=np.asarray(taste), daypart=DAYPARTS.index(daypart), device=DEVICES.index(device))


@dataclass(frozen=True)
class Policy:
    """A named decision rule and its parameters; `version` names the rule for the impression log."""

    name: str
    params: BanditParams = field(default_factory=BanditParams)

    def __post_init__(self) -> None:
        if self.name not in POLICY_NAMES:
            raise ValueError(f"unknown policy {self.name!r}; expected one of {POLICY_NAMES}")

    @property
    def version(self) -> str:
        if self.name != "thompson":
            return f"{self.name}/1"
        return f"thompson/1:v={self.params.v:g},eps={self.params.epsilon:g}"


@dataclass(frozen=True)
class PageChoice:
    """The arm chosen for each card (index into that card's arms) and its propensity."""

    chosen: np.ndarray  # (n_cards,) int64
    propensity: np.ndarray  # (n_cards,) float64, P(policy picks `chosen` | context, card)
    probabilities: np.ndarray  # (n_cards, max_arms): P(policy picks each arm), 0 past a card's arms
    policy: str
    policy_version: str
    model_version: str | None = None  # the published model the choice used, if any


@dataclass(frozen=True)
class _Page:
    """Cards flattened once per call: arm themes padded to (n_cards, max_arms)."""

    themes: np.ndarray  # (n_cards, width) theme index; padding holds 0, see `mask`
    lengths: np.ndarray  # (n_cards,) arms per card
    mask: np.ndarray  # (n_cards, width) True where a card has that arm


def choose_page(
    policy: Policy,
    model: PublishedModel | ArmModel | None,
    context: PageContext,
    cards: list[np.ndarray],
    rng: np.random.Generator,
    arm_keys: list[tuple[int, ...]] | None = None,
) -> PageChoice:
    """Pick an arm for every card of one page and report the exact propensity of each pick.

    `cards[c]` lists card c's arms as theme indices, in the card's variant order (arm 0 is the
    editor's default); `chosen[c]` indexes into it. With an `ArmModel` (per-variant scores),
    `arm_keys[c]` names card c's arms (artwork ids) in the same order.
    """
    page = _flatten(cards, _n_themes(policy, model, context))
    n_cards = len(page.lengths)
    if policy.name == "thompson" and isinstance(model, ArmModel) and model.per_variant:
        return _choose_by_variant(policy, model, context, page, arm_keys, rng)
    posterior = _theme_posterior(model, context, policy.params) if policy.name == "thompson" else None
    if policy.name == "editorial":
        chosen = np.zeros(n_cards, dtype=np.int64)
    elif policy.name == "uniform":
        chosen = _uniform_pick(page.lengths, rng)
    else:
        chosen = _thompson_pick(page, *posterior, policy.params.epsilon, rng)
    probabilities = _probabilities(policy, page, posterior)
    return PageChoice(
        chosen=chosen,
        propensity=probabilities[np.arange(n_cards), chosen],
        probabilities=probabilities,
        policy=policy.name,
        policy_version=policy.version + ("+stages" if isinstance(model, ArmModel) and posterior is not None else ""),
        model_version=model.version if posterior is not None else None,
    )


def _choose_by_variant(
    policy: Policy, model: ArmModel, context: PageContext, page: _Page, arm_keys, rng: np.random.Generator
) -> PageChoice:
    """Thompson sampling on every arm's own score (ArmModel), with exact win probabilities per card."""
    means, sds = _variant_posterior(policy, model, context, page, arm_keys)
    scores = means + sds * rng.standard_normal(means.shape)
    scores[~page.mask] = -np.inf
    chosen = np.argmax(scores, axis=1)
    explore = rng.random(len(chosen)) < policy.params.epsilon
    chosen[explore] = _uniform_pick(page.lengths[explore], rng)
    probabilities = _variant_probabilities(page, means, sds, policy.params.epsilon)
    return PageChoice(
        chosen=chosen,
        propensity=probabilities[np.arange(len(chosen)), chosen],
        probabilities=probabilities,
        policy=policy.name,
        policy_version=policy.version + "+variants",
        model_version=model.version,
    )


def _variant_posterior(
    policy: Policy, model: ArmModel, context: PageContext, page: _Page, arm_keys
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and exploration sd of every arm's own score, (n_cards, width); masked arms 0 and 1."""
    if arm_keys is None or len(arm_keys) != len(page.lengths):
        raise ValueError("a per-variant model needs the artwork ids of every card's arms")
    keys = np.full(page.themes.shape, -1, dtype=np.int64)
    if not np.array_equal(np.fromiter(map(len, arm_keys), dtype=np.int64, count=len(arm_keys)), page.lengths):
        raise ValueError("a per-variant model needs one artwork id for each arm of every card")
    # The mask is row-major with each card's arms first: the ids fill it in their own order.
    keys[page.mask] = np.fromiter(itertools.chain.from_iterable(arm_keys), dtype=np.int64, count=int(page.mask.sum()))
    params = policy.params
    means, sds = model.card_posterior(
        lambda published: _theme_posterior(published, context, params), page.themes, page.mask, keys, params.v
    )
    return np.where(page.mask, means, 0.0), np.where(page.mask, np.maximum(sds, 1e-12), 1.0)


def _variant_probabilities(page: _Page, means: np.ndarray, sds: np.ndarray, epsilon: float) -> np.ndarray:
    uniform = np.where(page.mask, 1.0 / page.lengths[:, None], 0.0)
    wins = win_probabilities(means, sds, page.lengths) if len(page.lengths) else uniform
    return (1.0 - epsilon) * np.where(page.mask, wins, 0.0) + epsilon * uniform


def page_probabilities(
    policy: Policy,
    model: PublishedModel | ArmModel | None,
    context: PageContext,
    cards: list[np.ndarray],
    arm_keys: list[tuple[int, ...]] | None = None,
) -> np.ndarray:
    """P(policy picks arm a of card c) as (n_cards, max_arms), 0 where a card has fewer arms.

    Used by `choose_page` for the logged propensity and offline for a target policy's propensity;
    a per-variant model (an ArmModel with learned offsets) needs `arm_keys` as `choose_page` does.
    """
    page = _flatten(cards, _n_themes(policy, model, context))
    if policy.name == "thompson" and isinstance(model, ArmModel) and model.per_variant:
        means, sds = _variant_posterior(policy, model, context, page, arm_keys)
        return _variant_probabilities(page, means, sds, policy.params.epsilon)
    posterior = _theme_posterior(model, context, policy.params) if policy.name == "thompson" else None
    return _probabilities(policy, page, posterior)


def _probabilities(policy: Policy, page: _Page, posterior: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    mask = page.mask
    uniform = np.where(mask, 1.0 / page.lengths[:, None], 0.0)
    if policy.name == "uniform":
        return uniform
    if policy.name == "editorial":
        out = np.zeros(mask.shape)
        out[:, 0] = 1.0
        return out
    epsilon = policy.params.epsilon
    return (1.0 - epsilon) * _thompson_probabilities(page, *posterior) + epsilon * uniform


def _theme_posterior(
    model: PublishedModel | ArmModel | None, context: PageContext, params: BanditParams
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and exploration sd of every theme's score for this viewer, computed once per page."""
    if model is None:
        raise ValueError("the thompson policy needs a published model")
    if isinstance(model, ArmModel):
        if model.per_variant:
            raise ValueError("a per-variant model scores artwork ids, not themes: use choose_page with arm_keys")
        return model.theme_posterior(lambda stage: _theme_posterior(stage, context, params))
    columns, values = model.space.sparse_features(
        context.taste, np.arange(model.n_themes), context.daypart, context.device
    )
    means = np.einsum("tm,tm->t", model.theta[columns], values)
    variance = np.einsum("ti,tij,tj->t", values, model.covariance[columns[:, :, None], columns[:, None, :]], values)
    sds = params.v * model.noise * np.sqrt(np.maximum(variance, 1e-300))
    return means, sds


def _thompson_pick(
    page: _Page, means: np.ndarray, sds: np.ndarray, epsilon: float, rng: np.random.Generator
) -> np.ndarray:
    """Sample every arm's score from its marginal, take each card's argmax, then explore."""
    scores = means[page.themes] + sds[page.themes] * rng.standard_normal(page.themes.shape)
    scores[~page.mask] = -np.inf
    chosen = np.argmax(scores, axis=1)
    explore = rng.random(len(chosen)) < epsilon
    chosen[explore] = _uniform_pick(page.lengths[explore], rng)
    return chosen


def _thompson_probabilities(page: _Page, means: np.ndarray, sds: np.ndarray) -> np.ndarray:
    """P_TS for every arm of every card, computed once per distinct theme set of the page.

    Cards are keyed by their sorted themes; each distinct set is computed once (all sets in one
    vectorised call) and the result is put back in each card's arm order.
    """
    n_cards, width = page.themes.shape
    pad = len(means)  # sorts after every theme
    order = np.argsort(np.where(page.mask, page.themes, pad), axis=1)
    rows = np.arange(n_cards)[:, None]
    sorted_themes = page.themes[rows, order]
    _, first, inverse = np.unique(_set_keys(sorted_themes, page.lengths, pad), return_index=True, return_inverse=True)
    set_themes = sorted_themes[first]  # padding indexes theme 0: ignored by length
    set_probabilities = win_probabilities(means[set_themes], sds[set_themes], page.lengths[first])
    out = np.empty((n_cards, width))
    out[rows, order] = set_probabilities[inverse.ravel()]
    return out


def _set_keys(sorted_themes: np.ndarray, lengths: np.ndarray, pad: int) -> np.ndarray:
    """One integer per card identifying its (sorted) theme set: the themes as digits base pad+1."""
    width = sorted_themes.shape[1]
    codes = np.where(np.arange(width) < lengths[:, None], sorted_themes, pad)
    base = pad + 1
    if base**width >= 2**62:  # too many arms to pack in an int64: number the rows instead
        return np.unique(codes, axis=0, return_inverse=True)[1].ravel()
    return codes @ base ** np.arange(width - 1, -1, -1, dtype=np.int64)


def _uniform_pick(lengths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.minimum((rng.random(len(lengths)) * lengths).astype(np.int64), lengths - 1)


def _flatten(cards: list[np.ndarray], n_themes: int | None) -> _Page:
    """Validate the cards and pad them into one matrix; the only per-card Python is len()."""
    if not len(cards):
        return _Page(np.zeros((0, 1), np.int64), np.zeros(0, np.int64), np.zeros((0, 1), bool))
    lengths = np.fromiter(map(len, cards), dtype=np.int64, count=len(cards))
    if lengths.min() < 1:
        raise ValueError("every card needs at least one arm")
    flat = np.concatenate(cards)
    if flat.ndim != 1 or not np.issubdtype(flat.dtype, np.integer):
        raise ValueError("each card must be a 1-D array of integer theme indices")
    if flat.min() < 0 or (n_themes is not None and flat.max() >= n_themes):
        raise ValueError(f"theme indices must be in [0, {n_themes}), got {flat.min()}..{flat.max()}")
    mask = np.arange(lengths.max()) < lengths[:, None]
    themes = np.zeros(mask.shape, dtype=np.int64)
    themes[mask] = flat
    return _Page(themes=themes, lengths=lengths, mask=mask)


def _n_themes(policy: Policy, model: PublishedModel | ArmModel | None, context: PageContext) -> int | None:
    """The theme vocabulary size the cards must respect (known only when a model is involved)."""
    if policy.name != "thompson":
        return None
    if model is None:
        raise ValueError("the thompson policy needs a published model")
    if np.shape(context.taste) != (model.n_themes,):
        raise ValueError(f"taste must have shape ({model.n_themes},), got {np.shape(context.taste)}")
    return model.n_themes
