"""Settings refuse bad environment values at start-up, saying what to set (each case a fresh process)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

GOOD = {"DEBUG": "1", "SECRET_KEY": "", "DATABASE_URL": "", "REDIS_URL": ""}


def start(**env: str) -> subprocess.CompletedProcess:
    """Import the settings module in a new interpreter with these environment variables."""
    environment = {key: value for key, value in os.environ.items() if key not in GOOD}
    environment.update({key: value for key, value in {**GOOD, **env}.items() if value})
    return subprocess.run(
        [sys.executable, "-c", "import streamflix.settings"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


REFUSED = [
    ({"DEBUG": "0"}, "SECRET_KEY is not set: production (DEBUG=0) refuses to start without it."),
    ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean: set DEBUG to 1/0"),
    ({"DATABASE_URL": "mysql://root@localhost/db"}, "DATABASE_URL='mysql://root@localhost/db' is not a valid URL"),
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' is not a valid URL: set REDIS_URL to one of"),
    ({"ARTWORK_CONTROL_SHARE": "1.5"}, "ARTWORK_CONTROL_SHARE=1.5 is out of range: set ARTWORK_CONTROL_SHARE"),
    ({"ARTWORK_CONTROL_SHARE": "a tenth"}, "ARTWORK_CONTROL_SHARE='a tenth' is not a number"),
    ({"ARTWORK_POLICY": "greedy"}, "ARTWORK_POLICY='greedy' is not allowed: set ARTWORK_POLICY to one of"),
    ({"ROW_POLICY": "random"}, "ROW_POLICY='random' is not allowed: set ROW_POLICY to one of learned, rules."),
    ({"IMPRESSION_RETENTION_DAYS": "0"}, "IMPRESSION_RETENTION_DAYS=0 is too small: set IMPRESSION_RETENTION_DAYS"),
    ({"ARTWORK_MAX_PIXELS": "lots"}, "ARTWORK_MAX_PIXELS='lots' is not a whole number"),
]
STARTS = [{}, {"DEBUG": "0", "SECRET_KEY": "a-long-random-production-secret-key-0123456789"}]


@pytest.fixture(scope="module")
def started() -> dict[str, subprocess.CompletedProcess]:
    """Every case started once, side by side (each is a fresh interpreter)."""
    cases = [env for env, _ in REFUSED] + STARTS
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(zip(map(repr, cases), pool.map(lambda env: start(**env), cases), strict=True))


@pytest.mark.parametrize("env", STARTS, ids=["defaults", "production with a secret key"])
def test_good_settings_start(started, env):
    assert started[repr(env)].returncode == 0, started[repr(env)].stderr[-2000:]


@pytest.mark.parametrize(("env", "message"), REFUSED)
def test_a_bad_value_stops_start_up_saying_what_to_set(started, env, message):
    result = started[repr(env)]
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_settings_pass_djangos_deployment_checks():
    unset = {*GOOD, "HTTPS", "BEHIND_PROXY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(DEBUG="0", SECRET_KEY="k8Yt-3vQ_pZ1rW9sLm2xN7bC4dF6gH0jJ5aS8eR1tU3yI6oP2qA9zX4cV7bN0mE")
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout
