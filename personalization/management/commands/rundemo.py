"""Serve the demo with its Celery workers and beat: `python manage.py rundemo` (what `make demo` runs).

Django's development server, warmed before it listens (`runserver_warm`; it reloads nothing here,
but shows errors); `manage.py serve` is the production server.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from streamflix.workers import celery_processes, supervise


class Command(BaseCommand):
    help = "Run the web server on 127.0.0.1:8000 with Celery workers (default and impressions queues) and beat."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000).")
        parser.add_argument("--no-celery", action="store_true", help="Serve the site only.")

    def handle(self, *args, addr: str, no_celery: bool, **options):
        commands = {"web": [*manage_argv(), "runserver_warm", addr, "--noreload"]}
        if not no_celery:
            commands |= celery_processes(settings.IMPRESSIONS_QUEUE)
        self.stdout.write(self.style.SUCCESS(f"Streamflix on http://{addr}/ · Celery broker: {broker_description()}"))
        supervise(commands, cwd=settings.BASE_DIR, env=os.environ.copy(), say=self.stderr.write)
        self.stdout.write("Demo stopped: web server, worker and beat are down.")


def manage_argv() -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py")]


def broker_description() -> str:
    if settings.REDIS_URL:
        return f"Redis at {settings.REDIS_URL}"
    return f"filesystem queue in {settings.CELERY_BROKER_DIR} (set REDIS_URL to use Redis)"
