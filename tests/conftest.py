"""Shared fixtures: a temporary MEDIA_ROOT, a clean cache and catalog snapshot per test, eager Celery
by default, and (for tests marked `services`) a real Celery worker consuming from Redis."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from catalog.selectors import catalog_snapshot_clear
from personalization.selectors.experiments import running_experiments_forget
from personalization.selectors.serving import active_model_forget, published_bandit_forget, published_row_model_forget
from streamflix import queue
from streamflix.celery import app as celery_app
from streamflix.celery import celery_override
from streamflix.workers import worker_argv
from tests.factories import write_clustered_movielens, write_movielens

REPO = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("STREAMFLIX_REQUIRE_SERVICES") == "1"
DEAD_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on the discard port: Redis as when it is down


def pytest_configure(config: pytest.Config) -> None:
    # PBKDF2's million rounds cost ~0.5 s per user an admin or login test creates; tests need no strength.
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Without Redis, keep tests off the demo's file cache (var/cache) so a test run never wipes it.
    if not django_settings.REDIS_URL:
        django_settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        # ... and off the demo's filesystem queue: messages published by tests stay in memory.
        celery_override(broker_url="memory://", broker_transport_options={})


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODEL_DIR = tmp_path / "models"
    settings.FRAME_UPLOAD_DIR = tmp_path / "uploads"
    cache.clear()
    catalog_snapshot_clear()
    active_model_forget()
    published_bandit_forget()
    published_row_model_forget()
    running_experiments_forget()
    celery_override(task_always_eager=True, task_eager_propagates=True)
    yield
    catalog_snapshot_clear()


@pytest.fixture
def rules_row_order(settings):
    """Rows in the rules' order (ROW_POLICY=rules), for a test about what is in the rows or about the rules
    themselves: the learned default draws the order (Plackett-Luce), so row places vary from page to page."""
    settings.ROW_POLICY = "rules"


@pytest.fixture(scope="session")
def movielens_dir() -> Path:
    """The real ml-latest-small (settings.MOVIELENS_DIR); missing: skipped here, a failure in CI."""
    directory = Path(django_settings.MOVIELENS_DIR)
    if not (directory / "ratings.csv").is_file():
        message = f"MovieLens small not found at {directory}; set MOVIELENS_DIR to run this test"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return directory


@pytest.fixture
def broker_down(settings):
    """Point Celery at a port where nothing listens: publishing fails as it does when Redis is down."""
    original = celery_override(
        task_always_eager=False,
        broker_url=DEAD_REDIS,
        broker_transport_options={**settings.CELERY_BROKER_TRANSPORT_OPTIONS},
    )
    _fresh_broker_pools()
    queue.broker_reset()
    yield
    queue.broker_reset()
    celery_override(**original)
    _fresh_broker_pools()


def _fresh_broker_pools() -> None:
    """Drop Celery's connection and producer pools (kombu keeps them globally, by address)."""
    kombu.pools.reset()
    celery_app._pool = celery_app.amqp._producer_pool = None


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def advisory_lock_held(key: int):
    """Another worker in the middle of a pass: a second connection holding the PostgreSQL advisory lock `key`."""
    require_postgres()  # an advisory lock; SQLite serialises writers itself
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as running:
        running.execute("BEGIN")
        running.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield
        running.execute("COMMIT")


def require_postgres() -> None:
    """Skip (or, in CI, fail) unless the tests run on PostgreSQL."""
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        message = "DATABASE_URL does not point at PostgreSQL (set it as .ci/run does)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


def require_services() -> None:
    """Skip (or, in CI, fail) unless PostgreSQL and Redis back this test run."""
    problems = []
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not django_settings.REDIS_URL or not _reachable("127.0.0.1", 6379):
        problems.append("REDIS_URL is not set to a reachable Redis")
    if problems:
        message = "; ".join(problems) + " (set them as .ci/run does)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


