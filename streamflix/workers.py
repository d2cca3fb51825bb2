"""The command lines of the Celery processes, written once (the demo, the tests and the bench start them).

Production runs the same split (see the README's process table): a prefork worker for the default
queue (retrains, learning passes), a thread-pool worker for the impressions queue (inserts wait on
PostgreSQL, not the CPU), and beat with the database scheduler.
"""

from __future__ import annotations

import sys

CELERY = [sys.executable, "-m", "celery", "-A", "streamflix"]


def worker_argv(
    *,
    queues: list[str],
    name: str,
    pool: str = "prefork",
    concurrency: int = 2,
    loglevel: str = "INFO",
    quiet: bool = False,
    prefetch_multiplier: int | None = None,
) -> list[str]:
    """`celery worker` consuming `queues`. `quiet` drops gossip, mingle and heartbeats: a lone
    worker (tests, benches) needs none of them and starts faster."""
    argv = [*CELERY, "worker", "-Q", ",".join(queues), "--pool", pool, "--concurrency", str(concurrency)]
    argv += ["--loglevel", loglevel, "-n", name]
    if prefetch_multiplier is not None:
        argv += ["--prefetch-multiplier", str(prefetch_multiplier)]
    if quiet:
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return argv


def beat_argv(*, loglevel: str = "INFO") -> list[str]:
    return [*CELERY, "beat", "--loglevel", loglevel]
