"""The command lines of the Celery processes, written once (the demo, the tests and the bench start them).

Production runs the same split (see the README's process table): a prefork worker for the default
queue (retrains, learning passes), a thread-pool worker for the impressions queue (inserts wait on
PostgreSQL, not the CPU), and beat with the database scheduler.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

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


def gunicorn_argv(*, bind: str, workers: int | None = None, threads: int = 4) -> list[str]:
    """The production web server: gunicorn's threaded workers, 2 x CPUs + 1 of them by default.

    Each worker process holds at most `threads` database connections (persistent when DB_CONN_MAX_AGE
    is set), so the pool is bounded: workers x threads, whatever the number of clients.
    """
    workers = workers or 2 * (os.cpu_count() or 1) + 1
    return [
        sys.executable, "-m", "gunicorn", "streamflix.wsgi:application",
        "--config", "python:streamflix.gunicorn_hooks",  # each worker warms before it takes requests
        "--bind", bind, "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "--keep-alive", "5", "--timeout", "60", "--graceful-timeout", "20", "--access-logfile", "-",
    ]  # fmt: skip


def celery_processes(impressions_queue: str) -> dict[str, list[str]]:
    """The default worker, the impressions worker and beat, as every deployment runs them."""
    return {
        "worker": worker_argv(queues=["celery"], name="default@%h"),
        "impressions worker": worker_argv(
            queues=[impressions_queue], name="impressions@%h", pool="threads", concurrency=4
        ),
        "beat": beat_argv(),
    }


def supervise(commands: dict[str, list[str]], *, cwd: Path, env: dict[str, str], say: Callable[[str], None]) -> int:
    """Run the processes until one stops or we are told to (Ctrl-C or SIGTERM); then stop them all.

    Returns 0 when stopped on request, 1 when a process stopped by itself.
    """
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops everything like Ctrl-C does
    children = {name: subprocess.Popen(argv, env=env, cwd=cwd) for name, argv in commands.items()}
    try:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    say(f"The {name} process stopped (exit {child.returncode}); stopping the others.")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("Stopping…")
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
