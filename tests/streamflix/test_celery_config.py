"""Settings that must agree with each other, or work is done twice or waits an hour."""

from __future__ import annotations

import pytest
from django.conf import settings

from streamflix.celery import app


@pytest.fixture(scope="module")
def tasks() -> list:
    app.loader.import_default_modules()
    return [task for name, task in app.tasks.items() if name.startswith(("catalog.", "personalization."))]


def test_no_task_that_acknowledges_late_can_outlive_the_visibility_timeout(tasks):
    # A message still unacknowledged after the visibility timeout is handed to another worker: a late-acking
    # task running longer would run twice at once.
    late = [task for task in tasks if task.acks_late]
    assert late, "the impressions and artwork tasks acknowledge late"
    timeout = settings.CELERY_VISIBILITY_TIMEOUT
    for task in late:
        limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert limit < timeout, f"{task.name} may run {limit}s, longer than the {timeout}s visibility timeout"


def test_the_filesystem_broker_connects_without_a_warning_per_connection(tmp_path, caplog):
    from kombu import Connection

    folder = str(tmp_path)
    options = {key: folder for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")}
    connection = Connection(settings.FILESYSTEM_BROKER_URL, transport_options=options)
    with connection.clone() as copy:  # what a worker does for each task that sends another
        copy.SimpleQueue("probe").put("ping")
    assert connection.transport_cls == "filesystem"
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text


@pytest.mark.parametrize("signal_name", ["worker_ready", "worker_process_init"])
def test_a_worker_process_settles_its_heap_once_ready(signal_name):
    """A thread-pool worker's process (worker_ready) and each prefork child (worker_process_init)
    freeze what they hold and collect at the serving thresholds, as a web process does."""
    import gc

    from celery import signals

    from streamflix.heap import SERVING_GC_THRESHOLDS

    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # Python's default (an earlier test's request may have settled this process)
    try:
        getattr(signals, signal_name).send(sender=None)
        assert gc.get_threshold() == SERVING_GC_THRESHOLDS
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
