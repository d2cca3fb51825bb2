"""The recommender's artifact: one uncompressed .npz of plain arrays and a JSON header, no pickles.

The LightGBM ranker travels as its own text model (a string array); `read` returns the keyword
arguments of `RecommenderModel`, so this module needs none of the model's code.

Format 3 (both training engines write it; `meta.engine` says which one did):
- the item model is either dense (`item_model_kind` "dense": EASE's B) or sparse neighbour lists
  ("sparse": `item_model_indptr/indices/weights`, CSR over the covered titles);
- a float array is stored as float16 exactly when float16 holds every one of its values (history
  weights and half stars do: the biggest arrays, one entry per rating), so the format loses nothing;
  everything else keeps its dtype. `read` returns float64/float32 arrays as before.
An artifact may also hold `similar_positions`, every title's "Because you watched" neighbours
(`RecommenderModel.precompute_similar`); without it they are computed per seed as they are asked for.
Format 2 (before the engines) is still read: dense item model, no engine (it was the local one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import scipy.sparse as sp

from personalization.recommender.calibration import Calibration
from personalization.recommender.content import ItemContent
from personalization.recommender.features import ItemArrays
from personalization.recommender.item_model import ItemModel
from personalization.recommender.params import RecommenderParams
from personalization.recommender.ranker import Ranker
from personalization.recommender.rating_model import ImplicitFactors, RatingFactors

ARTIFACT_FORMAT = 3
READABLE_FORMATS = (2, 3)


class UnsupportedArtifact(ValueError):
    """An artifact written by another format of the model (an older release): retrain to replace it."""


def write(model: Any, path: str | Path | BinaryIO) -> None:
    """Every learned array of a `RecommenderModel` (no training data), to a path or an open binary file."""
    meta = {
        "format": ARTIFACT_FORMAT,
        "params": model.params.to_dict(),
        "counts": model.counts(),
        "ranker_features": model.ranker.names if model.ranker else None,
        "ranker_base_weight": model.ranker.base_weight if model.ranker else 0.0,
        "engine": model.engine,
        "item_model_kind": "sparse" if model.item_model.sparse else "dense",
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
        **_item_model_arrays(model.item_model),
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
    if model.similar_positions is not None:  # "Because you watched" for every title, when precomputed
        arrays["similar_positions"] = model.similar_positions
    compact = {name: _compact(array) for name, array in arrays.items()}
    if hasattr(path, "write"):
        np.savez(path, **compact)
        return
    with open(path, "wb") as handle:
        np.savez(handle, **compact)


def read(path: str | Path | BinaryIO) -> dict[str, Any]:
    """The keyword arguments that rebuild the saved `RecommenderModel`."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: _widen(data[name], name) for name in data.files}
    meta = json.loads(str(arrays["meta"]))
    if meta.get("format") not in READABLE_FORMATS:
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
        item_model=_item_model_from(arrays, meta, shape[1]),
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
        engine=meta.get("engine", "local"),
        similar_positions=arrays.get("similar_positions"),
    )


def _compact(array: np.ndarray) -> np.ndarray:
    """float16 when it holds every value exactly (NaN included), else the array unchanged."""
    if array.dtype.kind != "f" or array.dtype == np.float16 or array.ndim == 0:
        return array
    with np.errstate(over="ignore"):
        half = array.astype(np.float16)
    return half if np.array_equal(half.astype(array.dtype), array, equal_nan=True) else array


_FLOAT32 = ("history_weights", "history_stars")  # the model keeps these as float32 (`RecommenderModel`)


def _widen(array: np.ndarray, name: str) -> np.ndarray:
    """float16 back to float64, or float32 for the arrays the model holds so (scipy's sparse matrices
    and the scoring code take no half floats)."""
    if array.dtype != np.float16:
        return array
    return array.astype(np.float32 if name in _FLOAT32 else np.float64)


def _item_model_arrays(item_model: ItemModel) -> dict[str, np.ndarray]:
    if item_model.sparse:
        weights = item_model.weights
        return {
            "item_model_indptr": weights.indptr,
            "item_model_indices": weights.indices,
            "item_model_weights": weights.data,
        }
    return {"item_model_weights": item_model.weights}


def _item_model_from(arrays: dict[str, np.ndarray], meta: dict, n_items: int) -> ItemModel:
    columns = arrays["item_model_columns"]
    if meta.get("item_model_kind", "dense") == "sparse":
        layout = (arrays["item_model_weights"], arrays["item_model_indices"], arrays["item_model_indptr"])
        weights = sp.csr_matrix(layout, shape=(len(columns), len(columns)))
        return ItemModel(columns, weights, n_items)
    return ItemModel(columns, arrays["item_model_weights"], n_items)


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
