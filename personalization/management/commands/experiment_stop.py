"""Stop an experiment: `python manage.py experiment_stop NAME` (its report stays; its final one follows)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from personalization.services.experiments import experiment_stop
from streamflix.errors import ApplicationError


class Command(BaseCommand):
    help = "Stop a running experiment; its viewers go back to the defaults on their next page."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            experiment = experiment_stop(name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"Stopped {experiment.name} at {experiment.stopped_at:%Y-%m-%d %H:%M}."))
