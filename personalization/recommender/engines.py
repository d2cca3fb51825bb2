"""The training seam: `train(ratings, signals) -> RecommenderModel`, by one of two engines.

- `local`: today's models on one machine (`training`): EASE on the most-watched titles
  (`RecommenderParams.ease_max_items`), Surprise SVD on the stars and on 0/1 interactions,
  popularity, trend and content, and the LightGBM ranker over their candidates.
- `spark`: the same stage-1 roles computed as Spark jobs (`spark_engine`): ALS for both kinds of
  factors, item-item co-occurrence neighbours for the item model, popularity, trend and the
  viewers' activity as DataFrame aggregations, on `local[*]` or any cluster (`master`).

Both return the same `RecommenderModel` and write the same artifact (`artifact`), tagged with the
engine's name, so serving, the retrain gate and the registry do not care which engine trained.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from personalization.recommender import training
from personalization.recommender.model import RecommenderModel
from personalization.recommender.params import RecommenderParams

ENGINES = ("local", "spark")


def train(
    ratings: pd.DataFrame,
    signals: pd.DataFrame | None = None,
    *,
    engine: str = "local",
    items: pd.DataFrame | None = None,
    params: RecommenderParams | None = None,
    progress: Callable[[str], None] | None = None,
    master: str | None = None,
) -> RecommenderModel:
    """Fit both stages with `engine` (see the module docstring); `master` is the Spark master URL
    (None: `local[*]`), ignored by the local engine. Columns as in `training.train`."""
    if engine == "local":
        return training.train(ratings, signals, items=items, params=params, progress=progress)
    if engine == "spark":
        from personalization.recommender import spark_engine  # pyspark is only needed by this engine

        return spark_engine.train(ratings, signals, items=items, params=params, progress=progress, master=master)
    raise ValueError(f"unknown training engine {engine!r}; expected one of {', '.join(ENGINES)}")
