"""The trained recommender: scores, predicted stars, match badges, top-k, similar titles, artifacts.

Ranking is two-stage (see `features` for every formula):

1. candidates: the union of each generator's best unseen titles for the viewer (EASE, Surprise SVD
   on the stars, Surprise SVD on 0/1 interactions, popularity, trend, genre affinity);
2. a LightGBM LambdaRank model (`ranker`) orders them from per-(viewer, title) features.

`scores(viewer)` covers every title: candidates get the ranker's score; every other title a score
below all candidates, ordered by EASE evidence plus a popularity prior (genre and trending rows sort
by it); thumbed-down titles get a score below everything. A model without a ranker (a tiny site
with nothing to learn the ranking from) orders everything that second way.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from personalization.recommender import artifact, blas
from personalization.recommender import similar as similarity
from personalization.recommender.calibration import Calibration
from personalization.recommender.content import ItemContent, unit_rows
from personalization.recommender.features import (
    ItemArrays,
    ViewerBlock,
    candidate_pairs,
    feature_matrix,
    generator_scores,
)
from personalization.recommender.interactions import rating_weights, stored_pairs
from personalization.recommender.item_model import ItemModel
from personalization.recommender.params import RecommenderParams, Viewer
from personalization.recommender.ranker import Ranker
from personalization.recommender.rating_model import RATING_SCALE, ImplicitFactors, RatingFactors

BELOW_CANDIDATES = 2.0  # gap between the lowest candidate and the best non-candidate
THUMBED_DOWN = 1e6  # how far below everything a thumbed-down title goes


class _Inputs(NamedTuple):
    """A viewer resolved against the model's item index (unknown raw ids dropped)."""

    positions: np.ndarray  # positive history
    weights: np.ndarray  # their item-model input weights
    stars: np.ndarray  # their stars for the rating fold-in (assumed where unrated)
    negatives: np.ndarray  # thumbed down


SIMILAR_MEMO_SIZE = 20_000  # anchors remembered per model (~50 ids each)
# The nightly training stores this many "Because you watched" neighbours of every title with the model
# (`precompute_similar`); a web process then looks them up (asking for more computes them as before).
SIMILAR_PRECOMPUTED = 60
# ... when it is worth a few seconds: the work is every viewer's history length squared (the co-watching
# counts) plus titles x possible neighbours (the similarities). ml-latest-small is 1.1e8 (2.2 s here);
# ml-25m's shape is ~1.3e10 (minutes): above this the seeds are computed as they are asked for, as before.
SIMILAR_PRECOMPUTE_MAX_WORK = 7.5e8


