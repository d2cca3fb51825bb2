"""Experiments end to end: starting and refusing, sticky assignment in pages and the API, the report
against a brute-force count of the log, the export, off-policy estimates, and what a page shows with
no traffic, no clicks, or after stopping."""

from __future__ import annotations

import csv
import json
import uuid
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from scipy import stats

from catalog.models import Title
from catalog.themes import ALL_THEMES
from personalization.abtest import assign, label_variant
from personalization.context import Context
from personalization.models import Event, Experiment, ExperimentDaily, Impression, ImpressionDaily, Profile
from personalization.selectors.experiment_report import experiment_report
from personalization.services.experiments import (
    HOLDOUT,
    experiment_analyse,
    experiment_begin,
    experiment_holdout_ensure,
    experiment_start,
    experiment_stop,
)
from personalization.services.homepage import homepage_build
from personalization.services.impressions import (
    ShownCard,
    impression_batch,
    impressions_ingest,
    impressions_mark_seen,
    impressions_rollup,
)
from streamflix.errors import Conflict, InvalidInput
from tests.factories import make_catalog, make_profile

pytestmark = pytest.mark.django_db

EVENING = Context(hour=20, daypart="evening", device="desktop")


@pytest.fixture
def catalog():
    return make_catalog(per_genre=10, genres=("Drama", "Comedy", "Action"))


