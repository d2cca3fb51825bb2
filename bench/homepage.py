"""Server time of a homepage through the real view, and where it goes.

    python bench/homepage.py --json [--pages 200]

Runs against the configured database (the demo's SQLite by default, PostgreSQL with DATABASE_URL;
run `python manage.py seed_demo` first) through Django's test client, so the whole middleware stack,
the session, the view, the page build and the template run as for a browser. For each of `--pages`
sample viewers (in turn): the homepage (the first screen: hero + 4 rows), then every lazy row of it as
the browser fetches them (the page's placeholders, LAZY_ROWS_PER_FETCH rows a request), then the
homepage again (a returning viewer).
The page view's outbox row is written as in production; the broker is not called (bench/impressions.py
times that path) and the bench's outbox rows are removed at the end.

Reports (milliseconds, medians and p95 over the requests): `homepage_*` (the first screen of the
viewer's first page in this process: history read, model scores and neighbours computed),
`homepage_returning_*` (the same viewer's next first screen, history unchanged: what most page views
of a returning viewer cost, the per-process memo of their signals in use),
`lazy_fetch_median_ms` (one request for a group of lazy rows,
`rows_per_lazy_fetch` of them), `row_median_ms` (a lazy row's share of its request),
`whole_page_median_ms` (first screen + every lazy row), `build_median_ms`
(homepage_build: plan, scores, artwork), `render_median_ms` (the template), `static_median_ms` (the same
HTML from a view that only returns it: the floor the stack costs), `queries_per_page`, the
artwork choice's share, and the garbage collector's time a request and longest pause (`gc_*`). After
its warm-up page the process freezes its heap and sets the collector's thresholds, as a served
process does (`streamflix.heap.settle_heap`). Targets: first screen median < 10 ms and p95 < 20 ms; whole page < 25 ms.
Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAZY_FETCH = re.compile(r'hx-get="(/rows/[0-9a-f]{32}/[0-9-]+/)"')  # the page's lazy row placeholders
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="homepages to request (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")
    import django

    django.setup()
    from django.core.signals import request_finished
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment
    from django.urls import include, path, reverse

    from personalization import views
    from personalization.chooser import ArtworkChooser
    from personalization.models import Account, ImpressionOutbox
    from streamflix import queue
    from streamflix.heap import settle_heap

    setup_test_environment()  # the test client's response.context, and ALLOWED_HOSTS for "testserver"
    profiles = list(
        Account.objects.demo().profiles.filter(ratings__isnull=False).distinct().order_by("pk")[: args.pages]
    )
    if not profiles:
        sys.exit("No sample viewers: run `python manage.py seed_demo` first.")
    outbox_before = ImpressionOutbox.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    timings: dict[str, list[float]] = {"build": [], "render": [], "choose": []}

    def timed(name, function):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                timings[name].append(1000 * (time.perf_counter() - started))

        return wrapper

    views.homepage_build = timed("build", views.homepage_build)
    views.render = timed("render", views.render)
    ArtworkChooser.choose = timed("choose", ArtworkChooser.choose)
    queue.send = lambda *a, **k: None  # the outbox row is written; the broker path is bench/impressions.py's

    collector = _CollectorWatch()
    request_finished.connect(collector.count_request)
    html_holder = {"html": b""}
    static_urls = types.ModuleType("bench_static_urls")
    static_urls.urlpatterns = [
        path("__static__/", lambda request: HttpResponse(html_holder["html"])),
        path("", include("streamflix.urls")),
    ]
    sys.modules["bench_static_urls"] = static_urls

    client = Client()
    home = reverse("personalization:home")
    homepage_ms, row_ms, whole_ms, static_ms, queries, build_ms, render_ms, choose_ms, returning_ms = (
        [] for _ in range(9)
    )
    homepage_cpu_ms, returning_cpu_ms, fetch_ms, rows_per_fetch = [], [], [], []
    with override_settings(ROOT_URLCONF="bench_static_urls"):
        client.post(reverse("personalization:profile_select", args=[profiles[0].pk]))
        client.get(home)  # warm: the catalog snapshot, the model, the bandit
        settle_heap()  # as a served process does after its warm-up (streamflix.heap)
        gc.callbacks.append(collector.observe)
        for i in range(args.pages):
            client.post(reverse("personalization:profile_select", args=[profiles[i % len(profiles)].pk]))
            for timing in timings.values():
                timing.clear()
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(home)
                homepage_ms.append(1000 * (time.perf_counter() - started))
                homepage_cpu_ms.append(1000 * (time.process_time() - started_cpu))
            queries.append(len(captured))
            build_ms.append(sum(timings["build"]))
            render_ms.append(sum(timings["render"]))
            lazy_total = 0.0
            for url in LAZY_FETCH.findall(response.content.decode()):  # as the browser scrolls down the page
                started = time.perf_counter()
                fetched = client.get(url, HTTP_HX_REQUEST="true")
                elapsed = 1000 * (time.perf_counter() - started)
                rows = len(fetched.context["rows"])
                fetch_ms.append(elapsed)
                row_ms.append(elapsed / rows)
                rows_per_fetch.append(rows)
                lazy_total += elapsed
            whole_ms.append(homepage_ms[-1] + lazy_total)
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(home)  # the same viewer again, history unchanged: a returning viewer's page
            returning_ms.append(1000 * (time.perf_counter() - started))
            returning_cpu_ms.append(1000 * (time.process_time() - started_cpu))
            choose_ms.append(sum(timings["choose"]))
            html_holder["html"] = response.content
            started = time.perf_counter()
            client.get("/__static__/")
            static_ms.append(1000 * (time.perf_counter() - started))
            if (i + 1) % 50 == 0:
                print(f"{i + 1} pages", file=sys.stderr)
    gc.callbacks.remove(collector.observe)
    ImpressionOutbox.objects.filter(pk__gt=outbox_before).delete()

    def median(values):
        return round(statistics.median(values), 2)

    def p95(values):
        return round(statistics.quantiles(values, n=20)[-1], 2)

    result = {
        "database": connection.vendor,
        "pages": args.pages,
        "homepage_median_ms": median(homepage_ms),
        "homepage_p95_ms": p95(homepage_ms),
        # This process's CPU time only (PostgreSQL's and Redis's servers are other processes): steady
        # under machine load, so two versions of the code compare on a busy machine.
        "homepage_cpu_median_ms": median(homepage_cpu_ms),
        "homepage_returning_cpu_median_ms": median(returning_cpu_ms),
        "homepage_returning_median_ms": median(returning_ms),
        "homepage_returning_p95_ms": p95(returning_ms),
        "row_median_ms": median(row_ms),
        "lazy_fetch_median_ms": median(fetch_ms),
        "rows_per_lazy_fetch": round(statistics.mean(rows_per_fetch), 2),
        "lazy_fetches_per_page": round(len(fetch_ms) / args.pages, 2),
        "whole_page_median_ms": median(whole_ms),
        "whole_page_p95_ms": p95(whole_ms),
        "build_median_ms": median(build_ms),
        "render_median_ms": median(render_ms),
        "static_median_ms": median(static_ms),
        "artwork_choice_ms_median": median(choose_ms),
        "queries_per_page": statistics.median(queries),
        # The garbage collector over every request above (pages, lazy rows, the floor's), at the
        # thresholds a served process runs with: its time a request, and its longest pause.
        "gc_ms_per_request": round(collector.total_ms / collector.requests, 3),
        "gc_max_pause_ms": round(collector.max_ms, 1),
        "gc_collections": collector.counts,
        "targets": {"homepage_median_ms": 10, "homepage_p95_ms": 20, "whole_page_median_ms": 25},
    }
    print(
        f"{connection.vendor}: first screen {result['homepage_median_ms']} ms median "
        f"({result['homepage_p95_ms']} p95), returning viewer {result['homepage_returning_median_ms']} ms, "
        f"whole page {result['whole_page_median_ms']} ms; "
        f"build {result['build_median_ms']}, render {result['render_median_ms']}, floor {result['static_median_ms']}",
        file=sys.stderr,
    )
    print(json.dumps(result) if args.json else result)


class _CollectorWatch:
    """The garbage collector's time (gc.callbacks) and the requests it was spread over."""

    def __init__(self) -> None:
        self.total_ms = self.max_ms = 0.0
        self.counts = [0, 0, 0]  # collections by generation
        self.requests = 0
        self._started = 0.0

    def observe(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        elapsed = 1000 * (time.perf_counter() - self._started)
        self.total_ms += elapsed
        self.max_ms = max(self.max_ms, elapsed)
        self.counts[info["generation"]] += 1

    def count_request(self, **kwargs) -> None:
        self.requests += 1


if __name__ == "__main__":
    main()
