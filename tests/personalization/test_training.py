from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from personalization.models import Engagement, ModelVersion, Profile, Rating
from personalization.recommender import RecommenderParams
from personalization.selectors import serving as selectors
from personalization.selectors.serving import active_model, active_model_forget
from personalization.services import training
from personalization.services.events import event_record
from personalization.services.training import (
    RetrainAlreadyRunning,
    model_retrain,
    training_frames,
    training_items,
)
from personalization.tasks import model_retrain_task
from streamflix.celery import celery_override
from tests.conftest import wait_until
from tests.factories import cluster_of

pytestmark = pytest.mark.django_db


def test_a_retrain_records_its_run_and_serves_the_new_version(clustered_data):
    version = model_retrain(trigger="test")

    version.refresh_from_db()
    assert version.status == ModelVersion.Status.ACTIVE and version.activated_at
    assert Path(version.artifact_path).is_file()
    assert version.data_counts == {"ratings": Rating.objects.count(), "signals": 0, "profiles": 100, "titles": 120}
    assert {"ndcg_at_10", "p_at_10", "r_at_10", "rmse", "mae", "popularity_ndcg_at_10"} <= set(version.metrics)
    assert version.metrics["ndcg_at_10"] > version.metrics["popularity_ndcg_at_10"]
    assert version.training_seconds > 0 and version.params == RecommenderParams().to_dict()
    assert active_model().version_id == version.pk


def test_the_served_model_ranks_with_a_ranker_and_knows_the_titles_content(trained):
    from catalog.models import Title

    model = active_model().model

    assert model.ranker is not None and model.ranker.model_string  # learned on the inner split
    assert {"ease_score", "stars", "implicit_score", "genre_affinity", "days_since_active"} <= set(model.ranker.names)
    title = Title.objects.get(movielens_id=1)  # "Romance Story 1 (1991)", Romance|Drama
    position = int(np.searchsorted(model.item_ids, title.pk))
    assert model.content.year[position] == 1991
    assert model.content.genres[position].nnz == 2
    similar = Title.objects.filter(pk__in=model.similar_items(title.pk, 5).tolist())
    assert similar and all(cluster_of(t) == cluster_of(title) for t in similar)
    # Every title's "Because you watched" neighbours came with the artifact: looked up, not computed.
    assert model.similar_positions is not None and model.similar_positions.shape == (model.n_items, 60)
    assert model.user_activity[:, 1].max() == pytest.approx(model.items.data_end)  # dated ratings reached it


def test_training_items_carry_year_genres_and_tags(clustered_data):
    from catalog.models import Title

    title = Title.objects.get(movielens_id=201)
    Title.objects.filter(pk=title.pk).update(tags=["fast", "loud"])

    items = training_items().set_index("item")

    assert items.loc[title.pk, "year"] == title.year
    assert sorted(items.loc[title.pk, "genres"]) == ["Horror", "Thriller"]
    assert items.loc[title.pk, "tags"] == ["fast", "loud"]
    assert len(items) == Title.objects.count()


