"""Reads about experiments: the running ones as plain specs (kept per process), and a profile's
assignments in them."""

from __future__ import annotations

from django.db.models import Count, Max

from personalization.abtest import Assignments, ExperimentSpec, VariantSpec, assignments_for
from personalization.models import Experiment
from streamflix.refreshed import Refreshed

VERSION_CHECK_SECONDS = 5.0


def _version() -> tuple:
    running = Experiment.objects.filter(status=Experiment.Status.RUNNING)
    summary = running.aggregate(changed=Max("updated_at"), count=Count("id"))
    return summary["changed"], summary["count"]


def _load(version: tuple) -> list[ExperimentSpec]:
    specs = []
    for experiment in Experiment.objects.filter(status=Experiment.Status.RUNNING).prefetch_related("variants"):
        variants = tuple(
            VariantSpec(
                name=v.name,
                weight=v.weight,
                is_control=v.is_control,
                artwork_policy=v.artwork_policy,
                row_policy=v.row_policy,
                model_version=v.model_version_id,
            )
            for v in experiment.variants.all()
        )
        specs.append(
            ExperimentSpec(
                experiment.name, experiment.salt or experiment.name, experiment.surface, experiment.kind, variants
            )
        )
    return specs


_running: Refreshed[list[ExperimentSpec]] = Refreshed(
    "experiments", version=_version, load=_load, check_seconds=VERSION_CHECK_SECONDS
)


def running_experiments() -> list[ExperimentSpec]:
    """The running experiments, reloaded within seconds of one starting or stopping."""
    return _running.get()


def running_experiments_forget() -> None:
    _running.forget()


def profile_assignments(profile_id: int) -> Assignments:
    return assignments_for(running_experiments(), profile_id)
