"""The one way services hand work to Celery: by task name, so no service imports a tasks module.

Tasks import services; services only name tasks here. That keeps the import graph free of cycles,
and tests patch this module (or run Celery eagerly) rather than Celery's internals.

A broker that fails is skipped for BROKER_RETRY_AFTER seconds (a circuit breaker): callers get
`BrokerUnavailable` at once instead of paying a connection attempt per page view. Callers that must
not lose work write it to the database first (the impressions outbox) and treat the message as a
way to get it processed sooner.
"""

from __future__ import annotations

import importlib
import logging
import time
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

from streamflix.celery import app

logger = logging.getLogger(__name__)

IMPRESSIONS_LOG = "personalization.tasks.impressions_log_task"
MODEL_RETRAIN = "personalization.tasks.model_retrain_task"
EXPERIMENT_ANALYSE = "personalization.tasks.experiment_analyse_task"
ARTWORK_DRAW_PENDING = "catalog.tasks.artwork_generate_pending_task"
FRAME_PROPOSALS = "catalog.tasks.frame_proposals_task"

BROKER_RETRY_AFTER = 30.0
_broker_down_until = 0.0


class BrokerUnavailable(OSError):
    """The broker failed, now or within the last BROKER_RETRY_AFTER seconds."""


def send(name: str, *args: Any, **options: Any) -> None:
    """Publish the task now (`options` as apply_async's); BrokerUnavailable if the broker is down."""
    global _broker_down_until
    task = _task(name)
    if app.conf.task_always_eager:  # tests, the simulator: run in-process, errors are the task's own
        task.apply_async(args=list(args), **options)
        return
    if time.monotonic() < _broker_down_until:
        raise BrokerUnavailable("the broker failed recently; not trying again yet")
    try:
        task.apply_async(args=list(args), **options)
    except (OperationalError, OSError) as exc:
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER
        logger.warning("Broker unavailable (%s): skipping it for %.0fs", exc, BROKER_RETRY_AFTER)
        raise BrokerUnavailable(str(exc)) from exc


def send_on_commit(name: str, *args: Any, **options: Any) -> None:
    """Publish the task once the current transaction commits (never for work that was rolled back)."""
    transaction.on_commit(lambda: send(name, *args, **options))


def broker_reset() -> None:
    """Forget a recent broker failure (tests; an operator who fixed the broker need not wait)."""
    global _broker_down_until
    _broker_down_until = 0.0


def _task(name: str):
    # Importing the task's module registers it; a web process may not have imported it yet.
    importlib.import_module(name.rpartition(".")[0])
    return app.tasks[name]
