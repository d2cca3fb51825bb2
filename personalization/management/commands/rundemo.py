"""Serve the demo with its Celery worker and beat: `python manage.py rundemo` (what `make demo` runs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from streamflix.workers import beat_argv, worker_argv


class Command(BaseCommand):
    help = "Run the web server on 127.0.0.1:8000 with Celery workers (default and impressions queues) and beat."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000).")
        parser.add_argument("--no-celery", action="store_true", help="Serve the site only.")

    def handle(self, *args, addr: str, no_celery: bool, **options):
        env = os.environ.copy()
        broker = self._broker()
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {"web": [*manage, "runserver", addr, "--noreload"]}
        if not no_celery:
            commands["worker"] = worker_argv(queues=["celery"], name="default@%h")
            commands["impressions worker"] = worker_argv(
                queues=[settings.IMPRESSIONS_QUEUE], name="impressions@%h", pool="threads", concurrency=4
            )
            commands["beat"] = beat_argv()
        self.stdout.write(self.style.SUCCESS(f"Streamflix on http://{addr}/ · Celery broker: {broker}"))
        # `kill` (SIGTERM) stops the demo like Ctrl-C does: the children go down with it.
        signal.signal(signal.SIGTERM, _interrupt)
        children = {name: subprocess.Popen(argv, env=env, cwd=settings.BASE_DIR) for name, argv in commands.items()}
        try:
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"The {name} process stopped (exit {child.returncode}); stopping the demo.")
                        return
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("Stopping the demo…")
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children.values():
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("Demo stopped: web server, worker and beat are down.")

    def _broker(self) -> str:
        if settings.REDIS_URL:
            return f"Redis at {settings.REDIS_URL}"
        return f"filesystem queue in {settings.CELERY_BROKER_DIR} (set REDIS_URL to use Redis)"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
