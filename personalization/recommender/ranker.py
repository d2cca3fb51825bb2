"""Stage 2: a LightGBM LambdaRank model over the candidates' features, saved as its own model string.

Trained on an inner split of the training data (see `training`): stage-1 models fitted on the inner
train part score candidates for each viewer, and the labels are the viewer's inner held-out titles,
graded 2 for a rating >= like_rating (what the protocol counts), `ranker_label_watched` (1) for a
lower rating (watched, not loved: still better than never picked), 0 for every other candidate.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np

from personalization.recommender.params import RecommenderParams

BASE_FEATURE = "ease_share"
# Up to this many rows (one viewer's candidates) the trees are summed by a compiled loop over flat
# arrays (`_Forest`): LightGBM's predict call costs more than its trees there (~0.4 ms for 250 rows,
# ~0.75 ms when the page's other work has pushed it out of the cache). Larger blocks: LightGBM's threads.
FOREST_MAX_ROWS = 20_000


class Ranker:
    """A fitted booster, the feature names it expects (in order) and the weight of its base score
    (`base_weight` * ease_share, what boosting started from). No pickles: LightGBM's text format."""

    def __init__(self, model_string: str, names: list[str], base_weight: float = 0.0) -> None:
        self.model_string = model_string
        self.names = list(names)
        self.base_weight = float(base_weight) if BASE_FEATURE in self.names else 0.0
        self._booster = lgb.Booster(model_str=model_string) if model_string else None
        self._forest = _Forest.of(self._booster) if self._booster is not None else None

    def base(self, features: np.ndarray) -> np.ndarray:
        if self.base_weight == 0.0 or len(features) == 0:
            return np.zeros(len(features))
        return self.base_weight * features[:, self.names.index(BASE_FEATURE)].astype(np.float64)

    def predict(self, features: np.ndarray) -> np.ndarray:
        if self._booster is None or len(features) == 0:
            return self.base(features)
        one_viewer = len(features) <= FOREST_MAX_ROWS
        if one_viewer and self._forest is not None:
            learned = self._forest.sums(features)
        else:  # all viewers at once: both cores
            learned = self._booster.predict(features, num_threads=1 if one_viewer else 2)
        return self.base(features) + learned

    def importance(self) -> dict[str, float]:
        """Total split gain per feature (what the trees lean on), for reports."""
        if self._booster is None:
            return {}
        gains = self._booster.feature_importance("gain")
        return {name: round(float(gain), 1) for name, gain in zip(self.names, gains, strict=True)}


class _Forest:
    """A booster's trees as flat arrays for `kernels.forest_sums`: nodes numbered across trees, each
    split's feature, threshold, the side NaN and the side 0 go to (LightGBM's missing-value rules for
    its missing type and default side), its two children; leaf i as child -i - 1. The same raw scores
    as LightGBM's predict to the last bit (tests/personalization/test_ranker.py compares them)."""

    def __init__(self, splits: list[list], roots: list[int], leaf_value: list[float]) -> None:
        feature, threshold, nan_left, zero_left, left, right = (
            (list(column) for column in zip(*splits, strict=True)) if splits else ([],) * 6
        )
        self.split_feature = np.array(feature, dtype=np.int64)
        self.threshold = np.array(threshold, dtype=np.float64)
        self.nan_left = np.array(nan_left, dtype=np.bool_)
        self.zero_left = np.array(zero_left, dtype=np.bool_)
        self.children = np.column_stack([left, right]).astype(np.int64).reshape(-1)
        self.roots = np.array(roots, dtype=np.int64)
        self.leaf_value = np.array(leaf_value, dtype=np.float64)

    @classmethod
    def of(cls, booster: lgb.Booster) -> _Forest | None:
        """The booster's trees, or None if it has a split the flat form does not cover (categorical)."""
        dump = booster.dump_model()
        if dump["num_tree_per_iteration"] != 1 or dump.get("average_output"):
            return None
        splits: list[list] = []
        leaf_value: list[float] = []

        def add(node: dict) -> int:
            if "split_feature" not in node:
                leaf_value.append(float(node["leaf_value"]))
                return -len(leaf_value)
            if node["decision_type"] != "<=":
                raise ValueError("categorical split")
            threshold, missing, default_left = float(node["threshold"]), node["missing_type"], node["default_left"]
            zero_goes_left = threshold >= 0.0
            nan_left = default_left if missing in ("Zero", "NaN") else zero_goes_left  # "None": NaN reads as 0
            zero_left = default_left if missing == "Zero" else zero_goes_left
            index = len(splits)
            splits.append([node["split_feature"], threshold, bool(nan_left), bool(zero_left), 0, 0])
            splits[index][4] = add(node["left_child"])
            splits[index][5] = add(node["right_child"])
            return index

        try:
            roots = [add(tree["tree_structure"]) for tree in dump["tree_info"]]
        except ValueError:
            return None
        return cls(splits, roots, leaf_value)

    def sums(self, features: np.ndarray) -> np.ndarray:
        from personalization.recommender import kernels  # numba, imported on first use

        return kernels.forest_sums(
            np.ascontiguousarray(features), self.roots, self.split_feature, self.threshold, self.nan_left,
            self.zero_left, self.children, self.leaf_value,
        )  # fmt: skip


