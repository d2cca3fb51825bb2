"""The WSGI process: gunicorn's workers warm before they take requests (a preview page built and
rendered, nothing logged), and what a process keeps for its life leaves the garbage collector's scans
once, after the warm-up or else after the first request, which also sets the collector's serving
thresholds (streamflix.wsgi)."""

from __future__ import annotations

import gc
import io
import socket
import subprocess
from pathlib import Path

import pytest
from django.core.signals import request_finished

from streamflix.heap import SERVING_GC_THRESHOLDS
from tests.factories import make_catalog, make_profile


@pytest.mark.django_db
def test_the_first_request_freezes_the_process_heap_once(client):
    from streamflix import wsgi

    gc.unfreeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's default (an earlier test's request may have settled this process)
    request_finished.connect(wsgi._freeze_long_lived)  # as after `import streamflix.wsgi` in a fresh server
    try:
        make_catalog(per_genre=5, genres=("Drama",))
        make_profile("Keeper", is_featured=True)
        assert gc.get_freeze_count() == 0
        assert client.get("/profiles/").status_code == 200
        assert gc.get_freeze_count() > 10_000  # Django, the test's own modules, the catalog read
        assert gc.get_threshold() == SERVING_GC_THRESHOLDS
        gc.unfreeze()
        assert client.get("/profiles/").status_code == 200
        assert gc.get_freeze_count() == 0  # one-shot: later requests leave the collector alone
    finally:
        request_finished.disconnect(wsgi._freeze_long_lived)
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class _Log:
    """gunicorn's worker log, as the hook sees it."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message, *args) -> None:
        self.lines.append(("info", message % args))

    def exception(self, message, *args) -> None:
        self.lines.append(("exception", message % args))


@pytest.fixture
def warming(monkeypatch):
    """Warm-ups in this process: the connection they close is recorded, not closed (it holds the
    test's transaction), and the heap they freeze is unfrozen afterwards."""
    from django.db import connections

    from streamflix import wsgi

    closed = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    gc.unfreeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's default (an earlier test's request may have settled this process)
    yield closed
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    request_finished.disconnect(wsgi._freeze_long_lived)


def test_warming_builds_and_renders_a_sample_viewers_page_logging_nothing(trained, warming):
    from personalization.models import Impression, ImpressionOutbox, PageView, Profile
    from streamflix import wsgi

    assert Profile.objects.filter(account__is_demo=True, is_featured=True).exists()
    log = _Log()
    wsgi.warm(log)
    assert gc.get_freeze_count() > 10_000  # the heap it loaded, frozen before any request
    assert gc.get_threshold() == SERVING_GC_THRESHOLDS  # and collected less often from now on
    assert [level for level, _ in log.lines] == ["info"] and "warmed in" in log.lines[0][1]
    assert warming == [True]  # the worker's own connection, closed after warming
    assert (PageView.objects.count(), ImpressionOutbox.objects.count(), Impression.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_warming_an_empty_site_does_nothing_and_a_failure_never_stops_the_worker(warming, monkeypatch):
    from personalization import http
    from personalization.models import Account
    from streamflix import wsgi

    log = _Log()
    wsgi.warm(log)
    assert log.lines == [("info", "Streamflix: no sample viewer yet, nothing to warm")]
    assert not Account.objects.exists()  # not even the demo account was made

    def broken() -> bool:
        raise RuntimeError("the model's artifact is gone")

    monkeypatch.setattr(http, "warm_home", broken)
    log = _Log()
    wsgi.warm(log)  # logs, does not raise
    assert [level for level, _ in log.lines] == ["exception"]


def test_a_real_gunicorn_worker_warms_before_it_serves(transactional_db, trained, tmp_path):
    """`manage.py serve`'s gunicorn command line, one worker, on the test database: the worker logs
    that it warmed, then serves the homepage of a sample viewer."""
    import httpx

    from personalization.models import Profile
    from streamflix.workers import gunicorn_argv
    from tests.conftest import _worker_env, require_postgres, wait_until

    require_postgres()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            gunicorn_argv(bind=f"127.0.0.1:{port}", workers=1, threads=2),
            cwd=Path(__file__).resolve().parents[2],
            env={**_worker_env(), "DEBUG": "1", "SERVE_MEDIA": "0"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "warmed in" in log_path.read_text() or server.poll() is not None, message="the warm-up")
        assert "warmed in" in log_path.read_text(), log_path.read_text()[-3000:]
        viewer = Profile.objects.filter(account__is_demo=True, is_featured=True).first()
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as browser:
            assert browser.get("/profiles/").status_code == 200
            token = browser.cookies["csrftoken"]
            browser.post(
                f"/profiles/{viewer.pk}/select/",
                data={"csrfmiddlewaretoken": token},
                headers={"Referer": f"{base}/profiles/"},
            )
            home = browser.get("/")
        assert home.status_code == 200 and str(home.url) == f"{base}/" and viewer.name in home.text
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_demos_server_warms_before_it_listens(trained, warming, monkeypatch):
    """`rundemo` runs `runserver_warm`: the page is built before Django's server loop starts (the loop
    itself, a real socket server, is replaced by a recorder)."""
    from django.contrib.staticfiles.management.commands import runserver
    from django.core.management import call_command

    from personalization import http
    from personalization.management.commands import rundemo

    steps = []
    real_warm_home = http.warm_home
    monkeypatch.setattr(http, "warm_home", lambda: steps.append("warm") or real_warm_home())
    monkeypatch.setattr(runserver.Command, "inner_run", lambda self, *a, **k: steps.append("serve"))
    call_command("runserver_warm", "127.0.0.1:0", use_reloader=False, skip_checks=True)
    assert steps == ["warm", "serve"]

    started = {}  # what `make demo` starts (`supervise` launches the processes: recorded instead)
    monkeypatch.setattr(rundemo, "supervise", lambda commands, **kwargs: started.update(commands))
    call_command("rundemo", no_celery=True, stdout=io.StringIO())
    assert started["web"][2:] == ["runserver_warm", "127.0.0.1:8000", "--noreload"]
