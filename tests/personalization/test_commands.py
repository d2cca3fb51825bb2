from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from personalization.services.schedule import PERIODIC_TASKS, periodic_tasks_ensure
from tests.conftest import wait_until
from tests.factories import write_clustered_movielens


@pytest.fixture
def ratings_csv(tmp_path):
    return write_clustered_movielens(tmp_path / "ml") / "ratings.csv"


def test_evaluate_recs_prints_one_json_object_with_the_protocol_figures(ratings_csv, capsys):
    call_command("evaluate_recs", "--json", "--ratings", str(ratings_csv))

    out = capsys.readouterr().out.strip().splitlines()
    metrics = json.loads(out[-1])
    for key in ("rmse", "mae", "p_at_10", "r_at_10", "ndcg_at_10", "popularity_ndcg_at_10"):
        assert isinstance(metrics[key], float), key
    assert 0 <= metrics["p_at_10"] <= 1 and 0 <= metrics["ndcg_at_10"] <= 1
    assert metrics["ndcg_at_10"] > metrics["popularity_ndcg_at_10"]  # the clusters make taste obvious
    assert 0 < metrics["rmse"] < 2


def test_evaluate_recs_says_what_to_set_when_the_data_is_missing(tmp_path):
    with pytest.raises(CommandError, match="MOVIELENS_DIR"):
        call_command("evaluate_recs", "--json", "--ratings", str(tmp_path / "nope.csv"))


def test_recommend_offline_writes_k_unseen_titles_per_user(ratings_csv, tmp_path, capsys):
    out_csv = tmp_path / "recs.csv"

    call_command("recommend_offline", "--ratings", str(ratings_csv), "--k", "5", "--out", str(out_csv))

    recs = pd.read_csv(out_csv)
    ratings = pd.read_csv(ratings_csv)
    assert list(recs.columns) == ["userId", "movieId", "rank"]
    assert set(recs["userId"]) == set(ratings["userId"])
    assert all(sorted(ranks) == [0, 1, 2, 3, 4] for _, ranks in recs.groupby("userId")["rank"])
    rated = set(zip(ratings["userId"], ratings["movieId"], strict=True))
    assert not rated & set(zip(recs["userId"], recs["movieId"], strict=True))
    first = recs[recs["rank"] == 0].set_index("userId")["movieId"]
    same_cluster = [(movie // 100) == ((user - 1) // 25) for user, movie in first.items()]
    assert sum(same_cluster) >= 0.9 * len(same_cluster)  # each user's first pick matches their taste
    assert "Wrote 500 recommendations for 100 users" in capsys.readouterr().out


BAD_RATINGS_FILES = [
    ("a,b\n1,2\n", "lacks the columns"),
    ("userId,movieId,rating\n1,2,great\n", "non-numeric"),
    ("userId,movieId,rating\nalice,2,4.0\n", "non-numeric"),
    ("userId,movieId,rating\n1,,4.0\n", "non-numeric or empty"),
    ("", "not a readable CSV"),
    ("root:x:0:0:root:/root:/bin/bash\nuserId,movieId,rating,x\n1,2,3,4,5,6\n", "not a readable CSV"),
    (b"userId,movieId,rating\n\xff\xfe,1,2\n", "not a readable CSV"),
]


@pytest.mark.parametrize(("content", "message"), BAD_RATINGS_FILES)
@pytest.mark.parametrize("command", ["recommend_offline", "evaluate_recs"])
def test_the_recommender_commands_refuse_bad_ratings_files_with_a_clear_message(tmp_path, command, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    extra = ["--k", "5", "--out", str(tmp_path / "o.csv")] if command == "recommend_offline" else ["--json"]
    with pytest.raises(CommandError, match=message):  # not pandas' or the trainer's traceback
        call_command(command, "--ratings", str(bad), *extra)
    assert not (tmp_path / "o.csv").exists()


def test_a_directory_given_as_the_ratings_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not a readable CSV"):
        call_command("evaluate_recs", "--json", "--ratings", str(tmp_path))


@pytest.mark.django_db
def test_beat_has_the_nightly_retrain_at_two_and_every_declared_task():
    # post_migrate installed them in the test database already.
    retrain = PeriodicTask.objects.get(task="personalization.tasks.model_retrain_task")
    assert (retrain.crontab.hour, retrain.crontab.minute) == ("2", "0") and retrain.enabled
    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= {spec.name for spec in PERIODIC_TASKS}
    assert all(task.description for task in PeriodicTask.objects.exclude(name__startswith="celery."))


@pytest.mark.django_db
def test_an_admins_schedule_change_survives_a_redeploy():
    retrain = PeriodicTask.objects.get(task="personalization.tasks.model_retrain_task")
    retrain.crontab = CrontabSchedule.objects.create(minute="30", hour="4")
    retrain.save()

    assert periodic_tasks_ensure() == 0

    retrain.refresh_from_db()
    assert (retrain.crontab.hour, retrain.crontab.minute) == ("4", "30")


def test_rundemo_takes_its_web_server_down_when_it_is_terminated():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    manage = Path(settings.BASE_DIR) / "manage.py"
    demo = subprocess.Popen(
        [sys.executable, str(manage), "rundemo", "--no-celery", "--addr", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: _answers(port), message="the demo's web server to come up")

        demo.send_signal(signal.SIGTERM)

        assert demo.wait(timeout=120) == 0
        assert "Demo stopped" in demo.stdout.read().decode()
        wait_until(lambda: not _answers(port), message="the web server to stop with the demo")
    finally:
        if demo.poll() is None:
            demo.kill()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