class RecommenderModel:
    """Learned arrays of every stage over one index of users and items; no training data needed to score."""

    def __init__(
        self,
        *,
        params: RecommenderParams,
        user_ids: np.ndarray,
        item_ids: np.ndarray,
        history: sp.csr_matrix,
        stars: sp.csr_matrix,
        negatives: sp.csr_matrix,
        item_model: ItemModel,
        rating_factors: RatingFactors,
        implicit: ImplicitFactors,
        content: ItemContent,
        items: ItemArrays,
        user_activity: np.ndarray,
        ranker: Ranker | None = None,
        calibration: Calibration | None = None,
        rating_algo: object | None = None,
        engine: str = "local",
        similar_positions: np.ndarray | None = None,
    ) -> None:
        self.params = params
        self.engine = engine  # which training engine made it (`engines.ENGINES`)
        self.user_ids = np.asarray(user_ids, dtype=np.int64)
        self.item_ids = np.asarray(item_ids, dtype=np.int64)
        # users x items item-model weights of the training history, and the same layout's explicit stars
        # (NaN where none). float32 holds both exactly (quarters, half stars) in half the memory: at
        # ml-25m size these are the biggest arrays a web process keeps (bench/serving_scale.py).
        self.history = sp.csr_matrix(history, dtype=np.float32)
        self.stars = sp.csr_matrix(
            (np.asarray(stars.data, dtype=np.float32), self.history.indices, self.history.indptr), shape=stars.shape
        )
        self.negatives = negatives
        self.item_model = item_model
        self.rating_factors = rating_factors
        self.implicit = implicit
        self.content = content
        self.items = items
        self.user_activity = np.asarray(user_activity, dtype=np.float64)  # (n_users, 2) first/last, NaN unknown
        self.ranker = ranker
        self.calibration = calibration or Calibration.identity()
        # The fitted surprise.SVD after `train()` (for checks against `predict()`); not saved.
        self.rating_algo = rating_algo
        popularity = self.items.popularity
        self._popularity_score = popularity / max(int(popularity.max(initial=0)), 1)
        # Only their structure is read (who watched what), so one byte per entry.
        self._watched_by_user = sp.csr_matrix(
            (np.ones(self.history.nnz, dtype=bool), self.history.indices, self.history.indptr), shape=history.shape
        )
        self._watched_by_item = self._watched_by_user.T.tocsr()
        self._content_vectors = content.combined()
        self._content_norms = similarity.row_norms(self._content_vectors)
        # "Because you watched X" per (X, k, kind): the model never changes once built, and a viewer's
        # anchors recur on every page they load. Bounded: cleared when full.
        self._similar_memo: dict[tuple[int, int, str], np.ndarray] = {}
        # ... and every title's blend neighbours when precomputed: (n_items, depth) positions, -1 padded.
        self.similar_positions = None if similar_positions is None else np.asarray(similar_positions, dtype=np.int32)
        # float32 copies for one viewer's ranking features (half the memory traffic of float64); the
        # badge's predicted stars stay float64 so they equal Surprise's own `predict()`.
        self._star_bias32 = (rating_factors.global_mean + rating_factors.item_bias).astype(np.float32)
        # Transposed (factors x titles) and contiguous: one viewer's product is then a fast BLAS call (`blas`).
        self._star_factors32 = np.ascontiguousarray(rating_factors.item_factors.T, dtype=np.float32)
        self._implicit_factors32 = np.ascontiguousarray(implicit.item_factors.T, dtype=np.float32)
        # Genres are few (about 20): dense (genres x titles), a viewer's genre affinity to every title is one
        # BLAS product instead of two sparse mat-vecs over all titles. In float32 like the factors: the
        # product reads every title's genres on every page (10 MB in float64 at ml-25m size).
        self._genres_by_title = np.ascontiguousarray(content.genres.T.toarray(), dtype=np.float32)

    def with_ranker(self, ranker: Ranker, calibration: Calibration, params: RecommenderParams) -> RecommenderModel:
        """The same stage-1 arrays with a trained second stage (and the params it was trained with)."""
        other = object.__new__(RecommenderModel)
        other.__dict__.update(self.__dict__)
        other.ranker, other.calibration, other.params = ranker, calibration, params
        other._similar_memo = {}  # the similarity floor and shrink are params
        other.similar_positions = None
        return other

    # -- counts -------------------------------------------------------------------------------
    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_interactions(self) -> int:
        return int(self.history.nnz + self.negatives.nnz)

    def counts(self) -> dict[str, int]:
        return {
            "n_users": self.n_users,
            "n_items": self.n_items,
            "n_interactions": self.n_interactions,
            "n_item_model_items": len(self.item_model.columns),
        }

    def popularity(self) -> np.ndarray:
        """Viewers with a positive interaction, per item (aligned with `item_ids`)."""
        return self.items.popularity.copy()

    # -- viewers ------------------------------------------------------------------------------
    def viewer_for(self, user: int) -> Viewer:
        """The viewer as the model saw them in training (history, stars, weights, thumbs down, dates)."""
        row = self._user_row(user)
        if row is None:
            raise KeyError(f"user {user} is not in the model; build a Viewer from their history instead")
        span = slice(self.history.indptr[row], self.history.indptr[row + 1])
        negative = self.negatives.indices[self.negatives.indptr[row] : self.negatives.indptr[row + 1]]
        first, last = self.user_activity[row]
        return Viewer(
            user=user,
            items=self.item_ids[self.history.indices[span]],
            ratings=self.stars.data[span],
            weights=self.history.data[span],
            negative_items=self.item_ids[negative],
            first_active=None if np.isnan(first) else float(first),
            last_active=None if np.isnan(last) else float(last),
        )

    # -- scoring ------------------------------------------------------------------------------
    def scores(self, viewer: Viewer) -> np.ndarray:
        """Ranking score per item (aligned with `item_ids`), higher is better."""
        return self._score_block(self._block([viewer]))[0]

    def generator_scores(self, viewer: Viewer) -> dict[str, np.ndarray]:
        """Each stage-1 generator's score per item for the viewer (`features.generator_scores`)."""
        block = self._block([viewer])
        return {
            name: np.broadcast_to(values, block.seen.shape)[0]
            for name, values in generator_scores(block, self.items).items()
        }

    def predicted_ratings(self, viewer: Viewer, *, clip: bool = True) -> np.ndarray:
        """Predicted stars per item (clipped to 0.5..5 unless clip=False)."""
        bias, user_factors = self._rating_side(viewer, self._resolve(viewer))
        estimates = self.rating_factors.estimates(bias, user_factors)
        return np.clip(estimates, *RATING_SCALE) if clip else estimates

    def match_probabilities(self, viewer: Viewer) -> np.ndarray:
        """Calibrated P(viewer rates it >= 4) per item: the "NN% match" badge."""
        return self.calibration(self.predicted_ratings(viewer))

    def top_k(self, viewer: Viewer, k: int = 10, *, exclude_seen: bool = True) -> np.ndarray:
        """Raw ids of the k best items; exclude_seen drops the history and the thumbed-down titles."""
        scores = self.scores(viewer)
        if exclude_seen:
            inputs = self._resolve(viewer)
            scores[inputs.positions] = -np.inf
            scores[inputs.negatives] = -np.inf
        return self.item_ids[_top_indices(scores, k)]

    def scores_for_users(self, users: np.ndarray) -> np.ndarray:
        """`scores` of many known users at once from their training history, as (len(users), n_items)."""
        return self._score_block(self._known_block(self._user_rows(users)))

    def top_k_for_users(
        self, users: np.ndarray, k: int = 10, *, exclude_seen: bool = True, chunk: int = 256
    ) -> np.ndarray:
        """Raw ids of each known user's k best items, (len(users), k); -1 pads users with fewer candidates."""
        users = np.asarray(users, dtype=np.int64).reshape(-1)
        out = np.full((len(users), k), -1, dtype=np.int64)
        for start in range(0, len(users), chunk):
            rows = self._user_rows(users[start : start + chunk])
            block = self._known_block(rows)
            scores = self._score_block(block)
            if exclude_seen:
                scores[block.seen] = -np.inf
            for index, row_scores in enumerate(scores):
                top = _top_indices(row_scores, k)
                out[start + index, : len(top)] = self.item_ids[top]
        return out

    def candidates_for_users(
        self, users: np.ndarray, params: RecommenderParams | None = None, *, chunk: int = 256
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows into `users`, item positions, ranker features) of known users' candidates under
        `params` (default: the model's own; an ablation passes its `without`).

        `chunk` users at a time: a block is several dense (users x titles) arrays, 10 GB for all
        6,000 viewers of 31,000 titles at once."""
        params = params or self.params
        all_rows = self._user_rows(users)
        parts = []
        for start in range(0, len(all_rows), chunk):
            block = self._known_block(all_rows[start : start + chunk])
            rows, cols = candidate_pairs(block, self.items, params)
            parts.append((rows + start, cols, feature_matrix(block, self.items, rows, cols, params)))
        if not parts:
            block = self._known_block(all_rows)
            rows, cols = candidate_pairs(block, self.items, params)
            return rows, cols, feature_matrix(block, self.items, rows, cols, params)
        return tuple(np.concatenate(arrays) for arrays in zip(*parts, strict=True))  # type: ignore[return-value]

    # -- "Because you watched" ------------------------------------------------------------------
    def similarity(self, item_id: int, kind: str = "blend") -> np.ndarray:
        """Similarity of every item to `item_id` by one of `similar.SIMILARITIES`."""
        position = self._position(item_id)
        if kind == "factors":
            return similarity.cosine_rows(self.rating_factors.item_factors, position)
        if kind == "ease":
            row = self.item_model.neighbours(position)
            return np.zeros(self.n_items) if row is None else row
        if kind == "cowatch":
            return similarity.cowatch_cosine(self._watched_by_item, self._watched_by_user, position)
        if kind == "content":
            return similarity.cosine_rows(self._content_vectors, position, norms=self._content_norms)
        if kind == "blend":
            return similarity.blend(
                self.similarity(item_id, "cowatch"),
                self.similarity(item_id, "content"),
                float(self.items.popularity[position]),
                self.params.similar_content_shrink,
            )
        raise ValueError(f"unknown similarity {kind!r}; expected one of {similarity.SIMILARITIES}")

    def similar_items(self, item_id: int, k: int = 10, *, kind: str = "blend") -> np.ndarray:
        """Raw ids of up to k titles most like `item_id` (never itself), for "Because you watched X".

        Fewer than k (or none) when not enough titles clear the similarity floor: a short row reads
        better than one padded with Air Bud. See `similar` for the blend of co-watching and content.
        """
        memo_key = (int(item_id), int(k), kind)
        if memo_key in self._similar_memo:
            return self._similar_memo[memo_key]
        position = self._position(item_id)
        table = self.similar_positions
        if kind == "blend" and table is not None and k <= table.shape[1]:
            found = table[position, :k]
            found = found[found >= 0]
        else:
            floor = self.params.similar_floor if kind == "blend" else -np.inf
            scores = self.similarity(item_id, kind)
            found = similarity.neighbours(
                scores, position, self.items.popularity, k, min_viewers=self._min_viewers, floor=floor
            )
        if len(self._similar_memo) >= SIMILAR_MEMO_SIZE:
            self._similar_memo.clear()
        ids = self.item_ids[found]
        ids.flags.writeable = False  # shared by every caller
        self._similar_memo[memo_key] = ids
        return ids

    def precompute_similar(
        self, depth: int = SIMILAR_PRECOMPUTED, *, max_work: float = SIMILAR_PRECOMPUTE_MAX_WORK
    ) -> bool:
        """Every title's `similar_items(title, depth)` at once (a few seconds at MovieLens size), kept
        with the model and saved with it: the same neighbours in the same order, looked up.

        False (nothing kept) when the work would exceed `max_work` (SIMILAR_PRECOMPUTE_MAX_WORK)."""
        if self.precompute_similar_work() > max_work:
            self.similar_positions = None
            return False
        self.similar_positions = similarity.blend_table(
            self._watched_by_item,
            self._watched_by_user,
            self._content_vectors,
            self._content_norms,
            self.items.popularity,
            depth,
            shrink=self.params.similar_content_shrink,
            min_viewers=self._min_viewers,
            floor=self.params.similar_floor,
        ).astype(np.int32)
        return True

    def precompute_similar_work(self) -> float:
        """Co-watching pairs to count plus similarities to compute for `precompute_similar`."""
        lengths = np.diff(self._watched_by_user.indptr).astype(np.float64)
        neighbours = np.count_nonzero(self.items.popularity >= self._min_viewers)
        return float(lengths @ lengths) + float(self.n_items) * neighbours

    @property
    def _min_viewers(self) -> float:
        """Fewer viewers than this and a title is nobody's neighbour; on a small catalogue (tests, a fresh
        site) the threshold is capped at the median title."""
        return min(self.params.similar_min_viewers, float(np.median(self.items.popularity)))

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """One uncompressed .npz (fast to load in web processes); no pickles, no training data.
        The ranker is LightGBM's own text model, stored as a string (see `artifact`)."""
        artifact.write(self, path)

    @classmethod
    def load(cls, path: str | Path) -> RecommenderModel:
        """A saved model; `UnsupportedArtifact` if an older release wrote it."""
        return cls(**artifact.read(path))

    # -- internals ----------------------------------------------------------------------------
    def _score_block(self, block: ViewerBlock) -> np.ndarray:
        """Scores of a block of viewers: the ranker's on candidates, the fallback order below them."""
        # In place where the old arrays are not needed again: the same values, fewer passes over every title.
        fallback = block.ease.astype(np.float64)
        np.maximum(fallback, 0.0, out=fallback)
        fallback += self.params.popularity_prior * self._popularity_score
        fallback /= np.maximum(fallback.max(axis=1, keepdims=True), 1e-12)  # in [0, 1]
        empty = block.history_size == 0
        fallback[empty] = self._popularity_score  # no history: popularity order
        out = fallback
        if self.ranker is not None and (self.ranker.model_string or self.ranker.base_weight):
            rows, cols = candidate_pairs(block, self.items, self.params)
            ranked = self.ranker.predict(feature_matrix(block, self.items, rows, cols, self.params))
            has_history = ~empty[rows]
            rows, cols, ranked = rows[has_history], cols[has_history], ranked[has_history]
            lowest = np.full(len(block.seen), np.inf)
            np.minimum.at(lowest, rows, ranked)
            lowest[~np.isfinite(lowest)] = 0.0
            out += (lowest - BELOW_CANDIDATES)[:, None]
            out[rows, cols] = ranked
        if block.thumbed_down.any():
            np.copyto(out, out.min(axis=1, keepdims=True) - THUMBED_DOWN, where=block.thumbed_down)
        return out

    def _block(self, viewers: list[Viewer]) -> ViewerBlock:
        """The generator scores and facts of arbitrary viewers (folded in where the model lacks them)."""
        n, m = len(viewers), self.n_items
        # Computed in float32 (the item model, the factor products) and kept so: half the bytes to
        # write and read again, every value as it was (a float64 copy of each holds it exactly).
        # Every viewer's row of these is written whole below: no zeroing first (~1 MB a page at 62k titles).
        ease, stars, implicit = (np.empty((n, m), dtype=np.float32) for _ in range(3))
        genre, tag = np.empty((n, m)), np.zeros((n, m))
        seen = np.zeros((n, m), dtype=bool)
        negatives = np.zeros((n, m), dtype=bool)
        user_bias, size = np.zeros(n), np.zeros(n)
        first, last = np.zeros(n), np.zeros(n)
        for index, viewer in enumerate(viewers):
            inputs = self._resolve(viewer)
            weights = np.concatenate([inputs.weights, np.full(len(inputs.negatives), self.params.thumb_down_weight)])
            ease[index] = self.item_model.scores(np.concatenate([inputs.positions, inputs.negatives]), weights)
            bias, factors = self._rating_side(viewer, inputs)
            with blas.one_thread():  # once for the three products
                products = blas.matvec(self._star_factors32, factors.astype(np.float32))
                implicit_user = self._implicit_side(viewer, inputs).astype(np.float32)
                implicit[index] = blas.matvec(self._implicit_factors32, implicit_user)
                liked = np.maximum(inputs.weights, 0.0)
                genre[index] = self._genre_scores(inputs.positions, liked)
            estimates = stars[index]  # mu + b_i + b_u + q_i . p_u, clipped, in place in the block
            np.add(self._star_bias32, np.float32(bias), out=estimates)
            estimates += products
            np.clip(estimates, *RATING_SCALE, out=estimates)
            user_bias[index] = bias
            if self.content.tags.shape[1]:  # else no title has a tag: 0 for every title
                tag[index] = self.content.tag_scores(inputs.positions, liked)
            seen[index, inputs.positions] = True
            seen[index, inputs.negatives] = True
            negatives[index, inputs.negatives] = True
            size[index] = len(inputs.positions)
            first[index], last[index] = self._activity(viewer)
        return ViewerBlock(ease, stars, implicit, genre, tag, seen, negatives, user_bias, size, first, last)

    def _known_block(self, rows: np.ndarray) -> ViewerBlock:
        """The same for users the model was trained on, from their stored history (vectorised)."""
        history, negatives = self.history[rows], self.negatives[rows]
        ease = self.item_model.score_matrix(history + negatives * self.params.thumb_down_weight).astype(np.float64)
        factors = self.rating_factors
        bias, user_factors = factors.user_bias[rows].copy(), factors.user_factors[rows].copy()
        implicit_factors = self.implicit.user_factors[rows].copy()
        unknown = np.flatnonzero(~factors.user_known[rows] | ~self.implicit.user_known[rows])
        for index in unknown:  # known only from plays or list adds: fold their history in
            viewer = self.viewer_for(int(self.user_ids[rows[index]]))
            inputs = self._resolve(viewer)
            bias[index], user_factors[index] = self._rating_side(viewer, inputs)
            implicit_factors[index] = self._implicit_side(viewer, inputs)
        stars = np.clip(factors.estimates(bias, user_factors), *RATING_SCALE)
        implicit = implicit_factors @ self.implicit.item_factors.T
        liked = history.maximum(0)
        genre = (unit_rows(liked @ self.content.genres) @ self.content.genres.T).toarray()
        tag = (unit_rows(liked @ self.content.tags) @ self.content.tags.T).toarray()
        seen = np.zeros(history.shape, dtype=bool)
        seen[stored_pairs(history)] = True
        negative_mask = np.zeros(history.shape, dtype=bool)
        negative_mask[stored_pairs(negatives)] = True
        seen |= negative_mask
        activity = self.user_activity[rows]
        end = self.items.data_end
        return ViewerBlock(
            ease=ease,
            stars=stars,
            implicit=implicit,
            genre=genre,
            tag=tag,
            seen=seen,
            thumbed_down=negative_mask,
            user_bias=bias,
            history_size=np.diff(history.indptr).astype(np.float64),
            first_active=np.where(np.isnan(activity[:, 0]), end, activity[:, 0]),
            last_active=np.where(np.isnan(activity[:, 1]), end, activity[:, 1]),
        )

    def _genre_scores(self, positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Cosine of every title's genre vector with the viewer's genre profile (the weighted mean of
        their titles' vectors, `ItemContent.profile`), (n_items,)."""
        genres = self._genres_by_title
        if genres.shape[0] == 0 or len(positions) == 0:
            return np.zeros(self.n_items)
        profile = genres[:, positions] @ np.asarray(weights, dtype=np.float64)
        norm = np.linalg.norm(profile)
        if not norm > 0:
            return np.zeros(self.n_items)
        return blas.matvec(genres, (profile / norm).astype(np.float32))

    def _activity(self, viewer: Viewer) -> tuple[float, float]:
        row = self._user_row(viewer.user)
        stored = self.user_activity[row] if row is not None else (np.nan, np.nan)
        end = self.items.data_end
        first = viewer.first_active if viewer.first_active is not None else stored[0]
        last = viewer.last_active if viewer.last_active is not None else stored[1]
        last = end if last is None or np.isnan(last) else last
        first = last if first is None or np.isnan(first) else first
        return float(first), float(last)

    def _rating_side(self, viewer: Viewer, inputs: _Inputs) -> tuple[float, np.ndarray]:
        """b_u, p_u: learned for a user the rating model knows, else a fold-in of the viewer's history."""
        factors = self.rating_factors
        row = self._user_row(viewer.user)
        if row is not None and factors.user_known[row]:
            return float(factors.user_bias[row]), factors.user_factors[row]
        return factors.fold_in(
            np.concatenate([inputs.positions, inputs.negatives]),
            np.concatenate([inputs.stars, np.full(len(inputs.negatives), self.params.thumb_down_rating)]),
            reg_per_rating=self.params.fold_in_reg_per_rating,
            reg_floor=self.params.fold_in_reg_floor,
        )

    def _implicit_side(self, viewer: Viewer, inputs: _Inputs) -> np.ndarray:
        row = self._user_row(viewer.user)
        if row is not None and self.implicit.user_known[row]:
            return self.implicit.user_factors[row]
        return self.implicit.fold_in(inputs.positions, reg=self.params.implicit_reg)

    def _resolve(self, viewer: Viewer) -> _Inputs:
        known = self._known_mask(viewer.items)
        if viewer.weights is not None:
            weights = viewer.weights[known]
        elif viewer.ratings is not None:
            weights = rating_weights(viewer.ratings[known], self.params)
        else:
            weights = np.ones(int(known.sum()))  # picked as liked (onboarding)
        if viewer.ratings is None:
            stars = np.full(int(known.sum()), self.params.implicit_rating)
        else:
            stars = np.where(np.isnan(viewer.ratings[known]), self.params.implicit_rating, viewer.ratings[known])
        return _Inputs(
            positions=np.searchsorted(self.item_ids, viewer.items[known]),
            weights=weights,
            stars=stars,
            negatives=self._positions(viewer.negative_items),
        )

    def _known_mask(self, raw: np.ndarray) -> np.ndarray:
        if self.n_items == 0:
            return np.zeros(len(raw), dtype=bool)
        positions = np.minimum(np.searchsorted(self.item_ids, raw), self.n_items - 1)
        return self.item_ids[positions] == raw

    def _positions(self, raw: np.ndarray) -> np.ndarray:
        """Positions of the raw item ids the model knows (unknown ids are skipped)."""
        raw = np.asarray(raw, dtype=np.int64)
        return np.searchsorted(self.item_ids, raw[self._known_mask(raw)])

    def _position(self, item_id: int) -> int:
        position = self._positions(np.array([item_id]))
        if len(position) == 0:
            raise KeyError(f"item {item_id} is not in the model")
        return int(position[0])

    def _user_row(self, user: int | None) -> int | None:
        if user is None or self.n_users == 0:
            return None
        row = int(np.searchsorted(self.user_ids, user))
        return row if row < self.n_users and self.user_ids[row] == user else None

    def _user_rows(self, users: np.ndarray) -> np.ndarray:
        users = np.asarray(users, dtype=np.int64).reshape(-1)
        rows = np.searchsorted(self.user_ids, users).clip(max=max(self.n_users - 1, 0))
        missing = users[(self.user_ids[rows] != users)] if self.n_users else users
        if len(missing):
            raise KeyError(f"users not in the model: {missing[:5].tolist()}")
        return rows


def _top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest finite scores, best first; ties go to the lower index (deterministic)."""
    candidates = np.flatnonzero(np.isfinite(scores))
    if k <= 0 or len(candidates) == 0:
        return np.empty(0, dtype=np.int64)
    if len(candidates) > k:
        # Keep everything tied with the k-th score so the tie-break below sees all of them.
        kth = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[scores[candidates] >= kth]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]
