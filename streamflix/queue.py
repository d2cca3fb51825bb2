"""The one way services hand work to Celery: by task name, so no service imports a tasks module.

Tasks import services; services only name tasks here. That keeps the import graph free of cycles,
and tests patch this module (or run Celery eagerly) rather than Celery's internals.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.db import transaction

from streamflix.celery import app

IMPRESSIONS_LOG = "personalization.tasks.impressions_log_task"
IMPRESSIONS_RETRY = "personalization.tasks.impressions_retry_task"
MODEL_RETRAIN = "personalization.tasks.model_retrain_task"
ARTWORK_DRAW_PENDING = "catalog.tasks.artwork_generate_pending_task"
FRAME_PROPOSALS = "catalog.tasks.frame_proposals_task"


def send(name: str, *args: Any, **options: Any) -> None:
    """Publish the task now (raises the broker's error if it is unreachable; `options` as apply_async's)."""
    _task(name).apply_async(args=list(args), **options)


def send_on_commit(name: str, *args: Any, **options: Any) -> None:
    """Publish the task once the current transaction commits (never for work that was rolled back)."""
    transaction.on_commit(lambda: send(name, *args, **options))


def _task(name: str):
    # Importing the task's module registers it; a web process may not have imported it yet.
    importlib.import_module(name.rpartition(".")[0])
    return app.tasks[name]
