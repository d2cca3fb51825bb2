"""`train`: from ratings and site signals to a `RecommenderModel`, with progress messages."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from personalization.recommender.interactions import build_interactions
from personalization.recommender.item_model import fit_item_model
from personalization.recommender.model import RecommenderModel
from personalization.recommender.params import RecommenderParams
from personalization.recommender.rating_model import fit_rating_model


def train(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    *,
    params: RecommenderParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> RecommenderModel:
    """Fit the item model (EASE) and the rating model (Surprise SVD) on all the data given.

    ratings: columns user, item, rating (raw ids are arbitrary ints, stars 0.5..5).
    signals: optional columns user, item, kind with kind in play / thumb_up / thumb_down / my_list;
    see `personalization.recommender.interactions` for how each kind is used.
    Deterministic: the same data and params give the same model (Surprise is seeded by random_state).
    """
    params = params or RecommenderParams()
    report = progress or (lambda message: None)
    interactions = build_interactions(ratings, signals, params)
    report(
        f"indexed {len(interactions.user_ids)} users, {len(interactions.item_ids)} items, "
        f"{interactions.n_interactions} interactions"
    )
    popularity = interactions.popularity()
    item_model = fit_item_model(
        interactions.weights, popularity, lam=params.ease_lambda, min_count=params.ease_min_count
    )
    report(f"item model (EASE) fitted on {len(item_model.columns)} items")
    factors, algo = fit_rating_model(
        interactions.rating_rows, interactions.user_ids, interactions.item_ids, params.surprise_kwargs()
    )
    report(f"rating model (Surprise SVD) fitted on {len(interactions.rating_rows)} ratings")
    return RecommenderModel(
        params=params,
        user_ids=interactions.user_ids,
        item_ids=interactions.item_ids,
        history=interactions.weights,
        stars=interactions.stars,
        negatives=interactions.negatives,
        popularity=popularity,
        item_model=item_model,
        rating_factors=factors,
        rating_algo=algo,
    )
