"""The garbage collector of a long-running process (a gunicorn worker, a Celery worker).

Once a process holds what it keeps for its life (Django, the catalog snapshot, the serving model),
`settle_heap` moves it out of the collector's reach (gc.freeze, as Instagram's servers do: nothing in
it is ever garbage, and a full collection no longer walks its ~270,000 objects) and sets the
collector's thresholds for serving. Almost everything a request or a task allocates is freed by
reference counting the moment it is done, so Python's default thresholds (700, 10, 10) mostly walk
live objects for nothing, and after freezing a full collection finds little long-lived to weigh
against, so it runs every 100 young ones.

Measured (the bench's `gc_*` figures, and the same probe in the impressions worker):
- bench/homepage.py, ~1,200 requests: at the default a young collection about once a request and
  eight full ones at ~95 ms each, ~1.2 ms a request in all; at SERVING_GC_THRESHOLDS five young
  collections (the longest 85 ms) and no full one, 0.18 ms a request.
- bench/impressions.py's worker (100,000 impressions): 0.67 s of its ~6 s in 488 collections, the
  longest 217 ms, at the default; none at SERVING_GC_THRESHOLDS.
"""

from __future__ import annotations

import gc

SERVING_GC_THRESHOLDS = (50_000, 20, 100)


def settle_heap() -> None:
    """Freeze what the process holds now and collect at SERVING_GC_THRESHOLDS from now on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)
