"""Top-k for every user of a MovieLens-format ratings file, with the site's own model.

python manage.py recommend_offline --ratings FILE.csv --k 50 --out RECS.csv
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from personalization.management.ratings_csv import read_ratings_csv
from personalization.recommender import train
from personalization.recommender.protocol import model_ratings, recommend_all


class Command(BaseCommand):
    help = "Train the site's recommender on a ratings file and write userId,movieId,rank (0 first) per user."

    def add_arguments(self, parser):
        parser.add_argument("--ratings", required=True, help="CSV with userId,movieId,rating[,timestamp].")
        parser.add_argument("--k", type=int, default=50, help="Titles per user (default 50).")
        parser.add_argument("--out", required=True, help="Where to write userId,movieId,rank.")

    def handle(self, *args, ratings: str, k: int, out: str, **options):
        if k < 1:
            raise CommandError(f"--k {k}: ask for at least one title per user.")
        started = time.monotonic()
        frame = read_ratings_csv(ratings)
        self.stderr.write(f"Training on {len(frame)} ratings by {frame['userId'].nunique()} users")
        model = train(model_ratings(frame), progress=lambda message: self.stderr.write(message))
        recommendations = recommend_all(model, k=k)
        recommendations.to_csv(out, index=False)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {len(recommendations)} recommendations for {recommendations['userId'].nunique()} users to "
                f"{out} in {time.monotonic() - started:.1f}s"
            )
        )
