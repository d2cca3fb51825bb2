"""Concurrent viewers browsing `make serve` as real clients do, and whether every impression arrived.

    python bench/load.py --json [--viewers 16] [--seconds 60] [--url http://127.0.0.1:8765]

By default it starts the production server itself (`manage.py serve`: gunicorn, WhiteNoise, the Celery
workers and beat) on port 8765 against DATABASE_URL and REDIS_URL, which must point at a seeded
PostgreSQL (`python manage.py seed_demo`) and Redis; `--url` uses a server you started instead (same
database). Each viewer has its own session: it picks a sample viewer, then loops for the duration:
the homepage, the first group of its lazy rows (one request for LAZY_ROWS_PER_FETCH rows, what the
page asks for when the viewer scrolls below the first screen), and a click on a card (the details
modal), as a browser does.

After the run it waits for the impressions queue to drain and counts, in the database, the impressions
of every page view it saw (`impressions_stored`) against the cards it was served
(`impressions_expected`), and any still waiting in the outbox when the wait gave up
(`impressions_waiting_in_outbox`: durable, for the drain). Progress goes to stderr; the last stdout
line is one JSON object: requests_per_s, page_requests_per_s (homepage + lazy row requests),
rows_per_s (rows served, first screen and lazy), errors, p50_ms, p95_ms, p99_ms, and the impression
counts, and first_pages_median_ms / first_pages_max_ms (the first FIRST_PAGES homepages, at once, as
soon as the server answers). Targets on this 2-core machine: 0 errors, stored == expected,
p95 < 150 ms, page requests >= 80/s.

It measures the steady state: `seed_demo` draws the first cards and leaves the rest (~30,000 on
MovieLens) to the default Celery worker, which would spend most of a core drawing them for several
minutes and take it from the web workers. So cards still missing are drawn first, in this process,
with progress (`artwork_drawn_first` in the JSON); `--keep-backlog` measures with the backlog left
to the worker, as in the first minutes after a seed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAGE_VIEW = re.compile(r'data-page-view="([0-9a-f]{32})"')
LAZY_ROWS = re.compile(r'hx-get="(/rows/[0-9a-f]{32}/\d+-\d+/)"')  # a group of lazy rows
ROW = re.compile(r'<section class="row row--(?!loading)')
CARD = re.compile(r'hx-post="(/title/\d+/open/)\?artwork=\d*"\s+hx-vals=\'\{"impression": "([^"]+)"\}\'')
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
FIRST_PAGES = 10  # homepages requested at once right after the server answers (two for each default worker)


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.page_requests = 0
        self.errors: list[str] = []
        self.page_views: set[str] = set()
        self.cards_served = 0
        self.rows_served = 0

    def record(self, started: float, response: httpx.Response | None, what: str, *, page: bool) -> bool:
        self.latencies.append(1000 * (time.perf_counter() - started))
        self.page_requests += page
        if response is None or response.status_code >= 400:
            status = response.status_code if response is not None else "no response"
            self.errors.append(f"{what}: {status}")
            return False
        return True


async def _sign_in(client: httpx.AsyncClient, base: str, profile_id: int) -> dict[str, str]:
    """Open the picker and watch as `profile_id`, as a visitor does; the headers later POSTs need."""
    picker = await client.get("/profiles/")
    headers = {"X-CSRFToken": CSRF.search(picker.text).group(1), "Referer": f"{base}/profiles/"}
    await client.post(f"/profiles/{profile_id}/select/", headers=headers)
    return headers


async def viewer(number: int, base: str, profile_ids: list[int], deadline: float, stats: Stats) -> None:
    rng = random.Random(number)
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        headers = await _sign_in(client, base, rng.choice(profile_ids))
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                home = await client.get("/")
            except httpx.HTTPError:
                home = None
            if not stats.record(started, home, "homepage", page=True):
                continue
            html = home.text
            page_view = PAGE_VIEW.search(html)
            if page_view:
                stats.page_views.add(page_view.group(1))
            stats.cards_served += html.count('class="card"') + html.count('<section class="hero"')
            stats.rows_served += len(ROW.findall(html))
            cards = CARD.findall(html)
            for url in LAZY_ROWS.findall(html)[:1]:
                started = time.perf_counter()
                try:
                    row = await client.get(url, headers={"HX-Request": "true"})
                except httpx.HTTPError:
                    row = None
                if stats.record(started, row, "row", page=True):
                    stats.cards_served += row.text.count('class="card"')
                    stats.rows_served += len(ROW.findall(row.text))
                    cards += CARD.findall(row.text)
            if cards:
                url, impression = rng.choice(cards)
                started = time.perf_counter()
                try:
                    clicked = await client.post(
                        url, data={"impression": impression}, headers={**headers, "HX-Request": "true"}
                    )
                except httpx.HTTPError:
                    clicked = None
                stats.record(started, clicked, "click", page=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=16, help="concurrent viewers (default 16)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they browse (default 60)")
    parser.add_argument("--url", default="", help="a running server to use (default: start `manage.py serve`)")
    parser.add_argument("--port", type=int, default=8765, help="port for the server it starts (default 8765)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument(
        "--keep-backlog", action="store_true", help="leave cards not drawn yet to the worker (default: draw them first)"
    )
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) or not os.environ.get(
        "REDIS_URL"
    ):
        sys.exit("Set DATABASE_URL (a seeded PostgreSQL) and REDIS_URL, as `make serve` would use them.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")
    import django

    django.setup()
    from personalization.models import Account, Impression, ImpressionOutbox

    profile_ids = list(
        Account.objects.demo().profiles.filter(ratings__isnull=False).distinct().values_list("pk", flat=True)[:200]
    )
    if not profile_ids:
        sys.exit("No sample viewers: run `python manage.py seed_demo` first.")

    drawn_first = 0 if args.keep_backlog else _draw_backlog()
    outbox_before = ImpressionOutbox.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    server = None if args.url else _start_server(args.port)
    base = args.url or f"http://127.0.0.1:{args.port}"
    try:
        _wait_until_up(base)
        first_pages = asyncio.run(_first_pages(base, profile_ids))
        log(f"the first {len(first_pages)} homepages after start: median {statistics.median(first_pages):.0f} ms")
        stats = Stats()
        log(f"{args.viewers} viewers browsing {base} for {args.seconds:.0f}s")
        started = time.monotonic()
        deadline = started + args.seconds

        async def run() -> None:
            await asyncio.gather(*(viewer(n, base, profile_ids, deadline, stats) for n in range(args.viewers)))

        asyncio.run(run())
        elapsed = time.monotonic() - started
        log(f"{len(stats.latencies)} requests; waiting for the impressions of {len(stats.page_views)} page views")
        stored, waiting = _drained(Impression, ImpressionOutbox.objects.filter(pk__gt=outbox_before), stats)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)

    latencies = sorted(stats.latencies)

    def percentile(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else 0.0

    result = {
        "viewers": args.viewers,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "page_requests_per_s": round(stats.page_requests / elapsed, 1),
        "rows_per_s": round(stats.rows_served / elapsed, 1),
        "errors": len(stats.errors),
        "error_examples": sorted(set(stats.errors))[:5],
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
        "page_views": len(stats.page_views),
        "impressions_expected": stats.cards_served,
        "impressions_stored": stored,
        # Durable in the outbox but not inserted yet when the wait gave up (the drain would insert them).
        "impressions_waiting_in_outbox": waiting,
        "artwork_drawn_first": drawn_first,
        # The server's first homepages, FIRST_PAGES at once from new visitors as soon as it answers: what
        # a worker's first page costs (each gunicorn worker warms before it takes requests).
        "first_pages_median_ms": round(statistics.median(first_pages), 1),
        "first_pages_max_ms": round(max(first_pages), 1),
    }
    log(
        f"{result['page_requests_per_s']} page requests/s, p95 {result['p95_ms']} ms, {result['errors']} errors; "
        f"impressions stored {stored} of {stats.cards_served}" + (f", {waiting} still in the outbox" if waiting else "")
    )
    print(json.dumps(result) if args.json else result)


def _draw_backlog() -> int:
    """Draw the cards the seed left to the worker (see the module docstring); returns how many."""
    from tqdm import tqdm

    from catalog.services import artwork_cards_generate, artwork_pending_ids

    pending = len(artwork_pending_ids())
    if not pending:
        return 0
    drawn = 0
    with tqdm(total=pending, desc="drawing the cards not drawn yet", unit="card", file=sys.stderr) as bar:
        while batch := artwork_cards_generate(limit=500):
            drawn += batch
            bar.update(batch)
    return drawn


def _start_server(port: int) -> subprocess.Popen:
    log(f"starting `manage.py serve` on port {port} (DEBUG=0, gunicorn)")
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS": "0",
        "SERVE_MEDIA": "1",
        "DB_CONN_MAX_AGE": "60",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-load-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        # Every simulated viewer comes from 127.0.0.1: per-address limits would count them as one.
        "API_RATE_ANON": "100000/min",
        "RATE_LIMIT_EVENTS_PER_MINUTE": "100000",
    }
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], env=env, check=True)
    return subprocess.Popen(
        [*manage, "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _first_pages(base: str, profile_ids: list[int]) -> list[float]:
    """Milliseconds of FIRST_PAGES homepages requested at once by new visitors (the sign-in not timed)."""

    async def one(number: int) -> float:
        async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
            await _sign_in(client, base, profile_ids[number % len(profile_ids)])
            started = time.perf_counter()
            home = await client.get("/")
            home.raise_for_status()
            return 1000 * (time.perf_counter() - started)

    return list(await asyncio.gather(*(one(n) for n in range(FIRST_PAGES))))


def _wait_until_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/profiles/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"{base} did not answer within {timeout:.0f}s")


def _drained(impression_model, outbox, stats: Stats, timeout: float = 240) -> tuple[int, int]:
    """Impressions stored for the page views seen, and those still waiting in the run's outbox rows.

    Waits until every served card is stored, or the count has stopped moving for 20 s with nothing of
    this run left in the outbox (a batch whose message never reached a worker is inserted by the
    every-minute drain once it is a minute old), or the timeout.
    """
    deadline, last, stable_since = time.monotonic() + timeout, -1, time.monotonic()
    while True:
        stored = impression_model.objects.filter(page_view_id__in=list(stats.page_views)).count()
        pending = list(outbox.values_list("payload__ids", flat=True))
        waiting = sum(len(ids or ()) for ids in pending)
        if stored == stats.cards_served or time.monotonic() > deadline:
            return stored, waiting
        if stored != last:
            last, stable_since = stored, time.monotonic()
        elif time.monotonic() - stable_since > 20 and not pending:
            return stored, waiting
        time.sleep(1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
