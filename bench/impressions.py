"""Impressions per second from the web path, through Redis and a Celery worker, into PostgreSQL.

    python bench/impressions.py --json [--pages 500] [--cards 200] [--workers 2]

The web side is the real code: `impression_batch` builds each page view's message and
`impressions_publish` hands it to the broker, exactly as a page view does. A real `celery worker`
process inserts. Some messages are published twice (as a broker redelivers after a lost ack), and the
final count check reports what was lost or duplicated. It uses a throwaway database
(`<DATABASE_URL name>_bench`) and Redis database 14 (BENCH_REDIS_DB overrides), and needs DATABASE_URL
(PostgreSQL) and REDIS_URL.
Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="page views to log (default 500)")
    parser.add_argument("--cards", type=int, default=200, help="impressions per page view (default 200)")
    parser.add_argument(
        "--pool", default="threads", choices=["threads", "prefork"], help="worker pool (default threads)"
    )
    parser.add_argument("--workers", type=int, default=4, help="worker concurrency (default 4 threads)")
    parser.add_argument("--redeliver", type=float, default=0.05, help="share of messages published twice")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()

    database_url, redis_url = _environment()
    os.environ.update(
        {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "streamflix.settings"}
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from personalization.models import Impression
    from personalization.services.impressions import ShownCard, impression_batch, impressions_publish
    from streamflix.celery import app

    log(f"migrating the bench database {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a clean, unbloated table for every run
        cursor.execute("TRUNCATE personalization_impression")
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("impressions")

    worker = _start_worker(args.pool, args.workers)
    try:
        _wait_for(app, worker)
        rng_rows = [f"row-{i}" for i in range(10)]
        batches = []
        for _ in range(args.pages):
            cards = [
                ShownCard(
                    uuid.uuid4(),
                    title_id=1 + i,
                    artwork_id=1 + i,
                    theme="drama",
                    row_index=i // 20,
                    position=i % 20,
                    propensity=0.33,
                )
                for i in range(args.cards)
            ]
            batches.append(
                impression_batch(
                    page_view_id=uuid.uuid4().hex,
                    profile_id=1,
                    shown_at=timezone.now(),
                    daypart="evening",
                    device="desktop",
                    policy="thompson",
                    policy_version="bench",
                    model_version="",
                    experiment_variant="",
                    row_keys={i: key for i, key in enumerate(rng_rows)},
                    cards=cards,
                )
            )
        expected = args.pages * args.cards
        repeats = batches[: int(len(batches) * args.redeliver)]
        log(f"publishing {args.pages} page views of {args.cards} impressions ({len(repeats)} published twice)")
        started = time.perf_counter()
        for batch in batches:
            impressions_publish(batch)
        for batch in repeats:
            impressions_publish(batch)
        published = time.perf_counter() - started
        count = 0
        deadline = time.monotonic() + 300
        while count < expected and time.monotonic() < deadline:
            time.sleep(0.05)
            count = Impression.objects.count()
        elapsed = time.perf_counter() - started
        # Wait for the redelivered copies too, then count again: they must not add rows.
        while _queue_length(app) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        rows = Impression.objects.count()
        distinct = Impression.objects.values("id").distinct().count()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    result = {
        "impressions_per_s": round(expected / elapsed, 1),
        "impressions": expected,
        "pages": args.pages,
        "cards_per_page": args.cards,
        "worker_pool": args.pool,
        "worker_concurrency": args.workers,
        "seconds": round(elapsed, 3),
        "publish_seconds": round(published, 3),
        "publish_ms_per_page": round(1000 * published / (len(batches) + len(repeats)), 3),
        "redelivered_pages": len(repeats),
        "rows": rows,
        "lost": max(expected - distinct, 0),
        "duplicated": rows - distinct + max(distinct - expected, 0),
        "target_impressions_per_s": 20000,
    }
    log(
        f"{result['impressions_per_s']:.0f} impressions/s into PostgreSQL; lost {result['lost']}, "
        f"duplicated {result['duplicated']}"
    )
    print(json.dumps(result) if args.json else result)


def _environment() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/streamflix")
    parsed = urlparse(database_url)
    if parsed.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/impressions.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    bench_db = f"{parsed.path.lstrip('/') or 'streamflix'}_bench"
    _create_database(parsed, bench_db)
    redis = urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    redis_db = os.environ.get("BENCH_REDIS_DB", "14")  # another sandbox's Redis database if 14 is taken
    return urlunparse(parsed._replace(path=f"/{bench_db}")), urlunparse(redis._replace(path=f"/{redis_db}"))


def _create_database(parsed, name: str) -> None:
    import psycopg

    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _start_worker(pool: str, concurrency: int) -> subprocess.Popen:
    log(f"starting a Celery worker: {pool} pool, concurrency {concurrency}")
    from streamflix.workers import worker_argv

    argv = worker_argv(
        queues=["impressions"],
        name=f"bench-{os.getpid()}@%h",
        pool=pool,
        concurrency=concurrency,
        loglevel="WARNING",
        quiet=True,
        prefetch_multiplier=16,
    )
    return subprocess.Popen(
        argv,
        cwd=REPO,
        env=os.environ.copy(),
    )


def _wait_for(app, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            sys.exit("the Celery worker exited at start; is Redis running?")
        if app.control.ping(timeout=0.5):
            return
    sys.exit("the Celery worker did not answer within 60s")


def _queue_length(app) -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen("impressions")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
