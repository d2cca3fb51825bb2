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
from personalization.bandit.ope import ips_estimate, snips_estimate
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
    "FeatureSpace",
    "PageChoice",
    "PageContext",
    "Policy",
    "PublishedModel",
    "choose_page",
    "fold",
    "fold_rewards",
    "ips_estimate",
    "page_probabilities",
    "publish",
    "snips_estimate",
    "state_new",
    "win_probabilities",
]
