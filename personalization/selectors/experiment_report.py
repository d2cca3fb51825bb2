"""An experiment's results, read from the impression log and computed with `personalization.abtest`.

What is counted: the impressions logged with the experiment in their page view's assignments
(`;name=variant;`), shown between its start and its stop, seen (on the viewer's screen: served-not-seen
cards are not counted) and not simulated (the warm-up's sessions are not people) (`counted_impressions`;
the export marks exactly these). A click or play counts for
an impression when its event carries the impression's token (at most one each: a database constraint).
The unit of every interval is the profile.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from personalization import abtest
from personalization.interleaving import preference
from personalization.models import Event, Experiment, Impression

PRE_PERIOD = timedelta(days=30)  # CUPED's covariate: each profile's CTR in the 30 days before the start
SEQUENTIAL_TAU = 0.1  # mSPRT mixing sd, relative to the control's rate: effects of ~10% are the ones we look for
METRICS = {  # primary metric -> (numerator, denominator) per profile
    "ctr": ("clicks", "impressions"),
    "play_rate": ("plays", "impressions"),
    "plays_per_page_view": ("plays", "page_views"),
}


def seen_impressions() -> QuerySet[Impression]:
    """The impressions every rate counts: cards that were on the viewer's screen (reported seen, or
    clicked or played). Served-not-seen cards are in the log but in no rate."""
    return Impression.objects.filter(seen_at__isnull=False)


def live_impressions() -> QuerySet[Impression]:
    """Seen impressions of people: simulated sessions (the warm-up) are left out of every result."""
    return seen_impressions().filter(simulated=False)


def counted_impressions(experiment: Experiment) -> QuerySet[Impression]:
    """The impressions the experiment's results count (and the export marks counted): seen ones of people
    (not the warm-up's simulated sessions)."""
    impressions = live_impressions().filter(experiment_variant__contains=f";{experiment.name}=")
    if experiment.started_at:
        impressions = impressions.filter(shown_at__gte=experiment.started_at)
    if experiment.stopped_at:
        impressions = impressions.filter(shown_at__lt=experiment.stopped_at)
    return impressions


def with_outcomes(impressions: QuerySet[Impression]) -> QuerySet[Impression]:
    """Each impression with `clicked` and `played` (its click and play events, attributed by token)."""
    return impressions.annotate(
        clicked=Exists(Event.objects.filter(kind=Event.Kind.CLICK, impression_id=OuterRef("id"))),
        played=Exists(Event.objects.filter(kind=Event.Kind.PLAY, impression_id=OuterRef("id"))),
    )


def experiment_report(experiment: Experiment, *, sequential: bool = False, use_cuped: bool = True) -> dict:
    """The full analysis: per variant counts, rates with intervals, lift, p-value, probability best,
    CUPED (on by default), SRM, daily series and the cumulative lift; `sequential` reports always-valid
    p-values and intervals (mSPRT), valid however often the results are looked at."""
    variants = list(experiment.variants.all())
    control = next((v for v in variants if v.is_control), variants[0] if variants else None)
    daily = _daily_counts(experiment)
    if experiment.kind == Experiment.Kind.INTERLEAVE:
        return _interleaving_report(experiment, daily)
    per_profile = _per_profile(daily, [v.name for v in variants])
    numerator, denominator = METRICS[experiment.primary_metric]
    covariates = _pre_period_ctr(experiment, per_profile) if use_cuped else None
    primary = {v.name: _estimate(per_profile[v.name], numerator, denominator) for v in variants}
    reduction = 0.0
    if covariates is not None and all(e.profiles > 1 for e in primary.values()):
        primary, reduction = abtest.cuped(primary, {v.name: covariates[v.name] for v in variants})
    ctr = {v.name: _estimate(per_profile[v.name], "clicks", "impressions") for v in variants}
    plays = {v.name: _estimate(per_profile[v.name], "plays", "impressions") for v in variants}
    best = abtest.probability_best([primary[v.name] for v in variants])
    profiles = [len(per_profile[v.name]["profile"]) for v in variants]
    srm = abtest.srm_p_value(profiles, [v.weight for v in variants])
    rows = []
    for variant, probability in zip(variants, best, strict=True):
        data, estimate = per_profile[variant.name], primary[variant.name]
        row = {
            "name": variant.name,
            "control": variant is control,
            "weight": variant.weight,
            "profiles": len(data["profile"]),
            "page_views": int(data["page_views"].sum()),
            "impressions": int(data["impressions"].sum()),
            "clicks": int(data["clicks"].sum()),
            "plays": int(data["plays"].sum()),
            **_rate("ctr", ctr[variant.name]),
            **_rate("play_rate", plays[variant.name]),
            **_rate("metric", estimate),
            "prob_best": round(probability, 4),
        }
        row.update(_versus(estimate, primary[control.name], sequential) if control else {})
        if variant is control:
            row.update(lift=0.0, lift_ci_low=0.0, lift_ci_high=0.0, p_value=None)
        rows.append(row)
    return {
        "experiment": experiment.name,
        "status": experiment.status,
        "surface": experiment.surface,
        "kind": experiment.kind,
        "metric": experiment.primary_metric,
        "mode": "sequential (always-valid, mSPRT)" if sequential else "fixed horizon",
        "cuped": use_cuped,
        "cuped_variance_reduction": round(reduction, 4),
        "srm_p_value": _significant(srm),
        "srm_flag": srm < abtest.SRM_ALPHA,
        "variants": rows,
        "series": _series(daily, variants, control, numerator, denominator),
        "started_at": experiment.started_at.isoformat() if experiment.started_at else None,
        "stopped_at": experiment.stopped_at.isoformat() if experiment.stopped_at else None,
        "computed_at": timezone.now().isoformat(),
    }


# Reading the log ---------------------------------------------------------------------------------


def _daily_counts(experiment: Experiment) -> list[dict]:
    """Per (profile, variant, day): impressions, clicks, plays, page views."""
    rows = (
        with_outcomes(counted_impressions(experiment))
        .annotate(day=TruncDate("shown_at"))
        .values("profile_id", "experiment_variant", "day")
        .annotate(
            impressions=Count("id"),
            clicks=Count("id", filter=Q(clicked=True)),
            plays=Count("id", filter=Q(played=True)),
            page_views=Count("page_view_id", distinct=True),
        )
        .order_by()
    )
    out = []
    for row in rows:
        variant = abtest.label_variant(row["experiment_variant"], experiment.name)
        if variant is not None:
            out.append({**row, "variant": variant})
    return out


_FIELDS = ("impressions", "clicks", "plays", "page_views")


def _per_profile(daily: list[dict], variant_names: list[str], until: date | None = None) -> dict[str, dict]:
    """Per variant, arrays over its profiles (totals up to `until`, inclusive)."""
    totals: dict[str, dict[int, np.ndarray]] = {name: defaultdict(lambda: np.zeros(4)) for name in variant_names}
    for row in daily:
        if row["variant"] in totals and (until is None or row["day"] <= until):
            totals[row["variant"]][row["profile_id"]] += [row[f] for f in _FIELDS]
    out = {}
    for name, profiles in totals.items():
        ids = np.array(sorted(profiles), dtype=np.int64)
        matrix = np.array([profiles[i] for i in ids]).reshape(-1, 4)
        out[name] = {"profile": ids, **{f: matrix[:, j] for j, f in enumerate(_FIELDS)}}
    return out


def _pre_period_ctr(experiment: Experiment, per_profile: dict[str, dict]) -> dict[str, np.ndarray] | None:
    """Each profile's CTR over the 30 days before the experiment (the pooled rate where it had none)."""
    if not experiment.started_at:
        return None
    everyone = np.concatenate([data["profile"] for data in per_profile.values()])
    before = (
        with_outcomes(
            live_impressions().filter(
                profile_id__in=everyone.tolist(),
                shown_at__gte=experiment.started_at - PRE_PERIOD,
                shown_at__lt=experiment.started_at,
            )
        )
        .values("profile_id")
        .annotate(n=Count("id"), clicks=Count("id", filter=Q(clicked=True)))
        .order_by()
    )
    history = {row["profile_id"]: (row["clicks"], row["n"]) for row in before}
    if not history:
        return None
    pooled = sum(c for c, _ in history.values()) / sum(n for _, n in history.values())
    return {
        name: np.array([history[p][0] / history[p][1] if p in history else pooled for p in data["profile"]])
        for name, data in per_profile.items()
    }


# Statistics -------------------------------------------------------------------------------------


def _estimate(data: dict, numerator: str, denominator: str) -> abtest.RatioEstimate:
    return abtest.ratio_estimate(data[numerator], data[denominator])


def _rate(prefix: str, estimate: abtest.RatioEstimate) -> dict:
    low, high = estimate.ci if np.isfinite(estimate.variance) else (float("nan"), float("nan"))
    return {prefix: _round(estimate.value), f"{prefix}_ci_low": _round(low), f"{prefix}_ci_high": _round(high)}


def _versus(treatment: abtest.RatioEstimate, control: abtest.RatioEstimate, sequential: bool) -> dict:
    comparison = abtest.compare(treatment, control)
    result = {
        "lift": _round(comparison.lift),
        "lift_ci_low": _round(comparison.lift_ci[0]),
        "lift_ci_high": _round(comparison.lift_ci[1]),
        "p_value": _significant(comparison.p_value),
    }
    if sequential and np.isfinite(comparison.difference_stderr) and control.value > 0:
        tau2 = (SEQUENTIAL_TAU * control.value) ** 2
        p_value, (low, high) = abtest.msprt(comparison.difference, comparison.difference_stderr**2, tau2=tau2)
        result.update(
            p_value=_significant(p_value),
            lift_ci_low=_round(low / control.value),
            lift_ci_high=_round(high / control.value),
        )
    return result


def _series(daily: list[dict], variants: list, control, numerator: str, denominator: str) -> dict:
    """Per day: each variant's metric that day, and each treatment's cumulative lift with its interval."""
    days = sorted({row["day"] for row in daily})
    by_day: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(4))
    for row in daily:
        by_day[(row["variant"], row["day"])] += [row[f] for f in _FIELDS]
    num, den = _FIELDS.index(numerator), _FIELDS.index(denominator)
    daily_rates = {v.name: [_ratio(by_day[(v.name, d)], num, den) for d in days] for v in variants}
    cumulative: dict[str, list[list]] = {v.name: [] for v in variants if v is not control}
    for day in days:
        upto = _per_profile(daily, [v.name for v in variants], until=day)
        base = _estimate(upto[control.name], numerator, denominator) if control else None
        for variant in variants:
            if variant is control or base is None:
                continue
            comparison = abtest.compare(_estimate(upto[variant.name], numerator, denominator), base)
            cumulative[variant.name].append(
                [_round(comparison.lift), _round(comparison.lift_ci[0]), _round(comparison.lift_ci[1])]
            )
    return {"days": [d.isoformat() for d in days], "metric": daily_rates, "cumulative_lift": cumulative}


