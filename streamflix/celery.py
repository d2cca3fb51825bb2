"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py.

Periodic tasks live in the database (django-celery-beat) so admins can change them; their
defaults are declared in one place, `personalization.services.schedule.PERIODIC_TASKS`.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from streamflix.heap import settle_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")

app = Celery("streamflix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect  # the process that runs the tasks of a thread-pool or solo worker
@worker_process_init.connect  # each child of a prefork worker
def _settle_worker_heap(**kwargs) -> None:
    """A worker's tasks, like a web request, leave garbage that reference counting frees at once
    (streamflix.heap): collect at the serving thresholds. (A prefork parent settling too is harmless.)"""
    settle_heap()


def celery_override(**settings: object) -> dict[str, object]:
    """Change Celery settings at run time (tests, the simulator); returns the previous values.

    With the Django namespace Celery looks up CELERY_<NAME> before <name>, so once the
    configuration is loaded only the prefixed key takes effect.
    """
    previous = {name: app.conf.get(name) for name in settings}
    for name, value in settings.items():
        app.conf[f"CELERY_{name.upper()}"] = value
    return previous
