"""The chooser's exploration boost: new variants get extra tries, and the logged propensity stays exact
(checked against `page_probabilities` and against the frequencies of many draws)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from catalog.snapshot import ArtworkVariant, CatalogSnapshot
from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.bandit import FeatureSpace, PageContext, Policy, PublishedModel, page_probabilities
from personalization.chooser import ArtworkChooser

THEMES = ("romance", "drama", "action", "comedy", "iconic scene")
EXPLORING = (False, False, True, False, True)
TITLE = 7


def _snapshot(exploring=EXPLORING) -> CatalogSnapshot:
    variants = tuple(
        ArtworkVariant(artwork_id=100 + i, theme=theme, is_default=i == 0, card_url="", hero_url="", exploring=e)
        for i, (theme, e) in enumerate(zip(THEMES, exploring, strict=True))
    )
    return CatalogSnapshot(
        version=1,
        title_ids=np.array([TITLE], dtype=np.int64),
        names=["Seven"],
        years=np.array([2000], dtype=np.int32),
        rating_count=np.array([10]),
        rating_mean=np.array([3.5]),
        trending=np.array([1.0]),
        genre_names=(),
        genre_matrix=np.zeros((1, 0), dtype=bool),
        theme_matrix=np.zeros((1, len(ALL_THEMES)), dtype=bool),
        artworks={TITLE: variants},
    )


def _model() -> PublishedModel:
    """A posterior that clearly prefers romance, so the bandit alone would rarely try the new variants."""
    n = len(ALL_THEMES)
    space = FeatureSpace(n)
    theta = np.zeros(space.d)
    for theme, bias in {"romance": 0.06, "drama": 0.02, "action": -0.01, "comedy": 0.0, "iconic scene": -0.02}.items():
        theta[THEME_INDEX[theme]] = bias
    return PublishedModel(
        n_themes=n, theta=theta, covariance=2e-3 * np.eye(space.d), noise=0.3, n_impressions=0, version="hand"
    )


CONTEXT = PageContext(taste=np.zeros(len(ALL_THEMES)), daypart=2, device=1)
CARD = np.array([THEME_INDEX[t] for t in THEMES])


def _chooser(boost: float, *, policy: str = "thompson", snapshot=None, seed: int = 3) -> ArtworkChooser:
    return ArtworkChooser(
        snapshot or _snapshot(),
        policy=Policy(policy),
        model=_model() if policy == "thompson" else None,
        context=CONTEXT,
        rng=np.random.default_rng(seed),
        exploration_boost=boost,
    )


def _bandit_probabilities() -> np.ndarray:
    return page_probabilities(Policy("thompson"), _model(), CONTEXT, [CARD])[0]


@pytest.mark.parametrize("boost", [0.0, 0.3, 1.0])
def test_the_logged_propensity_is_the_mixture_of_the_boost_and_the_bandit(boost):
    choices = _chooser(boost).choose([TITLE] * 2_000)
    exploring = np.array(EXPLORING)
    expected = boost * exploring / exploring.sum() + (1 - boost) * _bandit_probabilities()
    assert expected.sum() == pytest.approx(1.0, abs=1e-12)
    arms = np.array([c.variant.artwork_id - 100 for c in choices])
    np.testing.assert_allclose([c.propensity for c in choices], expected[arms], rtol=1e-12)


def test_the_boosted_choices_follow_their_propensities():
    draws, boost = 20_000, 0.3
    choices = _chooser(boost, seed=11).choose([TITLE] * draws)
    exploring = np.array(EXPLORING)
    expected = boost * exploring / exploring.sum() + (1 - boost) * _bandit_probabilities()
    counts = np.bincount([c.variant.artwork_id - 100 for c in choices], minlength=len(THEMES))
    assert stats.chisquare(counts, draws * expected).pvalue > 1e-4
    # The boost is what gets the new variants tried: the bandit alone shows them far less.
    assert counts[exploring].sum() / draws > 0.3
    assert _bandit_probabilities()[exploring].sum() < counts[exploring].sum() / draws - 0.2


def test_without_exploring_variants_the_bandit_alone_chooses():
    snapshot = _snapshot(exploring=(False,) * len(THEMES))
    boosted = _chooser(0.5, snapshot=snapshot, seed=5).choose([TITLE] * 500)
    plain = _chooser(0.0, snapshot=snapshot, seed=5).choose([TITLE] * 500)
    assert boosted == plain


def test_the_uniform_control_is_never_boosted():
    chooser = _chooser(0.5, policy="uniform")
    assert [c.propensity for c in chooser.choose([TITLE] * 200)] == pytest.approx([1 / len(THEMES)] * 200)
    assert chooser.policy_version == "uniform/1"


def test_the_policy_version_names_the_boost():
    assert _chooser(0.3).policy_version == "thompson/1:v=0.25,eps=0.03+x0.3@hand"
    assert _chooser(0.0).policy_version == "thompson/1:v=0.25,eps=0.03@hand"


def test_it_refuses_a_boost_outside_zero_to_one():
    with pytest.raises(ValueError, match="exploration_boost"):
        _chooser(1.5)
