"""The WSGI application, for gunicorn (`manage.py serve`) or any WSGI server.

See https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os
import time

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application

from streamflix.heap import settle_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")

application = get_wsgi_application()


def _freeze_long_lived(**kwargs) -> None:
    """Once the process holds what it keeps for its life (after `warm`, else after the first request),
    settle its heap (streamflix.heap: frozen, and collected at the serving thresholds)."""
    request_finished.disconnect(_freeze_long_lived)
    settle_heap()


request_finished.connect(_freeze_long_lived)


def warm(log) -> None:
    """Load what a page needs before this process serves one (gunicorn's post_worker_init hook): a
    preview of a sample viewer's homepage, built and rendered, then the heap frozen. A failure is
    logged and the process serves anyway (its first page then pays for what was not loaded)."""
    from django.db import connections

    from personalization.http import warm_home

    started = time.perf_counter()
    try:
        warmed = warm_home()
    except Exception:  # never keep a worker from serving
        log.exception("Streamflix: warming this worker failed; its first page will load what it needs")
        return
    finally:
        connections.close_all()  # the requests' threads open their own; this one would sit idle
    if not warmed:
        log.info("Streamflix: no sample viewer yet, nothing to warm")
        return
    _freeze_long_lived()
    log.info("Streamflix: process %s warmed in %.2f s", os.getpid(), time.perf_counter() - started)
