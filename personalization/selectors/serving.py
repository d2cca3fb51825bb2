"""The models a web process serves with, loaded once per process and swapped without a restart.

For the recommender, the artwork bandit and the row-order model the database is the one source of truth
for which version serves (the active `ModelVersion`, the newest `BanditSnapshot`, the newest
`RowSnapshot`). Every process looks at it at most every VERSION_CHECK_SECONDS, one indexed single-row
query, and loads a new version when it moved. A cached copy of "the version" would have to be published
after the commit, and a reader in between would disagree with the registry; reading the registry has no
such window and needs no Redis.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

import numpy as np

from catalog.snapshot import CatalogSnapshot
from catalog.themes import ALL_THEMES
from personalization.bandit import BanditParams, BanditState, PublishedModel, publish
from personalization.bandit.design import LIVE_DESIGN
from personalization.bandit.variants import ArmModel, VariantStats
from personalization.models import BanditSnapshot, ModelVersion, RowSnapshot
from personalization.recommender import RecommenderModel
from personalization.recommender.artifact import UnsupportedArtifact
from personalization.row_order import RowModel, RowSpace
from streamflix.refreshed import Refreshed

VERSION_CHECK_SECONDS = 5.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServingModel:
    version_id: int
    label: str
    trained_at: float  # epoch seconds: history newer than this is folded in at request time
    model: RecommenderModel

    def alignment(self, snapshot: CatalogSnapshot) -> np.ndarray:
        """Snapshot position of each of the model's items (-1 for titles no longer available)."""
        return snapshot.memo(("model_alignment", self.version_id), lambda: snapshot.index_of(self.model.item_ids))


def _load_model(version_id: int) -> ServingModel | None:
    if not version_id:
        return None
    # By id, whatever its status now: it was the active one when we looked, and the next look swaps
    # to its successor. (Refusing a just-retired version would fail a process's very first page.)
    version = ModelVersion.objects.get(pk=version_id)
    try:
        model = RecommenderModel.load(version.artifact_path)
    except UnsupportedArtifact:
        # Trained by an older release: pages fall back to popularity until the next retrain.
        logger.warning("%s was trained by an older release; run `python manage.py retrain`", version.label)
        return None
    trained_at = (version.finished_at or version.created_at).timestamp()
    return ServingModel(version_id=version.pk, label=version.label, trained_at=trained_at, model=model)


_serving: Refreshed[ServingModel | None] = Refreshed(
    "recommender", version=ModelVersion.objects.active_id, load=_load_model, check_seconds=VERSION_CHECK_SECONDS
)


def active_model() -> ServingModel | None:
    """The active recommender (None before the first training: pages fall back to popularity)."""
    return _serving.get()


def active_model_forget() -> None:
    """Drop the process's loaded model (tests)."""
    _serving.forget()
    _versions.clear()


def serving_model(version_id: int | None = None) -> ServingModel | None:
    """The model a page ranks with: the active one, or (a model experiment's variant) that version."""
    if version_id is None:
        return active_model()
    active = active_model()
    if active is not None and active.version_id == version_id:
        return active
    with _versions_lock:
        if version_id not in _versions:
            while len(_versions) >= VERSIONS_KEPT:
                _versions.pop(next(iter(_versions)))
            _versions[version_id] = _load_model(version_id)
        return _versions[version_id]


VERSIONS_KEPT = 2  # besides the active one: an experiment compares a few versions, not dozens
_versions: dict[int, ServingModel | None] = {}
_versions_lock = threading.Lock()


def bandit_params() -> BanditParams:
    """The parameters a fresh bandit starts with (a snapshot keeps the ones it was learnt with)."""
    return BanditParams()


def _load_bandit(snapshot_id: int) -> PublishedModel | ArmModel:
    if not snapshot_id:  # before the first learning pass: the prior, so Thompson sampling explores evenly
        params = bandit_params()
        return publish(LIVE_DESIGN.prior(len(ALL_THEMES), params), params, version="prior")
    snapshot = BanditSnapshot.objects.get(pk=snapshot_id)
    params, version = BanditParams.from_dict(snapshot.params), f"b{snapshot.pk}"
    click = publish(BanditState.from_bytes(bytes(snapshot.state)), params, version=version)
    play = bytes(snapshot.play_state) if snapshot.play_state is not None else b""
    play_model = publish(BanditState.from_bytes(play), params, version=version) if play else None
    click_stats, play_stats = saved_variant_stats(snapshot)
    return LIVE_DESIGN.model(click, play_model, click_stats=click_stats, play_stats=play_stats, version=version)


def saved_variant_stats(snapshot: BanditSnapshot) -> tuple[VariantStats, VariantStats]:
    """The per-variant sums a snapshot saved (empty before its first pass learned any)."""
    return tuple(
        VariantStats.from_bytes(bytes(data)) if data else VariantStats()
        for data in (snapshot.click_variants, snapshot.play_variants)
    )


_published: Refreshed[PublishedModel | ArmModel] = Refreshed(
    "bandit", version=BanditSnapshot.objects.latest_id, load=_load_bandit, check_seconds=VERSION_CHECK_SECONDS
)


def published_bandit() -> PublishedModel | ArmModel:
    """The bandit web processes choose artwork with: the newest learning pass's snapshot (its click model,
    times its P(reward | click) stage when it learns a play or a quality play, with each artwork
    variant's learned offsets under the live design)."""
    return _published.get()


def published_bandit_forget() -> None:
    _published.forget()


def _load_row_model(snapshot_id: int) -> RowModel | None:
    if not snapshot_id:
        return None
    return RowModel.from_bytes(bytes(RowSnapshot.objects.get(pk=snapshot_id).state))


_row_model: Refreshed[RowModel | None] = Refreshed(
    "row model", version=RowSnapshot.objects.latest_id, load=_load_row_model, check_seconds=VERSION_CHECK_SECONDS
)


def published_row_model(genres: tuple[str, ...]) -> RowModel:
    """The row model pages are ordered with (ROW_POLICY learned): the newest learning pass's, or the prior
    (the rules' order) before the first pass or when it was learned over another genre vocabulary than the
    catalogue's `genres` now (the next pass then starts again from the prior)."""
    model = _row_model.get()
    if model is None or model.space.genres != genres:
        return row_model_prior(genres)
    return model


@functools.lru_cache(maxsize=4)
def row_model_prior(genres: tuple[str, ...]) -> RowModel:
    """The model before any data, for a genre vocabulary (shared: nothing mutates a served model)."""
    return RowModel(RowSpace(genres))


def published_row_model_forget() -> None:
    _row_model.forget()
