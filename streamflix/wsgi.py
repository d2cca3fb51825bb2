"""The WSGI application, for gunicorn (`manage.py serve`) or any WSGI server.

See https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import gc
import os
import time

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")

application = get_wsgi_application()

# The collector's thresholds once the heap is frozen (Python's default: 700, 10, 10). At the default,
# in bench/homepage.py's 1,000 requests, a young collection ran about once a request and a full one
# (which, after freezing, finds little long-lived to weigh against, so runs every 100 young ones)
# eight times at ~95 ms each: ~1.2 ms a request in all. At these, five young collections (the longest
# 85 ms) and no full one: 0.18 ms a request (the bench's `gc_*` figures).
SERVING_GC_THRESHOLDS = (50_000, 20, 100)


def _freeze_long_lived(**kwargs) -> None:
    """Once the process holds what it keeps for its life (Django, the catalog snapshot, the serving
    model: after `warm`, else after the first request), move it out of the garbage collector's reach.
    A full collection no longer walks those ~270,000 objects (about 190 ms a time on the demo's
    catalog, 50 ms after), and nothing in them is ever garbage (gc.freeze, as Instagram's servers do).
    Then the collector runs at SERVING_GC_THRESHOLDS."""
    request_finished.disconnect(_freeze_long_lived)
    settle_heap()


def settle_heap() -> None:
    """Freeze what the process holds now and collect at the serving thresholds (also what
    bench/homepage.py does after its warm-up page, to measure the view as a served process runs it)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


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