def fit_ranker(
    features: np.ndarray, labels: np.ndarray, rows: np.ndarray, names: list[str], params: RecommenderParams
) -> Ranker:
    """LambdaRank with one query per viewer (`rows` sorted, as `features.candidate_pairs` gives them).

    Queries without a single positive teach nothing and are dropped. With no usable query at all (a
    tiny site), the ranker is empty and the model falls back to its stage-1 order.
    """
    empty = Ranker("", names, params.ranker_base_weight)
    if len(features) == 0 or not names:
        return empty
    keep = _training_rows(rows, labels, params.ranker_negatives, params.ranker_seed)
    if not keep.any():
        return empty
    _, group_sizes = np.unique(rows[keep], return_counts=True)
    dataset = lgb.Dataset(
        features[keep],
        labels[keep],
        group=group_sizes,
        init_score=empty.base(features[keep]),
        feature_name=names,
        free_raw_data=True,
        params={"verbose": -1, "min_data_in_bin": 1},
    )
    booster = lgb.train(
        {
            "objective": "lambdarank",
            "learning_rate": params.ranker_learning_rate,
            "num_leaves": params.ranker_leaves,
            "min_data_in_leaf": min(params.ranker_min_data_in_leaf, max(1, int(keep.sum()) // 4)),
            "lambda_l2": params.ranker_l2,
            "feature_fraction": params.ranker_subsample,
            "bagging_fraction": params.ranker_subsample,
            "bagging_freq": 1 if params.ranker_subsample < 1 else 0,
            "seed": params.ranker_seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": 1,
            "verbose": -1,
        },
        dataset,
        num_boost_round=params.ranker_rounds,
    )
    return Ranker(booster.model_to_string(), names, params.ranker_base_weight)


def _training_rows(rows: np.ndarray, labels: np.ndarray, negatives: int, seed: int) -> np.ndarray:
    """Mask of the pairs a viewer's query keeps: every labelled one, and up to `negatives` of the
    rest drawn at random. Viewers without a labelled candidate teach nothing and are dropped."""
    rng = np.random.default_rng(seed)
    useful = np.zeros(int(rows.max()) + 1, dtype=bool)
    useful[np.unique(rows[labels > 0])] = True
    # A random key per pair; within each viewer the `negatives` smallest keys of the unlabelled win.
    key = rng.random(len(rows))
    key[labels > 0] = -1.0
    order = np.lexsort((key, rows))
    start = np.searchsorted(rows[order], rows[order], side="left")
    rank_within = np.arange(len(rows)) - start
    labelled = (labels[order] > 0).astype(np.int64)
    counts = np.bincount(rows, weights=labels > 0, minlength=len(useful)).astype(np.int64)
    positives_before = counts[rows[order]]
    keep_sorted = (labelled == 1) | (rank_within - positives_before < negatives)
    keep = np.zeros(len(rows), dtype=bool)
    keep[order[keep_sorted]] = True
    return keep & useful[rows]
