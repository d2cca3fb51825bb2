"""Run the shared offline protocol on MovieLens: `python manage.py evaluate_recs --json [--ablation]`."""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.core.management.base import BaseCommand

from personalization.management.ratings_csv import read_ratings_csv
from personalization.recommender import RecommenderParams
from personalization.recommender.content import movielens_items
from personalization.recommender.protocol import evaluate, rating_models_cv

REQUIRED = ("rmse", "mae", "p_at_10", "r_at_10", "ndcg_at_10", "popularity_ndcg_at_10", "because_hit_rate_at_20")


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


class Command(BaseCommand):
    help = "Evaluate the recommender on MOVIELENS_DIR with ../shared/docs/eval-protocol.md."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object (progress goes to stderr).")
        parser.add_argument("--ratings", help="A ratings.csv in MovieLens format (default: MOVIELENS_DIR).")
        parser.add_argument(
            "--ablation",
            action="store_true",
            help="Also retrain the ranker without each feature group and report the paired deltas (~2 min more).",
        )
        parser.add_argument(
            "--ranker-seed",
            type=int,
            default=RecommenderParams().ranker_seed,
            help="Seed of the ranker's sampling and bagging (to see how much the figures move with it).",
        )
        parser.add_argument(
            "--rating-models",
            action="store_true",
            help="Also cross-validate SVD++ and KNNBaseline against SVD (several minutes more).",
        )

    def handle(self, *args, ratings: str | None = None, **options):
        path = Path(ratings) if ratings else Path(settings.MOVIELENS_DIR) / "ratings.csv"
        frame = read_ratings_csv(path, missing_hint="set MOVIELENS_DIR to an unpacked ml-latest-small.")
        items = self._items(path.parent)
        report = lambda message: self.stderr.write(message)  # noqa: E731
        params = RecommenderParams(ranker_seed=options["ranker_seed"])
        metrics = evaluate(frame, items, params, progress=report, ablation=options["ablation"])
        if options["rating_models"]:
            metrics["rating_models"] = rating_models_cv(frame, progress=report)
        if options["json"]:
            sys.stdout.write(jsonlib.dumps(_rounded(metrics)))
            sys.stdout.write("\n")
            return
        for key in REQUIRED:
            self.stdout.write(f"{key:>24}: {metrics[key]:.4f}")
        for row in metrics.get("ablation", []):
            self.stdout.write(
                f"{'without ' + row['without']:>24}: {row['ndcg_at_10']:.4f} "
                f"(delta {row['delta']:+.4f} [{row['delta_ci_low']:+.4f}, {row['delta_ci_high']:+.4f}])"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"NDCG@10 {metrics['ndcg_at_10']:.4f} [{metrics['ndcg_at_10_ci_low']:.4f}, "
                f"{metrics['ndcg_at_10_ci_high']:.4f}] vs popularity {metrics['popularity_ndcg_at_10']:.4f}; "
                f"RMSE {metrics['rmse']:.4f} ({metrics['total_seconds']:.0f}s)"
            )
        )

    def _items(self, directory: Path) -> pd.DataFrame | None:
        """Titles' year, genres and tags from movies.csv / tags.csv beside the ratings (None without)."""
        movies = directory / "movies.csv"
        if not movies.is_file():
            self.stderr.write(f"{movies} not found: evaluating without titles' content.")
            return None
        tags = directory / "tags.csv"
        return movielens_items(pd.read_csv(movies), pd.read_csv(tags) if tags.is_file() else None)
