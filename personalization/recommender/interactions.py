"""Turn explicit ratings and site signals into the indexed arrays the two models learn from.

Mapping of the site's signals (documented here once; `train` and the fold-in both follow it):

- A star rating is a positive interaction whose item-model weight says how much it means "more like
  this": 1 for stars >= `like_rating`, `okay_weight` for stars >= `okay_rating`, `dislike_weight` below.
  Weighting by stars matters: the offline target is "rated >= 4", and titles similar to ones the viewer
  disliked are weaker evidence than titles similar to ones they loved.
- `thumb_up` and `my_list` are positives of weight 1, `play` a positive of weight `play_weight` (watched,
  liking unknown). When a pair has several sources, the strongest weight wins.
- `thumb_down` is a negative: the pair is removed from the positives (it never counts as "watched and
  liked", even if the viewer also played or rated it), and at scoring time the title is pushed to the
  bottom and its item-model input weight is `thumb_down_weight`, which also lowers similar titles.
- For the rating model (Surprise SVD) the explicit stars are the data; thumbs add pseudo-ratings
  (`thumb_up_rating`, `thumb_down_rating`) only where the viewer gave no stars. Plays and list adds say
  nothing about stars, so they stay out of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from personalization.recommender.params import SIGNAL_KINDS, RecommenderParams

POSITIVE_SIGNALS = ("play", "thumb_up", "my_list")


@dataclass(frozen=True)
class Interactions:
    """Users x items matrices over sorted raw ids, plus the rows the rating model trains on."""

    user_ids: np.ndarray  # sorted raw user ids (row index of the matrices)
    item_ids: np.ndarray  # sorted raw item ids (column index)
    weights: sp.csr_matrix  # positive history: item-model weight per pair (may be 0 for disliked titles)
    stars: sp.csr_matrix  # same sparsity as `weights`: explicit stars, NaN where the pair has none
    negatives: sp.csr_matrix  # 1.0 per thumbed-down pair
    rating_rows: pd.DataFrame  # user, item, rating (raw ids): what Surprise is fitted on

    @property
    def n_interactions(self) -> int:
        return int(self.weights.nnz + self.negatives.nnz)

    def popularity(self) -> np.ndarray:
        """Number of viewers with a positive interaction per item: the cold-start order."""
        return np.bincount(self.weights.indices, minlength=len(self.item_ids)).astype(np.int64)


def rating_weights(stars: np.ndarray, params: RecommenderParams) -> np.ndarray:
    """Item-model weight of each star rating (NaN, i.e. unrated, counts as a play)."""
    stars = np.asarray(stars, dtype=np.float64)
    weights = np.where(
        stars >= params.like_rating,
        1.0,
        np.where(stars >= params.okay_rating, params.okay_weight, params.dislike_weight),
    )
    return np.where(np.isnan(stars), params.play_weight, weights)


def build_interactions(ratings: pd.DataFrame, signals: pd.DataFrame | None, params: RecommenderParams) -> Interactions:
    ratings = _clean_ratings(ratings)
    signals = _clean_signals(signals)
    negatives = signals.loc[signals["kind"] == "thumb_down", ["user", "item"]].drop_duplicates()
    positives = _positive_pairs(ratings, signals, params)
    positives = _anti_join(positives, negatives)
    user_ids = np.unique(np.concatenate([positives["user"], negatives["user"], ratings["user"]]))
    item_ids = np.unique(np.concatenate([positives["item"], negatives["item"], ratings["item"]]))
    shape = (len(user_ids), len(item_ids))
    rows = np.searchsorted(user_ids, positives["user"].to_numpy())
    cols = np.searchsorted(item_ids, positives["item"].to_numpy())
    weights = _csr(rows, cols, positives["weight"].to_numpy(), shape)
    stars = _csr(rows, cols, positives["stars"].to_numpy(), shape)
    negative_matrix = _csr(
        np.searchsorted(user_ids, negatives["user"].to_numpy()),
        np.searchsorted(item_ids, negatives["item"].to_numpy()),
        np.ones(len(negatives)),
        shape,
    )
    return Interactions(
        user_ids=user_ids,
        item_ids=item_ids,
        weights=weights,
        stars=stars,
        negatives=negative_matrix,
        rating_rows=_rating_rows(ratings, signals, params),
    )


def _clean_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    missing = {"user", "item", "rating"} - set(ratings.columns)
    if missing:
        raise ValueError(f"ratings needs columns user, item, rating; missing {sorted(missing)}")
    frame = ratings[["user", "item", "rating"]].dropna()
    frame = frame.astype({"user": np.int64, "item": np.int64, "rating": np.float64})
    # A re-rating replaces the earlier one.
    return frame.drop_duplicates(["user", "item"], keep="last").reset_index(drop=True)


def _clean_signals(signals: pd.DataFrame | None) -> pd.DataFrame:
    if signals is None or len(signals) == 0:
        return pd.DataFrame({"user": [], "item": [], "kind": []}).astype({"user": np.int64, "item": np.int64})
    missing = {"user", "item", "kind"} - set(signals.columns)
    if missing:
        raise ValueError(f"signals needs columns user, item, kind; missing {sorted(missing)}")
    frame = signals[["user", "item", "kind"]].dropna().astype({"user": np.int64, "item": np.int64})
    unknown = sorted(set(frame["kind"]) - set(SIGNAL_KINDS))
    if unknown:
        raise ValueError(f"unknown signal kinds {unknown}; expected one of {SIGNAL_KINDS}")
    return frame.reset_index(drop=True)


def _positive_pairs(ratings: pd.DataFrame, signals: pd.DataFrame, params: RecommenderParams) -> pd.DataFrame:
    kind_weight = {"play": params.play_weight, "thumb_up": 1.0, "my_list": 1.0}
    from_signals = signals[signals["kind"].isin(POSITIVE_SIGNALS)]
    parts = [
        pd.DataFrame(
            {
                "user": ratings["user"],
                "item": ratings["item"],
                "weight": rating_weights(ratings["rating"].to_numpy(), params),
                "stars": ratings["rating"],
            }
        ),
        pd.DataFrame(
            {
                "user": from_signals["user"],
                "item": from_signals["item"],
                "weight": from_signals["kind"].map(kind_weight).astype(np.float64),
                "stars": np.nan,
            }
        ),
    ]
    pairs = pd.concat(parts, ignore_index=True)
    # Strongest evidence wins; max() skips NaN so explicit stars survive next to plays.
    grouped = pairs.groupby(["user", "item"], as_index=False, sort=True)
    return grouped.agg(weight=("weight", "max"), stars=("stars", "max"))


def _rating_rows(ratings: pd.DataFrame, signals: pd.DataFrame, params: RecommenderParams) -> pd.DataFrame:
    thumbs = signals[signals["kind"].isin(["thumb_up", "thumb_down"])]
    pseudo = pd.DataFrame(
        {
            "user": thumbs["user"],
            "item": thumbs["item"],
            "rating": np.where(thumbs["kind"] == "thumb_up", params.thumb_up_rating, params.thumb_down_rating),
        }
    )
    # A thumb down beats a thumb up on the same pair (min), and explicit stars beat both.
    pseudo = pseudo.groupby(["user", "item"], as_index=False, sort=True)["rating"].min()
    pseudo = _anti_join(pseudo, ratings[["user", "item"]])
    return pd.concat([ratings, pseudo], ignore_index=True)


def _anti_join(frame: pd.DataFrame, remove: pd.DataFrame) -> pd.DataFrame:
    if len(remove) == 0 or len(frame) == 0:
        return frame.reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(frame[["user", "item"]])
    drop = pd.MultiIndex.from_frame(remove[["user", "item"]])
    return frame[~keys.isin(drop)].reset_index(drop=True)


def _csr(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR with sorted indices built directly, so two matrices from the same pairs share their layout."""
    order = np.lexsort((cols, rows))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=shape[0]))]).astype(np.int64)
    return sp.csr_matrix((np.asarray(data, dtype=np.float64)[order], cols[order].astype(np.int32), indptr), shape=shape)


def stored_pairs(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of every stored entry, explicit zeros included (a 0-weight title was still watched)."""
    return np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)), matrix.indices.astype(np.int64)
