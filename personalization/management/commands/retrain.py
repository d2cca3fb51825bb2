"""Retrain the recommender in the foreground: `python manage.py retrain [--engine local|spark]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from personalization.models import ModelVersion
from personalization.recommender import ENGINES
from personalization.services.training import RetrainAlreadyRunning, model_retrain


class Command(BaseCommand):
    help = "Train, evaluate on a holdout and activate a new recommender version if it is not worse."

    def add_arguments(self, parser):
        parser.add_argument(
            "--engine",
            choices=ENGINES,
            help="training engine (default: the RECOMMENDER_ENGINE setting); spark runs on SPARK_MASTER",
            default=None,
        )

    def handle(self, *args, engine=None, **options):
        try:
            version = model_retrain(
                trigger="command", engine=engine, progress=lambda message: self.stdout.write(message)
            )
        except RetrainAlreadyRunning as exc:
            raise CommandError(f"{exc} Wait for it to finish, or look at Model versions in the admin.") from exc
        metrics = version.metrics
        line = (
            f"{version.label} {version.get_status_display().lower()}: NDCG@10 {metrics.get('ndcg_at_10', 0):.4f}, "
            f"RMSE {metrics.get('rmse', 0):.4f}, {version.training_seconds:.1f}s ({version.engine} engine)"
        )
        if version.status == ModelVersion.Status.ACTIVE:
            self.stdout.write(self.style.SUCCESS(line))
        else:
            self.stdout.write(self.style.WARNING(f"{line}. {version.reason}"))
