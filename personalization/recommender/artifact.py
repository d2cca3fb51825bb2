"""The recommender's artifact: one uncompressed .npz of plain arrays and a JSON header, no pickles.

The LightGBM ranker travels as its own text model (a string array); `read` returns the keyword
arguments of `RecommenderModel`, so this module needs none of the model's code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from personalization.recommender.calibration import Calibration
from personalization.recommender.content import ItemContent
from personalization.recommender.features import ItemArrays
from personalization.recommender.item_model import ItemModel
from personalization.recommender.params import RecommenderParams
from personalization.recommender.ranker import Ranker
from personalization.recommender.rating_model import ImplicitFactors, RatingFactors

ARTIFACT_FORMAT = 2


class UnsupportedArtifact(ValueError):
    """An artifact written by another format of the model (an older release): retrain to replace it."""


def write(model: Any, path: str | Path) -> None:
    """Every learned array of a `RecommenderModel` (no training data)."""
    meta = {
        "format": ARTIFACT_FORMAT,
        "params": model.params.to_dict(),
        "counts": model.counts(),
        "ranker_features": model.ranker.names if model.ranker else None,
        "ranker_base_weight": model.ranker.base_weight if model.ranker else 0.0,
    }
    factors, content, items = model.rating_factors, model.content, model.items
    arrays = {
        "meta": np.array(json.dumps(meta)),
        "ranker": np.array(model.ranker.model_string if model.ranker else ""),
        "user_ids": model.user_ids,
        "item_ids": model.item_ids,
        "history_indptr": model.history.indptr,
        "history_indices": model.history.indices,
        "history_weights": model.history.data,
        "history_stars": model.stars.data,
        "negatives_indptr": model.negatives.indptr,
        "negatives_indices": model.negatives.indices,
        "user_activity": model.user_activity,
        "item_model_columns": model.item_model.columns,
        "item_model_weights": model.item_model.weights,
        "global_mean": np.array(factors.global_mean),
        "user_bias": factors.user_bias,
        "user_factors": factors.user_factors,
        "user_known": factors.user_known,
        "item_bias": factors.item_bias,
        "item_factors": factors.item_factors,
        "implicit_user_factors": model.implicit.user_factors,
        "implicit_user_known": model.implicit.user_known,
        "implicit_item_factors": model.implicit.item_factors,
        "year": content.year,
        **_sparse_arrays("genres", content.genres),
        **_sparse_arrays("tags", content.tags),
        "popularity": items.popularity,
        "recent": items.recent,
        "rated": items.rated,
        "time_keys": items.time_keys,
        "data_end": np.array(items.data_end),
        "calibration_stars": model.calibration.stars,
        "calibration_probability": model.calibration.probability,
    }
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def read(path: str | Path) -> dict[str, Any]:
    """The keyword arguments that rebuild the saved `RecommenderModel`."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    meta = json.loads(str(arrays["meta"]))
    if meta.get("format") != ARTIFACT_FORMAT:
        raise UnsupportedArtifact(
            f"unsupported recommender artifact format {meta.get('format')!r} in {path}; retrain to replace it"
        )
    shape = (len(arrays["user_ids"]), len(arrays["item_ids"]))
    layout = (arrays["history_indices"], arrays["history_indptr"])
    negatives_data = np.ones(len(arrays["negatives_indices"]))
    model_string = str(arrays["ranker"])
    return dict(
        params=RecommenderParams.from_dict(meta["params"]),
        user_ids=arrays["user_ids"],
        item_ids=arrays["item_ids"],
        history=sp.csr_matrix((arrays["history_weights"], *layout), shape=shape),
        stars=sp.csr_matrix((arrays["history_stars"], *layout), shape=shape),
        negatives=sp.csr_matrix((negatives_data, arrays["negatives_indices"], arrays["negatives_indptr"]), shape=shape),
        item_model=ItemModel(arrays["item_model_columns"], arrays["item_model_weights"], shape[1]),
        rating_factors=RatingFactors(
            global_mean=float(arrays["global_mean"]),
            user_bias=arrays["user_bias"],
            user_factors=arrays["user_factors"],
            user_known=arrays["user_known"],
            item_bias=arrays["item_bias"],
            item_factors=arrays["item_factors"],
        ),
        implicit=ImplicitFactors(
            user_factors=arrays["implicit_user_factors"],
            user_known=arrays["implicit_user_known"],
            item_factors=arrays["implicit_item_factors"],
        ),
        content=ItemContent(
            year=arrays["year"],
            genres=_sparse_from(arrays, "genres", shape[1]),
            tags=_sparse_from(arrays, "tags", shape[1]),
        ),
        items=ItemArrays(
            popularity=arrays["popularity"],
            recent=arrays["recent"],
            rated=arrays["rated"],
            item_bias=arrays["item_bias"],
            year=arrays["year"],
            time_keys=arrays["time_keys"],
            data_end=float(arrays["data_end"]),
        ),
        user_activity=arrays["user_activity"],
        ranker=Ranker(model_string, meta["ranker_features"], meta.get("ranker_base_weight", 0.0))
        if meta.get("ranker_features") is not None
        else None,
        calibration=Calibration(arrays["calibration_stars"], arrays["calibration_probability"]),
    )


def _sparse_arrays(name: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{name}_indptr": matrix.indptr,
        f"{name}_indices": matrix.indices,
        f"{name}_data": matrix.data,
        f"{name}_columns": np.array(matrix.shape[1]),
    }


def _sparse_from(arrays: dict[str, np.ndarray], name: str, n_rows: int) -> sp.csr_matrix:
    shape = (n_rows, int(arrays[f"{name}_columns"]))
    return sp.csr_matrix((arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]), shape=shape)
