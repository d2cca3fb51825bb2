"""Starting and stopping experiments, and the built-in artwork holdout.

One experiment runs per surface at a time (a partial unique index holds it); variants name what they
change on their surface: on `artwork` the policy (bandit / uniform / editorial), on `rows` the ranker
(personalized / popularity), on `model` a recommender version (`v12`, or `active`). An interleaving
experiment drafts its two rankers into one row for everyone in it. Weights never change while an
experiment runs: stop it and start a new one (the report of the old one stays valid).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from personalization.abtest import parse_variants
from personalization.models import Experiment, ExperimentResult, ModelVersion, Variant
from personalization.rows import RANKERS
from personalization.selectors.experiment_report import experiment_report
from personalization.selectors.logged import NoDecisions, logged_impressions, off_policy_report
from streamflix import queue
from streamflix.errors import Conflict, InvalidInput, NotFound

HOLDOUT = "artwork-holdout"
ARTWORK_POLICIES = {"bandit": "thompson", "thompson": "thompson", "uniform": "uniform", "editorial": "editorial"}


def variant_config(surface: str, name: str) -> dict:
    """What a variant called `name` changes on `surface` (InvalidInput if it names nothing there)."""
    if surface == Experiment.Surface.ARTWORK:
        if name not in ARTWORK_POLICIES:
            raise InvalidInput(
                f"On the artwork surface a variant is a policy: {', '.join(ARTWORK_POLICIES)}; not {name!r}."
            )
        return {"artwork_policy": ARTWORK_POLICIES[name]}
    if surface == Experiment.Surface.ROWS:
        if name not in RANKERS:
            raise InvalidInput(f"On the rows surface a variant is a ranker: {', '.join(RANKERS)}; not {name!r}.")
        return {"row_policy": name}
    if surface == Experiment.Surface.MODEL:
        if name == "active":
            return {}
        version = ModelVersion.objects.filter(pk=int(name.lstrip("v"))).first() if name.lstrip("v").isdigit() else None
        if version is None or not version.artifact_path:
            raise InvalidInput(
                f"On the model surface a variant is `active` or a trained version like v12; not {name!r}."
            )
        return {"model_version": version}
    raise InvalidInput(f"Unknown surface {surface!r}; use one of {', '.join(Experiment.Surface.values)}.")


@transaction.atomic
def experiment_start(
    *,
    name: str,
    surface: str,
    variants: str,
    kind: str = Experiment.Kind.AB,
    hypothesis: str = "",
    metric: str = Experiment.Metric.CTR,
    built_in: bool = False,
) -> Experiment:
    """Create and start an experiment from a `NAME=WEIGHT,...` spec; the first variant (or one named
    `control`) is the control. Refused if another runs on the surface, or the name was used before."""
    slug = slugify(name)
    if not slug or slug != name:
        raise InvalidInput(
            f"An experiment name is lowercase letters, digits and hyphens, e.g. {slugify(name) or 'art-test'!r}."
        )
    if kind not in Experiment.Kind.values:
        raise InvalidInput(f"Unknown kind {kind!r}; use one of {', '.join(Experiment.Kind.values)}.")
    if metric not in Experiment.Metric.values:
        raise InvalidInput(f"Unknown metric {metric!r}; use one of {', '.join(Experiment.Metric.values)}.")
    try:
        parsed = parse_variants(variants)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if not _interleaving_fits(kind, surface, len(parsed)):
        raise InvalidInput("Interleaving drafts two rankers into one row: use --surface rows and two variants.")
    configs = [variant_config(surface, variant) for variant, _ in parsed]
    if Experiment.objects.filter(name=name).exists():
        raise Conflict(f"An experiment named {name!r} exists already; names are not reused, pick another.")
    _refuse_if_surface_busy(surface)
    control = next((variant for variant, _ in parsed if variant == "control"), parsed[0][0])
    experiment = Experiment.objects.create(
        name=name,
        surface=surface,
        kind=kind,
        hypothesis=hypothesis,
        primary_metric=metric,
        salt=name,
        built_in=built_in,
        status=Experiment.Status.RUNNING,
        started_at=timezone.now(),
    )
    for (variant, weight), config in zip(parsed, configs, strict=True):
        Variant.objects.create(
            experiment=experiment, name=variant, weight=weight, is_control=variant == control, **config
        )
    return experiment


def experiment_begin(*, experiment: Experiment) -> Experiment:
    """Start a draft made in the admin (its variants as configured there)."""
    if experiment.status != Experiment.Status.DRAFT:
        raise Conflict(f"{experiment.name} is {experiment.get_status_display().lower()}; only a draft can start.")
    variants = list(experiment.variants.select_related("model_version"))
    problems = draft_problems(experiment, variants)
    if problems:
        raise InvalidInput(f"{experiment.name} cannot start: {'; '.join(problems)}.")
    with transaction.atomic():
        _refuse_if_surface_busy(experiment.surface)
        if not any(v.is_control for v in variants):
            Variant.objects.filter(pk=variants[0].pk).update(is_control=True)
        experiment.status, experiment.started_at = Experiment.Status.RUNNING, timezone.now()
        experiment.salt = experiment.salt or experiment.name
        try:
            with transaction.atomic():
                experiment.save()
        except IntegrityError:  # another one started on the surface in between
            raise Conflict(f"Another experiment is running on the {experiment.surface} surface.") from None
    return experiment


def draft_problems(experiment: Experiment, variants: list[Variant]) -> list[str]:
    """What keeps a draft made in the admin from starting, as the command line's `experiment_start`
    would refuse it: each variant must say what it changes on the experiment's surface and nothing
    else, weights positive and summing to 1, at most one control, interleaving two rankers."""
    problems = []
    if len(variants) < 2:
        problems.append("it needs two or more variants")
    weights = [v.weight for v in variants]
    if any(not 0 < weight <= 1 for weight in weights):  # (NaN fails this too)
        problems.append("every weight must be above 0 and at most 1")
    elif variants and abs(sum(weights) - 1.0) > 1e-6:
        problems.append(f"the weights must sum to 1, not {sum(weights):g}")
    if sum(v.is_control for v in variants) > 1:
        problems.append("only one variant can be the control")
    wanted = {
        Experiment.Surface.ARTWORK: ("artwork_policy", "an artwork policy"),
        Experiment.Surface.ROWS: ("row_policy", "a row policy"),
        Experiment.Surface.MODEL: ("model_version", None),  # none set: the active model
    }.get(experiment.surface)
    others = [f for f in ("artwork_policy", "row_policy", "model_version") if wanted and f != wanted[0]]
    for variant in variants:
        if wanted and wanted[1] and not getattr(variant, wanted[0]):
            problems.append(f"variant {variant.name} needs {wanted[1]} on the {experiment.surface} surface")
        if any(getattr(variant, f) for f in others):
            problems.append(f"variant {variant.name} sets what the {experiment.surface} surface does not change")
        if variant.model_version is not None and not variant.model_version.artifact_path:
            problems.append(f"variant {variant.name}'s model version has no trained artifact")
    if not _interleaving_fits(experiment.kind, experiment.surface, len(variants)):
        problems.append("interleaving drafts two rankers into one row: the rows surface and two variants")
    return problems


def _interleaving_fits(kind: str, surface: str, variants: int) -> bool:
    """Interleaving drafts two rankers into one row: only on the rows surface, with two variants."""
    return kind != Experiment.Kind.INTERLEAVE or (surface == Experiment.Surface.ROWS and variants == 2)


def experiment_stop(*, name: str) -> Experiment:
    experiment = Experiment.objects.filter(name=name).first()
    if experiment is None:
        raise NotFound(f"There is no experiment named {name!r}.")
    if experiment.status != Experiment.Status.RUNNING:
        raise Conflict(f"{name} is not running ({experiment.get_status_display().lower()}).")
    experiment.status, experiment.stopped_at = Experiment.Status.STOPPED, timezone.now()
    experiment.save(update_fields=["status", "stopped_at", "updated_at"])
    return experiment


def experiment_holdout_ensure() -> Experiment | None:
    """The built-in artwork holdout: ARTWORK_CONTROL_SHARE of profiles on uniform artwork, the rest on
    ARTWORK_POLICY, so the bandit's lift stays measurable on live traffic. Made once (an admin may stop
    it to run another artwork experiment); None when the share is 0 or the surface is taken."""
    share = settings.ARTWORK_CONTROL_SHARE
    if share <= 0 or Experiment.objects.filter(name=HOLDOUT).exists():
        return None
    if Experiment.objects.filter(surface=Experiment.Surface.ARTWORK, status=Experiment.Status.RUNNING).exists():
        return None
    policy = {"thompson": "bandit"}.get(settings.ARTWORK_POLICY, settings.ARTWORK_POLICY)
    if policy == "uniform":
        return None
    return experiment_start(
        name=HOLDOUT,
        surface=Experiment.Surface.ARTWORK,
        variants=f"uniform={share:g},{policy}={1 - share:g}",
        hypothesis="The bandit's artwork is clicked more than uniformly random artwork (the standing control).",
        built_in=True,
    )


def _refuse_if_surface_busy(surface: str) -> None:
    running = Experiment.objects.filter(surface=surface, status=Experiment.Status.RUNNING).first()
    if running:
        raise Conflict(
            f"{running.name} is running on the {surface} surface; two experiments on one surface would "
            f"clash. Stop it first (python manage.py experiment_stop {running.name})."
        )


def experiment_analyse(*, experiment: Experiment) -> ExperimentResult:
    """Compute and keep the experiment's report (both modes). The first analysis after it stopped is
    its final one: from then on its raw impressions may be rolled up."""
    started = timezone.now()
    experiment.refresh_from_db()  # its status and window as stored, not as the caller last saw them
    report = {
        "fixed": experiment_report(experiment),
        "sequential": experiment_report(experiment, sequential=True),
    }
    if experiment.surface == Experiment.Surface.ARTWORK and experiment.kind == Experiment.Kind.AB:
        report["fixed"]["off_policy"] = report["sequential"]["off_policy"] = _off_policy(experiment, report["fixed"])
    result = ExperimentResult.objects.create(experiment=experiment, report=report)
    if experiment.status == Experiment.Status.STOPPED and experiment.analysed_at is None:
        Experiment.objects.filter(pk=experiment.pk).update(analysed_at=started)
    return result


TARGET_OF = {"thompson": "bandit", "uniform": "uniform", "editorial": "editorial"}


def _off_policy(experiment: Experiment, report: dict) -> dict | None:
    """Each variant's policy (and top-genre) estimated from the impressions logged under the most
    exploratory variant (uniform when there is one), beside the CTR each variant measured."""
    variants = list(experiment.variants.all())
    logging = next((v for v in variants if v.artwork_policy == "uniform"), None)
    impressions = logged_impressions(experiment=experiment, logged_policy=logging.artwork_policy if logging else None)
    measured = {
        TARGET_OF.get(v.artwork_policy): row["ctr"] for v, row in zip(variants, report["variants"], strict=True)
    }
    policies = []
    for target in (*dict.fromkeys(TARGET_OF.get(v.artwork_policy) for v in variants if v.artwork_policy), "top-genre"):
        try:
            policies.append({**off_policy_report(target, impressions, resamples=500), "measured": measured.get(target)})
        except NoDecisions:
            return None
    return {"logged_policy": logging.name if logging else "every variant", "policies": policies}


def experiments_to_analyse() -> list[Experiment]:
    """Running experiments, and stopped ones whose final analysis is still owed."""
    return list(
        Experiment.objects.filter(status=Experiment.Status.RUNNING)
        | Experiment.objects.filter(status=Experiment.Status.STOPPED, analysed_at__isnull=True)
    )


def experiment_analyse_enqueue(*, experiment: Experiment) -> None:
    """Recompute the report in the background (the results page's button)."""
    queue.send_on_commit(queue.EXPERIMENT_ANALYSE, experiment.pk)