def test_one_experiment_per_surface_and_a_clear_refusal_for_the_second():
    experiment_start(name="art-a", surface="artwork", variants="uniform=0.5,bandit=0.5")
    experiment_start(name="rows-a", surface="rows", variants="personalized=0.5,popularity=0.5")  # another surface

    with pytest.raises(Conflict, match=r"art-a is running on the artwork surface.*experiment_stop art-a"):
        experiment_start(name="art-b", surface="artwork", variants="editorial=0.5,bandit=0.5")
    experiment_stop(name="art-a")
    assert experiment_start(name="art-b", surface="artwork", variants="editorial=0.5,bandit=0.5").status == "running"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"surface": "artwork", "variants": "popularity=0.5,bandit=0.5"}, "a variant is a policy"),
        ({"surface": "rows", "variants": "uniform=0.5,popularity=0.5"}, "a variant is a ranker"),
        ({"surface": "model", "variants": "active=0.5,v999=0.5"}, "trained version"),
        ({"surface": "artwork", "variants": "uniform=0.7,bandit=0.7"}, "sum to 1"),
        ({"surface": "artwork", "variants": "uniform=0.5,bandit=0.5", "kind": "interleave"}, "surface rows"),
    ],
)
def test_variants_must_name_what_their_surface_changes(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        experiment_start(name="bad", **kwargs)
    assert not Experiment.objects.exists()


def test_names_are_never_reused_and_the_commands_say_why():
    call_command(
        "experiment_start", "once", "--surface", "artwork", "--variants", "uniform=0.5,bandit=0.5", stdout=StringIO()
    )
    call_command("experiment_stop", "once", stdout=StringIO())
    with pytest.raises(CommandError, match="names are not reused"):
        call_command("experiment_start", "once", "--surface", "artwork", "--variants", "uniform=0.5,bandit=0.5")
    with pytest.raises(CommandError, match="not running"):
        call_command("experiment_stop", "once")


def test_a_running_experiments_weights_cannot_change_in_the_admin(admin_client):
    experiment = experiment_start(name="locked", surface="artwork", variants="uniform=0.5,bandit=0.5")
    page = admin_client.get(reverse("admin:personalization_experiment_change", args=[experiment.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and 'name="variants-0-weight"' not in body  # shown, not editable
    assert "0.5" in body


def test_a_draft_made_in_the_admin_starts_from_the_list(admin_client):
    draft = Experiment.objects.create(name="drafted", surface="rows")
    draft.variants.create(name="personalized", weight=0.5, row_policy="personalized")
    draft.variants.create(name="popularity", weight=0.5, row_policy="popularity")

    admin_client.post(
        reverse("admin:personalization_experiment_changelist"),
        {"action": "start_selected", "_selected_action": [draft.pk]},
    )

    draft.refresh_from_db()
    assert draft.status == "running" and draft.variants.get(name="personalized").is_control


def _draft(surface, kind, variants):
    draft = Experiment.objects.create(name="drafted", surface=surface, kind=kind)
    for index, (weight, fields) in enumerate(variants):
        draft.variants.create(name=f"v{index}", weight=weight, **fields)
    return draft


ART, UNIFORM = {"artwork_policy": "thompson"}, {"artwork_policy": "uniform"}
PERSONAL, POPULAR = {"row_policy": "personalized"}, {"row_policy": "popularity"}


@pytest.mark.parametrize(
    ("surface", "kind", "variants", "problem"),
    [
        ("artwork", "ab", [], "two or more variants"),
        ("artwork", "ab", [(1.0, ART)], "two or more variants"),
        ("artwork", "ab", [(-1.0, ART), (2.0, UNIFORM)], "above 0"),  # sums to 1: it started before
        ("artwork", "ab", [(0.0, ART), (1.0, UNIFORM)], "above 0"),
        ("artwork", "ab", [(0.5, ART), (0.6, UNIFORM)], "sum to 1, not 1.1"),
        ("artwork", "ab", [(0.5, {**ART, "is_control": True}), (0.5, {**UNIFORM, "is_control": True})], "one variant"),
        ("artwork", "ab", [(0.5, PERSONAL), (0.5, POPULAR)], "v0 needs an artwork policy"),
        ("artwork", "ab", [(0.5, {**ART, **PERSONAL}), (0.5, UNIFORM)], "v0 sets what the artwork surface"),
        ("rows", "ab", [(0.5, PERSONAL), (0.5, {})], "v1 needs a row policy"),
        ("model", "ab", [(0.5, {}), (0.5, ART)], "v1 sets what the model surface"),
        ("rows", "interleave", [(0.4, PERSONAL), (0.3, POPULAR), (0.3, POPULAR)], "two rankers"),
        ("artwork", "interleave", [(0.5, ART), (0.5, UNIFORM)], "two rankers"),
    ],
)
def test_a_draft_the_command_line_would_refuse_does_not_start_from_the_admin(
    admin_client, surface, kind, variants, problem
):
    draft = _draft(surface, kind, variants)

    page = admin_client.post(
        reverse("admin:personalization_experiment_changelist"),
        {"action": "start_selected", "_selected_action": [draft.pk]},
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.status == "draft" and draft.started_at is None
    assert problem in page.content.decode()
    with pytest.raises(InvalidInput, match="cannot start"):
        experiment_begin(experiment=draft)


def test_saving_a_draft_that_could_not_start_says_why_at_once(admin_client):
    form = {
        "name": "early", "hypothesis": "", "surface": "artwork", "kind": "ab", "primary_metric": "ctr", "salt": "",
        "variants-TOTAL_FORMS": "2", "variants-INITIAL_FORMS": "0", "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-name": "thompson", "variants-0-weight": "0.5", "variants-0-artwork_policy": "thompson",
        "variants-1-name": "uniform", "variants-1-weight": "0.6", "variants-1-artwork_policy": "uniform",
    }  # fmt: skip

    page = admin_client.post(reverse("admin:personalization_experiment_add"), form, follow=True)

    assert Experiment.objects.get(name="early").status == "draft"  # saved: a draft may be unfinished
    assert "before it can start: the weights must sum to 1, not 1.1." in page.content.decode()
    form["name"], form["variants-1-weight"] = "ready", "0.5"
    page = admin_client.post(reverse("admin:personalization_experiment_add"), form, follow=True)
    assert Experiment.objects.get(name="ready").variants.count() == 2
    assert "before it can start" not in page.content.decode()


def test_an_a_a_test_of_the_active_model_starts(admin_client):
    draft = _draft("model", "ab", [(0.5, {}), (0.5, {})])
    experiment_begin(experiment=draft)
    assert Experiment.objects.get(pk=draft.pk).status == "running"


def test_assignment_is_sticky_in_pages_and_the_api(catalog, client):
    experiment_start(name="sticky", surface="artwork", variants="uniform=0.5,bandit=0.5")
    viewers = [make_profile(f"V{n}") for n in range(12)]
    for viewer in viewers:
        expected = assign("sticky", viewer.pk, [("uniform", 0.5), ("bandit", 0.5)])
        policy = {"uniform": "uniform", "bandit": "thompson"}[expected]
        pages = [homepage_build(profile=viewer, context=EVENING) for _ in range(2)]
        api = client.get(reverse("api-homepage", args=[viewer.pk])).json()
        for page_view in [p.page_view_id for p in pages] + [api["page_view_id"]]:
            logged = Impression.objects.filter(page_view_id=page_view)
            assert set(logged.values_list("policy", flat=True)) == {policy}
            assert {label_variant(v, "sticky") for v in logged.values_list("experiment_variant", flat=True)} == {
                expected
            }


def test_the_built_in_holdout_puts_its_share_of_profiles_on_uniform_artwork(settings):
    settings.ARTWORK_CONTROL_SHARE = 0.2
    holdout = experiment_holdout_ensure()
    assert holdout.name == HOLDOUT and holdout.built_in and experiment_holdout_ensure() is None  # made once
    assigned = [
        assign(holdout.salt, profile, [(v.name, v.weight) for v in holdout.variants.all()]) for profile in range(20_000)
    ]
    assert stats.binomtest(assigned.count("uniform"), 20_000, 0.2).pvalue > 0.001


# The report against the log ------------------------------------------------------------------------


def log_experiment(name: str, profiles: list[Profile], *, rates: dict[str, float], seed: int = 0, shown_at=None):
    """Page views of each profile under its assigned variant, with clicks at the variant's rate. Each page's
    last card is served but never seen: no rate may count it."""
    rng = np.random.default_rng(seed)
    experiment = Experiment.objects.get(name=name)
    variants = [(v.name, v.weight) for v in experiment.variants.all()]
    truth = defaultdict(lambda: [0, 0])  # variant -> impressions, clicks
    titles = list(Title.objects.order_by("pk").values_list("pk", flat=True)[:8])
    for profile in profiles:
        variant = assign(experiment.salt, profile.pk, variants)
        for _ in range(int(rng.integers(1, 4))):
            cards = [
                ShownCard(uuid.uuid4(), t, None, "drama", 0, i, 0.5, (1, 2), (0.5, 0.5)) for i, t in enumerate(titles)
            ]
            batch = impression_batch(
                page_view_id=uuid.uuid4().hex, profile_id=profile.pk, shown_at=shown_at or timezone.now(),
                daypart="evening", device="desktop", policy="uniform", policy_version="uniform/1", model_version="",
                experiment_variant=f";{name}={variant};", row_keys={0: "top-picks"}, cards=cards,
                taste=[0.0] * len(ALL_THEMES),
            )  # fmt: skip
            impressions_ingest([batch])
            impressions_mark_seen([card.impression_id for card in cards[:-1]])  # the last one stays off screen
            for card in cards[:-1]:
                truth[variant][0] += 1
                if rng.random() < rates[variant]:
                    truth[variant][1] += 1
                    Event.objects.create(
                        profile=profile, title_id=card.title_id, kind="click", impression_id=card.impression_id
                    )
    return truth


def test_the_report_counts_exactly_what_the_log_holds(catalog):
    experiment = experiment_start(name="counted", surface="artwork", variants="uniform=0.5,bandit=0.5")
    profiles = [make_profile(f"P{n}") for n in range(60)]
    truth = log_experiment("counted", profiles, rates={"uniform": 0.1, "bandit": 0.2})

    report = experiment_report(experiment, use_cuped=False)

    rows = {v["name"]: v for v in report["variants"]}
    for name, (impressions, clicks) in truth.items():
        assert (rows[name]["impressions"], rows[name]["clicks"]) == (impressions, clicks)
        assert rows[name]["ctr"] == pytest.approx(clicks / impressions, abs=1e-5)
    assert rows["uniform"]["control"] and rows["uniform"]["lift"] == 0.0
    rate = {name: clicks / impressions for name, (impressions, clicks) in truth.items()}
    assert rows["bandit"]["lift"] == pytest.approx(rate["bandit"] / rate["uniform"] - 1, abs=1e-4)
    assert sum(r["profiles"] for r in rows.values()) == 60
    assert report["srm_p_value"] == pytest.approx(
        stats.chisquare([rows["uniform"]["profiles"], rows["bandit"]["profiles"]]).pvalue, rel=1e-3
    )
    assert rows["bandit"]["prob_best"] > 0.5


def test_a_broken_split_is_flagged(catalog):
    experiment = experiment_start(name="broken", surface="artwork", variants="uniform=0.5,bandit=0.5")
    profiles = [make_profile(f"P{n}") for n in range(400)]
    variants = [("uniform", 0.5), ("bandit", 0.5)]
    only_bandit = [p for p in profiles if assign("broken", p.pk, variants) == "bandit"]
    log_experiment(
        "broken",
        only_bandit + [p for p in profiles if p not in only_bandit][:20],
        rates={"uniform": 0.1, "bandit": 0.1},
    )

    report = experiment_report(experiment)

    assert report["srm_flag"] and report["srm_p_value"] < 0.001


def test_no_traffic_no_clicks_and_a_stopped_experiment_all_render(catalog, admin_client):
    quiet = experiment_start(name="quiet", surface="rows", variants="personalized=0.5,popularity=0.5")
    assert all(v["impressions"] == 0 and v["ctr"] is None for v in experiment_report(quiet)["variants"])
    experiment_analyse(experiment=quiet)
    assert admin_client.get(reverse("personalization:experiment", args=["quiet"])).status_code == 200
    experiment_stop(name="quiet")

    clickless = experiment_start(name="clickless", surface="artwork", variants="uniform=0.5,bandit=0.5")
    log_experiment("clickless", [make_profile(f"P{n}") for n in range(30)], rates={"uniform": 0.0, "bandit": 0.0})
    experiment_stop(name="clickless")
    result = experiment_analyse(experiment=clickless)

    clickless.refresh_from_db()
    assert clickless.analysed_at is not None  # the final analysis after stopping
    assert all(v["clicks"] == 0 for v in result.report["fixed"]["variants"])
    for url in (reverse("personalization:experiments"), reverse("personalization:experiment", args=["clickless"])):
        assert admin_client.get(url).status_code == 200
    csv_rows = list(
        csv.DictReader(
            StringIO(admin_client.get(reverse("personalization:experiment_csv", args=["clickless"])).content.decode())
        )
    )
    assert [row["name"] for row in csv_rows] == ["uniform", "bandit"] and {row["clicks"] for row in csv_rows} == {"0"}


def test_results_pages_are_for_staff(client, catalog):
    experiment_start(name="private", surface="artwork", variants="uniform=0.5,bandit=0.5")
    client.force_login(User.objects.create_user("viewer", password="pw-123456"))
    for url in (reverse("personalization:experiments"), reverse("personalization:experiment", args=["private"])):
        assert client.get(url).status_code == 302


def test_the_command_prints_a_table_and_ends_with_the_json(catalog):
    experiment_start(name="printed", surface="artwork", variants="uniform=0.5,bandit=0.5")
    log_experiment("printed", [make_profile(f"P{n}") for n in range(40)], rates={"uniform": 0.1, "bandit": 0.3})
    out, err = StringIO(), StringIO()

    call_command("experiment_report", "printed", "--json", stdout=out, stderr=err)

    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {"srm_p_value", "srm_flag", "variants"} <= set(report)
    for variant in report["variants"]:
        assert {"name", "profiles", "page_views", "impressions", "clicks", "plays", "ctr", "ctr_ci_low", "ctr_ci_high",
                "lift", "lift_ci_low", "lift_ci_high", "p_value", "prob_best"} <= set(variant)  # fmt: skip
    assert "uniform" in err.getvalue() and "bandit" in err.getvalue()


def test_the_export_marks_as_counted_exactly_what_the_report_counts(catalog, tmp_path):
    experiment = experiment_start(name="exported", surface="artwork", variants="uniform=0.5,bandit=0.5")
    profiles = [make_profile(f"P{n}") for n in range(30)]
    log_experiment(
        "exported", profiles, rates={"uniform": 0.2, "bandit": 0.2}, shown_at=timezone.now() - timedelta(days=2)
    )
    log_experiment("exported", profiles, rates={"uniform": 0.2, "bandit": 0.2}, seed=1)  # only these are in its window
    Experiment.objects.filter(pk=experiment.pk).update(started_at=timezone.now() - timedelta(hours=1))
    experiment.refresh_from_db()
    out = tmp_path / "export.csv"

    call_command("export_impressions", "--out", str(out), "--experiment", "exported", stderr=StringIO())

    rows = list(csv.DictReader(out.open()))
    report = experiment_report(experiment, use_cuped=False)
    counted = [row for row in rows if row["counted"] == "1"]
    assert len(rows) > len(counted) == sum(v["impressions"] for v in report["variants"])
    assert sum(int(row["clicked"]) for row in counted) == sum(v["clicks"] for v in report["variants"])
    assert {row["variant"] for row in counted} == {"uniform", "bandit"} and counted[0]["n_candidates"] == "2"
    assert counted[0]["candidate_artwork_ids"] == "1 2"


def test_the_export_refuses_a_place_it_cannot_write_and_creates_nothing(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_impressions", "--out", str(tmp_path / "missing" / "x.csv"), stderr=StringIO())
    with pytest.raises(CommandError, match="is a folder"):
        call_command("export_impressions", "--out", str(tmp_path), stderr=StringIO())
    assert not list(tmp_path.iterdir())


def test_a_failed_export_leaves_the_earlier_file_as_it_was(catalog, tmp_path, monkeypatch):
    experiment_start(name="exported", surface="artwork", variants="uniform=0.5,bandit=0.5")
    log_experiment("exported", [make_profile(f"P{n}") for n in range(5)], rates={"uniform": 0.2, "bandit": 0.2})
    out = tmp_path / "export.csv"
    out.write_text("yesterday's export\n")

    def fails(label, experiment):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("personalization.management.commands.export_impressions._variant", fails)
    with pytest.raises(RuntimeError):
        call_command("export_impressions", "--out", str(out), stderr=StringIO())

    assert [path.name for path in tmp_path.iterdir()] == ["export.csv"]  # no half-written .partial left
    assert out.read_text() == "yesterday's export\n"


def test_retention_keeps_an_experiment_raw_until_its_final_analysis(catalog):
    experiment_start(name="kept", surface="artwork", variants="uniform=0.5,bandit=0.5")
    truth = log_experiment("kept", [make_profile(f"P{n}") for n in range(20)], rates={"uniform": 0.3, "bandit": 0.3},
                           shown_at=timezone.now() - timedelta(days=40))  # fmt: skip
    assert impressions_rollup(older_than=timedelta(days=30)).impressions == 0  # running: kept raw
    experiment_stop(name="kept")
    assert impressions_rollup(older_than=timedelta(days=30)).impressions == 0  # stopped, not yet analysed
    experiment_analyse(experiment=Experiment.objects.get(name="kept"))
    page_views = Impression.objects.values("page_view_id").distinct().count()
    rolled = impressions_rollup(older_than=timedelta(days=30))

    seen = sum(n for n, _ in truth.values())
    unseen = sum(d.unseen for d in ImpressionDaily.objects.all())
    assert unseen == page_views  # each page view's one unseen card, kept as a count in no rate
    assert rolled.impressions == seen + unseen and not Impression.objects.exists()
    assert sum(d.impressions for d in ImpressionDaily.objects.all()) == seen
    daily = {d.variant: d for d in ExperimentDaily.objects.filter(experiment="kept")}
    for variant, (impressions, clicks) in truth.items():
        assert (daily[variant].impressions, daily[variant].clicks) == (impressions, clicks)


def test_the_demo_starts_with_the_holdout_and_a_stopped_one_stays_stopped(clustered_data):
    from personalization.tasks import experiment_analyse_task

    holdout = Experiment.objects.get()  # seed_demo made it
    assert (holdout.name, holdout.status, holdout.built_in) == (HOLDOUT, "running", True)
    assert [(v.name, round(v.weight, 6), v.is_control) for v in holdout.variants.all()] == [
        ("uniform", 0.1, True),
        ("bandit", 0.9, False),
    ]

    experiment_stop(name=HOLDOUT)
    experiment_analyse_task()

    assert list(Experiment.objects.values_list("name", "status")) == [(HOLDOUT, "stopped")]


@pytest.mark.parametrize(
    ("p_value", "shown"), [(None, "—"), (3e-12, "< 0.0001"), (0.00042, "0.0004"), (0.0312, "0.031"), (0.79, "0.790")]
)
def test_p_values_are_written_as_an_analyst_reads_them(p_value, shown):
    from personalization.templatetags.stats import pvalue

    assert pvalue(p_value) == shown