def _interleaving_report(experiment: Experiment, daily: list[dict]) -> dict:
    """Sessions (page views) credited to each ranker by the clicks on the cards it drafted."""
    clicks = (
        with_outcomes(counted_impressions(experiment).exclude(team=""))
        .filter(clicked=True)
        .values("page_view_id", "team")
        .annotate(n=Count("id"))
        .order_by()
    )
    sessions: dict = defaultdict(lambda: [0, 0])
    for row in clicks:
        sessions[row["page_view_id"]][0 if row["team"] == "A" else 1] += row["n"]
    counts = np.array(list(sessions.values()) or [[0, 0]])
    result = preference(counts[:, 0], counts[:, 1])
    rankers = [v.row_policy or v.name for v in experiment.variants.all()[:2]]
    return {
        "experiment": experiment.name,
        "status": experiment.status,
        "kind": experiment.kind,
        "rankers": {"A": rankers[0] if rankers else "A", "B": rankers[1] if len(rankers) > 1 else "B"},
        "page_views": sum(row["page_views"] for row in daily),
        "sessions_with_clicks": result.sessions,
        "wins_a": result.wins_a,
        "wins_b": result.wins_b,
        "ties": result.ties,
        "share_a": _round(result.share_a),
        "p_value": _significant(result.p_value),
        "computed_at": timezone.now().isoformat(),
    }


def _ratio(counts: np.ndarray, numerator: int, denominator: int) -> float | None:
    return _round(counts[numerator] / counts[denominator]) if counts[denominator] else None


def _round(value: float | None, digits: int = 5) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


def _significant(p_value: float | None) -> float | None:
    """A p-value to 4 significant figures: 3.2e-12 stays readable instead of rounding to 0."""
    if p_value is None or not np.isfinite(p_value):
        return None
    return float(f"{p_value:.4g}")
