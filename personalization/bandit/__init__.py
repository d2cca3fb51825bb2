"""Contextual bandit choosing each card's artwork theme, with exact propensities for OPE.

Pure numpy/scipy, no Django: the web layer passes theme indices, a taste vector and context codes
and gets arrays back. Modules: `features` (x = phi(taste, theme, daypart, device)), `model`
(additive sufficient statistics, publish, bytes), `quadrature` (Thompson win probabilities),
`policies` (thompson / uniform / editorial, `choose_page`), `ope` (off-policy estimators: IPS, SNIPS), `synthetic`
(a known click world for tuning and tests).
"""

from __future__ import annotations

from personalization.bandit.features import FeatureSpace
from personalization.bandit.model import (
    BanditState,
    PublishedModel,
    fold,
    fold_rewards,
    publish,
    state_new,
)
from personalization.bandit.ope import (
    Decisions,
    cross_fitted_rewards,
    ips_estimate,
    off_policy_estimates,
    snips_estimate,
)
from personalization.bandit.params import BanditParams
from personalization.bandit.policies import (
    POLICY_NAMES,
    PageChoice,
    PageContext,
    Policy,
    choose_page,
    page_probabilities,
)
from personalization.bandit.quadrature import win_probabilities

__all__ = [
    "POLICY_NAMES",
    "BanditParams",
    "BanditState",
    "Decisions",
    "FeatureSpace",
    "PageChoice",
    "PageContext",
    "Policy",
    "PublishedModel",
    "choose_page",
    "cross_fitted_rewards",
    "fold",
    "fold_rewards",
    "ips_estimate",
    "off_policy_estimates",
    "page_probabilities",
    "publish",
    "snips_estimate",
    "state_new",
    "win_probabilities",
]