def _worker_env() -> dict[str, str]:
    from django.db import connection

    db = connection.settings_dict
    url = (
        f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    return {
        **os.environ,
        "DATABASE_URL": url,  # the test database pytest-django made
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "MODEL_DIR": str(django_settings.MODEL_DIR),
        "FRAME_UPLOAD_DIR": str(django_settings.FRAME_UPLOAD_DIR),
        "DJANGO_SETTINGS_MODULE": "streamflix.settings",
    }


class Worker:
    """A real `celery worker` process on the Redis broker, reading and writing the test database."""

    def __init__(
        self, log_path: Path, *, env: dict[str, str] | None = None, name: str = "test", pool: str = "solo"
    ) -> None:
        _refuse_other_workers()
        self.log = open(log_path, "w+")  # noqa: SIM115 (closed in stop)
        argv = worker_argv(
            queues=["celery", django_settings.IMPRESSIONS_QUEUE],
            name=f"{name}-{os.getpid()}@%h",
            pool=pool,
            concurrency=1,
            quiet=True,
        )
        self.process = subprocess.Popen(
            argv, cwd=REPO, env={**_worker_env(), **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT
        )
        _wait_for_worker(self.process, self.log)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _refuse_other_workers() -> None:
    """A worker the developer left running on the same broker would take the test's tasks and run
    them against its own database: say so at once rather than time out two minutes later."""
    others = [name for reply in ping_workers() for name in reply]
    if others:
        pytest.fail(
            f"Another Celery worker ({', '.join(others)}) listens on this broker ({django_settings.REDIS_URL}): "
            "it would take the tests' tasks. Stop it, or give the tests their own Redis database "
            "(.ci/run uses redis://127.0.0.1:6379/15)."
        )


def ping_workers(timeout: float = 0.5) -> list[dict]:
    """The workers that answer a ping, asked on a connection of our own, closed at once. On the app's
    pooled one the reply's BRPOP stayed in flight, and every process this test process forked later
    (stage 1's fits) spent the broker's socket timeout (5 s) reading that reply at start: ~10 s a
    training, minutes over the suite."""
    options = {**celery_app.conf.broker_transport_options, "socket_timeout": 0.2}
    with celery_app.connection_for_write(transport_options=options) as connection:
        return celery_app.control.ping(timeout=timeout, connection=connection)


def purge_queues() -> None:
    with celery_app.connection_for_write() as connection:
        for queue in ("celery", django_settings.IMPRESSIONS_QUEUE):
            connection.default_channel.queue_purge(queue)


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real `celery worker` process on the Redis broker, reading and writing the test database, with
    the pool deployments run (`streamflix.workers.celery_processes`): prefork, so tasks run in the
    worker's daemonic child processes, which may not start processes of their own."""
    require_services()
    celery_override(task_always_eager=False)
    purge_queues()
    worker = Worker(Path(settings.MEDIA_ROOT).parent / "worker.log", pool="prefork")
    try:
        yield worker.process
    finally:
        worker.stop()
        celery_override(task_always_eager=True)


def _wait_for_worker(process: subprocess.Popen, log, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"The Celery worker exited at start:\n{log.read()[-3000:]}")
        if ping_workers():
            return
    log.seek(0)
    pytest.fail(f"The Celery worker did not answer within {timeout:.0f}s:\n{log.read()[-3000:]}")


def wait_until(condition, *, timeout: float = 120.0, interval: float = 0.1, message: str = "condition"):
    """Poll until condition() is truthy (work done by another process); fail with `message` if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout:.0f}s waiting for {message}")


def seed_quietly(directory: Path) -> Path:
    """Import a MovieLens-format folder with the real `seed_demo` command (no drawing, no training, a cold
    bandit)."""
    call_command(
        "seed_demo",
        movielens_dir=str(directory),
        prerender=0,
        no_background=True,
        skip_training=True,
        warm_sessions=0,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return directory


@pytest.fixture
def demo_data(db, tmp_path):
    """The tiny hand-made MovieLens dataset (see factories.write_movielens), imported."""
    return seed_quietly(write_movielens(tmp_path / "movielens"))


@pytest.fixture
def clustered_data(db, tmp_path):
    """Four clear taste clusters (see factories.write_clustered_movielens), imported."""
    return seed_quietly(write_clustered_movielens(tmp_path / "clustered"))


@pytest.fixture
def trained(clustered_data):
    """An active recommender version trained on the clustered data by the real pipeline."""
    from personalization.services.training import model_retrain

    version = model_retrain(trigger="test")
    assert version.status == "active", version.reason
    return version
