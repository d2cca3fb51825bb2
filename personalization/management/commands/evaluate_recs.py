"""Run the shared offline protocol on MovieLens: `python manage.py evaluate_recs --json`."""

from __future__ import annotations

import json as jsonlib
import sys

import pandas as pd
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from personalization.recommender.protocol import evaluate

REQUIRED = ("rmse", "mae", "p_at_10", "r_at_10", "ndcg_at_10", "popularity_ndcg_at_10")


class Command(BaseCommand):
    help = "Evaluate the recommender on MOVIELENS_DIR/ratings.csv with ../shared/docs/eval-protocol.md."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object (progress goes to stderr).")
        parser.add_argument("--ratings", help="A ratings.csv in MovieLens format (default: MOVIELENS_DIR).")

    def handle(self, *args, ratings: str | None = None, **options):
        path = ratings or settings.MOVIELENS_DIR / "ratings.csv"
        try:
            frame = pd.read_csv(path)
        except FileNotFoundError:
            raise CommandError(f"{path} does not exist; set MOVIELENS_DIR to an unpacked ml-latest-small.") from None
        missing = {"userId", "movieId", "rating"} - set(frame.columns)
        if missing:
            raise CommandError(f"{path} lacks the columns {sorted(missing)}; is it a MovieLens ratings file?")
        metrics = evaluate(frame, progress=lambda message: self.stderr.write(message))
        if options["json"]:
            sys.stdout.write(jsonlib.dumps({k: round(v, 6) if isinstance(v, float) else v for k, v in metrics.items()}))
            sys.stdout.write("\n")
            return
        for key in REQUIRED:
            self.stdout.write(f"{key:>24}: {metrics[key]:.4f}")
        self.stdout.write(
            self.style.SUCCESS(
                f"NDCG@10 {metrics['ndcg_at_10']:.4f} vs popularity {metrics['popularity_ndcg_at_10']:.4f}; "
                f"RMSE {metrics['rmse']:.4f} ({metrics['total_seconds']:.0f}s)"
            )
        )
