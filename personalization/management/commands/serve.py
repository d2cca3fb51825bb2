"""The production server, with its Celery workers and beat: `python manage.py serve` (`make serve`).

gunicorn (threaded workers, 2 x CPUs + 1), static files through WhiteNoise (DEBUG=0, after
collectstatic), the same Celery processes as the demo, all from the same environment variables.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from personalization.management.commands.rundemo import broker_description
from streamflix.workers import celery_processes, gunicorn_argv, supervise


class Command(BaseCommand):
    help = "Serve with gunicorn (threaded workers) beside the Celery workers and beat."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000).")
        parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 x CPUs + 1).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4).")
        parser.add_argument("--no-celery", action="store_true", help="Serve the site only.")

    def handle(self, *args, bind: str, workers: int, threads: int, no_celery: bool, **options):
        if settings.DEBUG:
            raise CommandError("`serve` is the production server: set DEBUG=0 (and SECRET_KEY), or use `make serve`.")
        if not (settings.STATIC_ROOT / "staticfiles.json").exists():
            raise CommandError("Static files are not collected: run `python manage.py collectstatic` first.")
        commands = {"web": gunicorn_argv(bind=bind, workers=workers or None, threads=threads)}
        if not no_celery:
            commands |= celery_processes(settings.IMPRESSIONS_QUEUE)
        scheme = "https" if settings.HTTPS else "http"
        self.stdout.write(
            self.style.SUCCESS(f"Streamflix on {scheme}://{bind}/ (gunicorn) · Celery broker: {broker_description()}")
        )
        stopped = supervise(commands, cwd=settings.BASE_DIR, env=os.environ.copy(), say=self.stderr.write)
        self.stdout.write("Stopped: gunicorn, workers and beat are down.")
        if stopped:
            raise CommandError("A process stopped by itself; see its output above.")