def test_an_artifact_from_an_older_release_serves_nothing_until_the_next_retrain(trained, monkeypatch):
    import json

    monkeypatch.setattr(selectors._serving, "check_seconds", 0.0)
    path = Path(trained.artifact_path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(json.dumps({**meta, "format": 1}))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    active_model_forget()

    assert active_model() is None  # pages fall back to popularity rather than fail

    newer = model_retrain(trigger="test")
    assert active_model().version_id == newer.pk


def test_a_newer_version_retires_the_old_one(trained):
    newer = model_retrain(trigger="test")
    trained.refresh_from_db()
    assert newer.status == ModelVersion.Status.ACTIVE
    assert trained.status == ModelVersion.Status.RETIRED
    assert list(ModelVersion.objects.filter(status="active")) == [newer]


def test_the_gate_keeps_a_worse_model_out_and_the_active_one_serving(trained):
    # Pretend the active version measured far better than anything this data can reach.
    ModelVersion.objects.filter(pk=trained.pk).update(metrics={**trained.metrics, "ndcg_at_10": 0.99})

    candidate = model_retrain(trigger="test")

    assert candidate.status == ModelVersion.Status.REJECTED
    assert "worse than the active" in candidate.reason and "0.9900" in candidate.reason
    assert not candidate.artifact_path
    assert ModelVersion.objects.active() == trained
    assert active_model().version_id == trained.pk


def test_the_gate_also_checks_rating_error(trained):
    ModelVersion.objects.filter(pk=trained.pk).update(metrics={**trained.metrics, "rmse": 0.01})
    candidate = model_retrain(trigger="test")
    assert candidate.status == ModelVersion.Status.REJECTED and "RMSE" in candidate.reason


def test_a_second_retrain_cannot_start_while_one_is_training(clustered_data):
    running = ModelVersion.objects.create(trigger="nightly")  # another worker holds the lock

    with pytest.raises(RetrainAlreadyRunning, match=f"{running.label} is training now"):
        model_retrain(trigger="test")

    assert ModelVersion.objects.count() == 1
    assert model_retrain_task.apply(kwargs={"trigger": "test"}).get() is None  # the task skips, no retry


def test_a_lock_left_by_a_dead_worker_is_released_after_an_hour(clustered_data):
    dead = ModelVersion.objects.create(trigger="nightly")
    ModelVersion.objects.filter(pk=dead.pk).update(created_at=timezone.now() - timedelta(hours=2))

    version = model_retrain(trigger="test")

    dead.refresh_from_db()
    assert version.status == ModelVersion.Status.ACTIVE
    assert dead.status == ModelVersion.Status.FAILED and "Abandoned" in dead.reason


def test_a_failed_retrain_is_recorded_and_the_active_model_keeps_serving(trained, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError("out of memory while factorising")

    monkeypatch.setattr("personalization.services.training.holdout_metrics", broken)

    with pytest.raises(MemoryError):
        model_retrain(trigger="test")

    failed = ModelVersion.objects.exclude(pk=trained.pk).get()
    assert failed.status == ModelVersion.Status.FAILED and "out of memory" in failed.reason
    assert ModelVersion.objects.active() == trained and active_model().version_id == trained.pk
    assert not ModelVersion.objects.filter(status="training").exists()  # the lock is released


def test_with_no_ratings_the_retrain_fails_saying_what_to_do(db):
    with pytest.raises(ValueError, match="seed_demo"):
        model_retrain(trigger="test")
    assert ModelVersion.objects.get().status == ModelVersion.Status.FAILED


def test_the_retrain_task_retries_a_failed_run_and_the_retry_activates(clustered_data, monkeypatch):
    attempts = []
    real = training.holdout_metrics

    def flaky(*args, **kwargs):  # the database went away once, mid-run
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "holdout_metrics", flaky)

    celery_override(task_eager_propagates=False)  # so Celery's own retries run (eagerly: at once)
    version_id = model_retrain_task.apply(kwargs={"trigger": "test"}).get()

    assert len(attempts) == 2
    statuses = dict(ModelVersion.objects.values_list("pk", "status"))
    assert statuses[version_id] == ModelVersion.Status.ACTIVE
    assert sorted(statuses.values()) == [ModelVersion.Status.ACTIVE, ModelVersion.Status.FAILED]


def test_the_retrain_task_gives_up_after_its_retries(clustered_data, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the database is gone")

    monkeypatch.setattr(training, "holdout_metrics", broken)

    celery_override(task_eager_propagates=False)  # so Celery's own retries run (eagerly: at once)
    result = model_retrain_task.apply(kwargs={"trigger": "test"})

    assert result.failed() and isinstance(result.result, OperationalError)
    assert ModelVersion.objects.filter(status=ModelVersion.Status.FAILED).count() == 1 + model_retrain_task.max_retries
    assert not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists()


def test_site_signals_are_training_data(clustered_data):
    rosa = Profile.objects.get(movielens_user_id=1)
    from catalog.models import Title

    liked, hated, listed = Title.objects.filter(movielens_id__in=[301, 302, 303]).order_by("movielens_id")
    event_record(profile=rosa, title=liked, kind="thumb_up")
    event_record(profile=rosa, title=hated, kind="thumb_down")
    event_record(profile=rosa, title=listed, kind="list_add")
    event_record(profile=rosa, title=listed, kind="play")

    _, signals = training_frames()

    assert sorted(map(tuple, signals.values.tolist())) == sorted(
        [
            (rosa.pk, liked.pk, "thumb_up"),
            (rosa.pk, hated.pk, "thumb_down"),
            (rosa.pk, listed.pk, "my_list"),
            (rosa.pk, listed.pk, "play"),
        ]
    )
    version = model_retrain(trigger="test")
    assert version.data_counts["signals"] == 4


def test_web_processes_swap_to_a_new_version_without_restarting(trained, monkeypatch):
    monkeypatch.setattr(selectors._serving, "check_seconds", 0.0)
    assert active_model().version_id == trained.pk
    newer = model_retrain(trigger="test")  # as a worker would: it only writes the registry
    assert active_model().version_id == newer.pk


def _commit_as_another_process_would(artifact_path: str) -> ModelVersion:
    """Activate a new version the way a worker's commit does: database rows only, nothing published yet."""
    from django.db import transaction

    with transaction.atomic():
        ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).update(status=ModelVersion.Status.RETIRED)
        now = timezone.now()
        return ModelVersion.objects.create(
            status=ModelVersion.Status.ACTIVE,
            trigger="test",
            artifact_path=artifact_path,
            finished_at=now,
            activated_at=now,
        )


def test_a_reader_between_the_commit_and_any_publication_serves_the_committed_version(trained, monkeypatch):
    monkeypatch.setattr(selectors._serving, "check_seconds", 0.0)
    assert active_model().version_id == trained.pk

    newer = _commit_as_another_process_would(trained.artifact_path)

    assert active_model().version_id == newer.pk  # the database says so; nothing else was needed


def test_a_reader_that_found_no_version_serves_the_first_one_as_soon_as_it_commits(
    clustered_data, tmp_path, monkeypatch
):
    monkeypatch.setattr(selectors._serving, "check_seconds", 0.0)
    assert active_model() is None  # asked before any version existed

    model = model_retrain(trigger="test")  # trains an artifact we can reuse
    ModelVersion.objects.filter(pk=model.pk).update(status=ModelVersion.Status.RETIRED)
    active_model_forget()
    assert active_model() is None
    first = _commit_as_another_process_would(model.artifact_path)

    assert active_model().version_id == first.pk


def test_the_retrain_command_reports_progress_and_a_summary(clustered_data, capsys):
    call_command("retrain")
    out = capsys.readouterr().out
    version = ModelVersion.objects.get()
    assert "measuring on a holdout" in out and f"{version.label} active: NDCG@10" in out


def test_the_retrain_command_explains_a_held_lock(clustered_data):
    ModelVersion.objects.create(trigger="nightly")
    with pytest.raises(CommandError, match="Wait for it to finish"):
        call_command("retrain")


def test_staff_can_retrain_from_the_admin(admin_client, clustered_data, django_capture_on_commit_callbacks):
    assert admin_client.get(reverse("admin:personalization_modelversion_changelist")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:personalization_modelversion_retrain"))
    assert response.status_code == 302
    assert ModelVersion.objects.get().trigger == "admin"  # eager Celery ran it right away
    page = admin_client.get(reverse("admin:personalization_modelversion_changelist")).content.decode()
    assert "Retrain queued" in page and ModelVersion.objects.get().label in page


def test_viewers_cannot_retrain(client, clustered_data):
    client.force_login(User.objects.create_user("viewer", password="pw-123456"))
    response = client.post(reverse("admin:personalization_modelversion_retrain"))
    assert response.status_code == 302 and not ModelVersion.objects.exists()


def test_staff_who_may_only_view_the_registry_cannot_queue_a_retrain(client, clustered_data):
    staff = User.objects.create_user("analyst", password="pw-123456", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(staff)

    page = client.get(reverse("admin:personalization_modelversion_changelist"))
    refused = client.post(reverse("admin:personalization_modelversion_retrain"))

    assert page.status_code == 200 and "Retrain now" not in page.content.decode()
    assert refused.status_code == 403 and not ModelVersion.objects.exists()


def test_staff_with_the_retrain_permission_can_queue_one(client, clustered_data, django_capture_on_commit_callbacks):
    staff = User.objects.create_user("operator", password="pw-123456", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_modelversion", "retrain_modelversion"]))
    client.force_login(staff)

    assert "Retrain now" in client.get(reverse("admin:personalization_modelversion_changelist")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:personalization_modelversion_retrain"))
    assert ModelVersion.objects.get().trigger == "admin"


@pytest.mark.services
def test_a_retrain_runs_through_a_real_worker_and_web_processes_pick_it_up(celery_worker, clustered_data, monkeypatch):
    # The worker as deployed (prefork): the task runs in a daemonic child, where stage 1's forked fits
    # were refused ("daemonic processes are not allowed to have children") and every retrain failed.
    monkeypatch.setattr(selectors._serving, "check_seconds", 0.0)
    active_model_forget()
    assert active_model() is None

    model_retrain_task.delay(trigger="test")

    version = wait_until(
        lambda: ModelVersion.objects.filter(status="active").first(),
        message="the worker to activate a version",
    )
    assert version.trigger == "test" and Path(version.artifact_path).is_file()
    # The moment the registry shows it, this (web) process serves it: no publication to wait for.
    assert active_model().version_id == version.pk
    assert Engagement.objects.count() == 0


def test_a_version_records_the_engine_that_trained_it_and_the_admin_shows_it(admin_client, trained):
    assert trained.engine == "local"
    assert active_model().model.engine == "local"
    page = admin_client.get(reverse("admin:personalization_modelversion_changelist") + "?engine=local")
    assert page.status_code == 200
    assert '<th scope="col" class="sortable column-engine">' in page.content.decode()


def test_the_nightly_task_trains_with_the_engine_the_settings_name(clustered_data, settings, monkeypatch):
    used = []

    def fake_metrics(*args, engine, master, **kwargs):
        used.append(("measure", engine, master))
        return {"ndcg_at_10": 0.5, "rmse": 0.9}

    real_train = training.train

    def local_in_place_of(ratings, signals, *, engine, master, **kwargs):
        used.append(("train", engine, master))
        return real_train(ratings, signals, engine="local", **kwargs)

    monkeypatch.setattr(training, "holdout_metrics", fake_metrics)
    monkeypatch.setattr(training, "train", local_in_place_of)
    settings.RECOMMENDER_ENGINE, settings.SPARK_MASTER = "spark", "spark://cluster:7077"

    version = ModelVersion.objects.get(pk=model_retrain_task.apply(kwargs={"trigger": "nightly"}).get())

    assert used == [("measure", "spark", "spark://cluster:7077"), ("train", "spark", "spark://cluster:7077")]
    assert version.engine == "spark" and version.status == ModelVersion.Status.ACTIVE


def test_the_local_engines_ease_covers_the_titles_the_setting_allows(clustered_data, settings):
    settings.RECOMMENDER_EASE_TITLES = 7
    version = model_retrain(trigger="test")
    assert version.params["ease_max_items"] == 7
    assert len(active_model().model.item_model.columns) == 7


def test_the_local_engines_size_limits_come_from_the_settings(clustered_data, settings):
    settings.RECOMMENDER_RANKER_VIEWERS = 5
    settings.RECOMMENDER_IMPLICIT_ROWS = 40
    settings.RECOMMENDER_RATING_UPDATES = 100
    version = model_retrain(trigger="test")

    assert (version.params["ranker_max_viewers"], version.params["implicit_max_rows"]) == (5, 40)
    assert version.params["rating_max_updates"] == 100
    served = active_model().model
    assert served.implicit.user_known.sum() <= 10  # 40 rows = 10 positives (and their negatives) in all


def test_the_retrain_command_refuses_an_unknown_engine_and_starts_nothing(clustered_data):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("retrain", "--engine", "hadoop")
    with pytest.raises(ValueError, match="unknown training engine"):
        model_retrain(trigger="test", engine="hadoop")
    assert not ModelVersion.objects.exists()
