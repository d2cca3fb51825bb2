"""The demo starts warm, honestly: `warm_bandit --sessions N` (and seed_demo) let the artwork bandit learn
from simulated sessions in the default world; their impressions are kept, marked simulated, and left
out of experiment results, live CTR and off-policy evaluation; the sample viewers' standing is untouched."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from personalization.bandit import BanditState
from personalization.context import Context
from personalization.models import BanditSnapshot, Engagement, Event, Experiment, Impression, PageView, Profile
from personalization.selectors.experiment_report import experiment_report
from personalization.services.artwork import bandit_learn
from personalization.services.experiments import HOLDOUT
from personalization.services.homepage import homepage_build
from personalization.services.impressions import impressions_mark_seen
from tests.conftest import seed_quietly
from tests.factories import write_clustered_movielens

pytestmark = pytest.mark.django_db


def warm(*args: str) -> dict:
    out = StringIO()
    call_command("warm_bandit", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_warming_teaches_the_bandit_from_simulated_sessions_marked_simulated(clustered_data):
    standing = sorted(Engagement.objects.values_list("profile_id", "title_id", "plays", "progress"))

    stats = warm("--sessions", "40", "--seed", "3", "--learn-every", "10")

    assert stats["sessions"] == 40 and stats["learning_passes"] == 4 and stats["clicks"] > 0 and stats["plays"] > 0
    simulated = Impression.objects.filter(simulated=True)
    assert simulated.count() == Impression.objects.count() > 0  # every impression it logged is marked
    assert stats["impressions"] == simulated.filter(seen_at__isnull=False).count() > 0
    assert PageView.objects.filter(simulated=False).count() == 0
    state = BanditState.from_bytes(bytes(BanditSnapshot.objects.first().state))
    assert state.n_impressions == simulated.filter(seen_at__isnull=False).exclude(theme="").count()
    clicks = Event.objects.filter(kind="click")
    assert clicks.count() == stats["clicks"]
    assert set(clicks.values_list("impression_id", flat=True)) <= set(simulated.values_list("id", flat=True))
    # The sample viewers' own standing (plays, progress, Continue Watching) is as it was.
    assert sorted(Engagement.objects.values_list("profile_id", "title_id", "plays", "progress")) == standing


def test_simulated_impressions_are_in_no_experiment_result(clustered_data):
    holdout = Experiment.objects.get(name=HOLDOUT)  # seed_demo's running artwork control
    warm("--sessions", "20", "--seed", "1")
    assert Impression.objects.filter(experiment_variant__contains=f";{HOLDOUT}=").exists()
    assert sum(v["impressions"] for v in experiment_report(holdout, use_cuped=False)["variants"]) == 0

    viewer = Impression.objects.values_list("profile_id", flat=True).first()
    page = homepage_build(profile=Profile.objects.get(pk=viewer), context=Context(20, "evening", "desktop"))
    person = [page.rows[0].cards[0], page.rows[0].cards[1]]
    impressions_mark_seen([uuid.UUID(card.impression.split(".")[0]) for card in person])
    counted = sum(v["impressions"] for v in experiment_report(holdout, use_cuped=False)["variants"])
    assert counted == 2  # a person's seen cards count; the warm-up's never do


def test_seed_demo_warms_a_cold_bandit_once(tmp_path):
    directory = write_clustered_movielens(tmp_path / "clustered")
    out = StringIO()
    call_command("seed_demo", movielens_dir=str(directory), prerender=0, no_background=True, skip_training=True,
                 warm_sessions=12, stdout=out, stderr=StringIO())  # fmt: skip
    assert "warmed from 12 simulated sessions" in out.getvalue()
    snapshots = BanditSnapshot.objects.count()
    assert snapshots > 0 and Impression.objects.filter(simulated=False).count() == 0

    again = StringIO()
    call_command("seed_demo", movielens_dir=str(directory), prerender=0, no_background=True, skip_training=True,
                 warm_sessions=12, stdout=again, stderr=StringIO())  # fmt: skip
    assert "warmed" not in again.getvalue() and BanditSnapshot.objects.count() == snapshots  # learned: left alone


def test_bad_arguments_and_an_empty_demo_are_refused(tmp_path):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("warm_bandit", "--sessions", "5")
    seed_quietly(write_clustered_movielens(tmp_path / "c"))
    with pytest.raises(CommandError, match="at least 1"):
        call_command("warm_bandit", "--sessions", "0")
    with pytest.raises(CommandError, match="--warm-sessions"):
        call_command("seed_demo", movielens_dir=str(tmp_path / "c"), prerender=0, no_background=True,
                     skip_training=True, warm_sessions=-1)  # fmt: skip
    assert not Impression.objects.exists() and not BanditSnapshot.objects.exists()


def test_a_warm_bandit_then_learns_from_people_as_before(clustered_data):
    warm("--sessions", "10", "--seed", "4")
    before = BanditSnapshot.objects.first().impressions_folded
    profile = Profile.objects.filter(ratings__isnull=False).first()
    page = homepage_build(profile=profile, context=Context(9, "morning", "mobile"))
    import uuid

    themed = [card for card in page.rows[0].cards if card.theme][:3]
    impressions_mark_seen([uuid.UUID(card.impression.split(".")[0]) for card in themed])
    stats = bandit_learn(lag=timedelta(0))
    assert stats.impressions == 3 and BanditSnapshot.objects.first().impressions_folded == before + 3


def test_insights_and_the_export_tell_simulated_impressions_apart(clustered_data, admin_client, tmp_path):
    warm("--sessions", "15", "--seed", "2")
    path = tmp_path / "all.csv"
    call_command("export_impressions", "--out", str(path), stderr=StringIO())
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {row["simulated"] for row in rows} == {"1"} and {row["counted"] for row in rows} == {"0"}
    response = admin_client.get(reverse("personalization:insights"))
    assert response.status_code == 200
    warmed = response.context["warm_up"]
    assert warmed["impressions"] == Impression.objects.filter(simulated=True, seen_at__isnull=False).count() > 0
    assert "simulated" in response.content.decode()
    assert response.context["live"].impressions == {}  # live CTR: people only


def test_a_session_whose_page_plan_was_lost_is_skipped_not_fatal(clustered_data, monkeypatch):
    from personalization.page import PageExpired
    from personalization.services import warmup

    real, calls = warmup.session_run, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # as when a Redis blip loses the page's plan between building it and its lazy rows
            raise PageExpired()
        return real(*args, **kwargs)

    monkeypatch.setattr(warmup, "session_run", flaky)
    stats = warmup.bandit_warm(sessions=4, seed=1, learn_every=2)
    assert (stats.sessions, stats.skipped, stats.learning_passes) == (4, 1, 2) and BanditSnapshot.objects.exists()


def test_a_simulations_fresh_bandit_is_blind_to_the_warm_up(clustered_data):
    """simulate_traffic's replays and bench/warm_start.py start from `bandit_fresh_start`: deleting the
    snapshots alone would let the first pass fold every impression already logged (the demo's warm-up)
    as a miss, its rewards being marked folded already."""
    from django.db import transaction

    from personalization.services.artwork import bandit_fresh_start

    warm("--sessions", "12", "--seed", "5")
    logged = Impression.objects.filter(simulated=True, seen_at__isnull=False).exclude(theme="").count()
    with transaction.atomic():
        BanditSnapshot.objects.all().delete()
        assert bandit_learn(lag=timedelta(0)).impressions == logged > 0  # the leak this guards against
        transaction.set_rollback(True)

    with transaction.atomic():
        bandit_fresh_start()
        assert (bandit_learn(lag=timedelta(0)).impressions, BanditSnapshot.objects.first().impressions_folded) == (0, 0)
        profile = Profile.objects.filter(ratings__isnull=False).first()
        page = homepage_build(profile=profile, context=Context(20, "evening", "desktop"))
        themed = [card for card in page.rows[0].cards if card.theme][:2]
        impressions_mark_seen([uuid.UUID(card.impression.split(".")[0]) for card in themed])
        assert bandit_learn(lag=timedelta(0)).impressions == 2  # what is seen from now on
        transaction.set_rollback(True)
    assert BanditSnapshot.objects.first().impressions_folded > 0  # the real bandit is back
