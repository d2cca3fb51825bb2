"""Start an experiment: `python manage.py experiment_start NAME --surface artwork --variants uniform=0.5,bandit=0.5`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from personalization.models import Experiment
from personalization.services.experiments import experiment_start
from streamflix.errors import ApplicationError


class Command(BaseCommand):
    help = "Create and start an A/B (or interleaving) experiment; the first variant is the control."

    def add_arguments(self, parser):
        parser.add_argument("name", help="lowercase letters, digits and hyphens; never reused")
        parser.add_argument("--surface", required=True, choices=Experiment.Surface.values)
        parser.add_argument(
            "--variants",
            required=True,
            help="NAME=WEIGHT,... summing to 1: artwork policies (bandit, uniform, editorial), rankers "
            "(personalized, popularity) or model versions (active, v12)",
        )
        parser.add_argument("--kind", default=Experiment.Kind.AB, choices=Experiment.Kind.values)
        parser.add_argument("--metric", default=Experiment.Metric.CTR, choices=Experiment.Metric.values)
        parser.add_argument("--hypothesis", default="", help="what you expect, written before it starts")

    def handle(self, *args, name, surface, variants, kind, metric, hypothesis, **options):
        try:
            experiment = experiment_start(
                name=name, surface=surface, variants=variants, kind=kind, metric=metric, hypothesis=hypothesis
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        shares = experiment.shares_label()
        self.stdout.write(self.style.SUCCESS(f"Started {experiment.name} on the {surface} surface: {shares}."))
