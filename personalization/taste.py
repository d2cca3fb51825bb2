"""A viewer's taste as numbers: how much more than average they like each genre or theme.

Pure numpy/scipy: the seeding service uses it for taste summaries and featured profiles, the
bandit for its context. No ORM here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

LIKED_RATING = 4.0  # MovieLens convention: 4+ stars is a like
PRIOR_STRENGTH = 5.0  # pseudo-likes pulling a thin history towards the global mix
LIKES_LIFT = 0.25  # log2 lift (~1.2x the average share of likes) from which a viewer "likes" a feature


@dataclass(frozen=True)
class TasteMatrix:
    """Per user, log2 lift of each feature among their liked titles over the global mix.

    0 means "as much as everyone", +1 "twice as often", -1 "half as often".
    """

    users: np.ndarray  # raw user ids, row order
    features: tuple[str, ...]  # column order
    lift: np.ndarray  # (n_users, n_features) float32
    liked_counts: np.ndarray  # (n_users,) how many likes the lift rests on

    def row(self, user: int) -> np.ndarray:
        index = np.searchsorted(self.users, user)
        if index >= len(self.users) or self.users[index] != user:
            return np.zeros(len(self.features), dtype=np.float32)
        return self.lift[index]


def taste_matrix(
    *,
    users: np.ndarray,
    items: np.ndarray,
    weights: np.ndarray,
    item_features: sparse.csr_matrix,
    features: tuple[str, ...],
) -> TasteMatrix:
    """Lift of every feature for every user from (user, item index, weight) interactions.

    `items` index rows of `item_features` (0/1, items × features); `weights` are how much each
    interaction counts as a like (ratings already mapped, e.g. 1 for 4+ stars, 0 otherwise).
    A Bayesian prior (PRIOR_STRENGTH likes in the global mix) keeps three likes from looking
    like a passion.
    """
    unique_users, user_rows = np.unique(users, return_inverse=True)
    n_items = item_features.shape[0]
    interactions = sparse.csr_matrix(
        (weights.astype(np.float64), (user_rows, items)), shape=(len(unique_users), n_items)
    )
    per_user = np.asarray((interactions @ item_features).todense())  # weighted likes per feature
    likes = np.asarray(interactions.sum(axis=1)).ravel()
    global_mix = per_user.sum(axis=0) / max(likes.sum(), 1e-9)
    global_mix = np.maximum(global_mix, 1e-6)
    share = (per_user + PRIOR_STRENGTH * global_mix) / (likes[:, None] + PRIOR_STRENGTH)
    lift = np.log2(share / global_mix).astype(np.float32)
    return TasteMatrix(users=unique_users, features=features, lift=lift, liked_counts=likes)


def like_weights(ratings: np.ndarray) -> np.ndarray:
    """How much a rating counts as a like: 0 below 3.5 stars, growing to 1 at 4+."""
    return np.clip((ratings - 3.0) / (LIKED_RATING - 3.0), 0.0, 1.0)


def taste_summary(lift: np.ndarray, features: tuple[str, ...], *, top: int = 2) -> str:
    """'Loves Romance and Musical · skips Horror' from one user's lift row."""
    order = np.argsort(-lift)
    loves = [features[i] for i in order[:top] if lift[i] > LIKES_LIFT]
    skips = [features[i] for i in order[::-1][:1] if lift[i] < -0.5]
    parts = []
    if loves:
        parts.append("Loves " + " and ".join(loves))
    else:
        parts.append("Watches a bit of everything")
    if skips:
        parts.append("skips " + skips[0])
    return " · ".join(parts)


def pick_diverse(
    lift: np.ndarray,
    features: tuple[str, ...],
    eligible: np.ndarray,
    archetypes: list[str],
) -> list[int]:
    """For each archetype feature, the eligible user for whom it stands out most.

    "Stands out" is the margin of that feature's lift over the user's next best feature, so the
    romance fan chosen loves romance above everything else, not merely a bit more than average.
    Returns row indices into `lift`, one per archetype found, never the same user twice.
    """
    column = {name: i for i, name in enumerate(features)}
    chosen: list[int] = []
    for archetype in archetypes:
        if archetype not in column:
            continue
        j = column[archetype]
        others = np.delete(lift, j, axis=1)
        margin = lift[:, j] - (others.max(axis=1) if others.shape[1] else 0.0)
        margin = np.where(eligible, margin, -np.inf)
        margin[chosen] = -np.inf
        best = int(np.argmax(margin))
        if np.isfinite(margin[best]):
            chosen.append(best)
    return chosen


def lift_from_history(
    *,
    positions: np.ndarray,
    weights: np.ndarray,
    item_features: np.ndarray,
    item_popularity: np.ndarray,
) -> np.ndarray:
    """One viewer's log2 lift per feature, from the items they liked (weighted) over the catalogue.

    The "global mix" is the popularity-weighted share of each feature, so a viewer who watches
    what everyone watches comes out near 0 everywhere. Same prior as `taste_matrix`.
    """
    features = item_features.astype(np.float64, copy=False)
    global_mix = item_popularity.astype(np.float64) @ features
    global_mix = np.maximum(global_mix / max(global_mix.sum(), 1e-9), 1e-6)
    liked = weights @ features[positions] if len(positions) else np.zeros(features.shape[1])
    share = (liked + PRIOR_STRENGTH * global_mix) / (float(np.sum(weights)) + PRIOR_STRENGTH)
    return np.log2(share / global_mix)
