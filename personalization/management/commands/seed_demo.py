"""Import MovieLens as the demo catalog and sample viewers: `python manage.py seed_demo`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import Title
from catalog.movielens import DatasetError, locate_dataset, read_dataset
from catalog.services import artwork_cards_generate, artwork_pending_ids, catalog_import
from catalog.tasks import artwork_generate_pending_task
from personalization.models import BanditSnapshot, ModelVersion, Rating
from personalization.services.experiments import experiment_holdout_ensure
from personalization.services.schedule import periodic_tasks_ensure
from personalization.services.seeding import demo_profiles_import
from personalization.services.title_stats import title_stats_refresh
from personalization.services.training import model_retrain
from personalization.services.warmup import bandit_warm

MAX_ISSUES_SHOWN = 20
WARM_SESSIONS = 200  # simulated sessions the bandit learns from before the first tester (warm_bandit)


class Command(BaseCommand):
    help = "Import MovieLens (titles, genres, tags, links, ratings) and the 610 sample viewers. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--movielens-dir", help="Folder with movies.csv, ratings.csv, links.csv, tags.csv (default: MOVIELENS_DIR)."
        )
        parser.add_argument(
            "--strict", action="store_true", help="Import nothing if any row is malformed (default: skip bad rows)."
        )
        parser.add_argument(
            "--prerender", type=int, default=150, help="Draw the cards of this many top titles now (default 150)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when titles and ratings are already loaded."
        )
        parser.add_argument(
            "--skip-training", action="store_true", help="Do not train the first recommender version now."
        )
        parser.add_argument(
            "--no-background", action="store_true", help="Do not queue the Celery task that draws the other cards."
        )
        parser.add_argument(
            "--warm-sessions",
            type=int,
            default=WARM_SESSIONS,
            help=f"Warm the artwork bandit from this many simulated sessions (default {WARM_SESSIONS}; 0: start "
            "cold). Their impressions are marked simulated and kept out of experiment results.",
        )

    def handle(
        self,
        *args,
        movielens_dir=None,
        strict=False,
        prerender=150,
        no_background=False,
        if_empty=False,
        skip_training=False,
        warm_sessions=WARM_SESSIONS,
        **options,
    ):
        if warm_sessions < 0:
            raise CommandError("--warm-sessions must be 0 (start cold) or more.")
        started = time.monotonic()
        if if_empty and Title.objects.exists() and Rating.objects.exists():
            self.stdout.write(f"Demo data already loaded ({Title.objects.count()} titles); nothing to do.")
            return
        directory = self._locate(movielens_dir)
        self.stdout.write(f"Reading MovieLens from {directory}")
        try:
            data = read_dataset(directory)
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        for issue in data.issues[:MAX_ISSUES_SHOWN]:
            self.stderr.write(f"  skipped {issue}")
        if len(data.issues) > MAX_ISSUES_SHOWN:
            self.stderr.write(f"  ... and {len(data.issues) - MAX_ISSUES_SHOWN} more malformed rows")
        if data.issues and strict:
            raise CommandError(f"{len(data.issues)} malformed rows and --strict given: nothing was imported.")

        catalog = catalog_import(data=data)
        self.stdout.write(
            f"Catalog: {len(data.movies)} titles ({catalog.titles_created} new, {catalog.titles_updated} updated), "
            f"{catalog.artworks_created} new artwork variants"
        )
        with tqdm(total=len(data.ratings), desc="Ratings", unit="row", disable=None) as bar:
            profiles = demo_profiles_import(data=data, progress=bar.update)
        title_stats_refresh()
        periodic_tasks_ensure()
        holdout = experiment_holdout_ensure()
        if holdout:
            self.stdout.write(f"Experiment {holdout.name}: {holdout.shares_label()} (the standing artwork control)")
        self.stdout.write(
            f"Viewers: {profiles.profiles_created} new profiles, {profiles.ratings_written} ratings, "
            f"{profiles.featured} featured on the picker"
        )
        trained = ""
        if not skip_training and ModelVersion.objects.active() is None:
            version = model_retrain(trigger="demo", progress=lambda message: self.stdout.write(f"  {message}"))
            trained = f" and recommender {version.label} ({version.get_status_display().lower()})"
        warmed = ""
        if warm_sessions and not BanditSnapshot.objects.exists():  # a bandit that has learned stays as it is
            stats = bandit_warm(sessions=warm_sessions, progress=lambda items, **kw: tqdm(items, disable=None, **kw))
            warmed = f"; the artwork bandit warmed from {stats.sessions} simulated sessions ({stats.impressions} seen "
            warmed += "impressions, marked simulated)"
        drawn = self._prerender(prerender)
        pending = len(artwork_pending_ids())
        if pending and not no_background:
            artwork_generate_pending_task.delay()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(data.movies)} titles, {profiles.ratings_written} ratings and "
                f"{len(set(r.user_id for r in data.ratings))} viewers{trained} in {time.monotonic() - started:.1f}s; "
                f"{drawn} cards drawn now, {pending} left "
                f"{'to the Celery worker' if pending and not no_background else 'to draw on first view'}; "
                f"{len(data.issues)} malformed rows skipped{warmed}."
            )
        )

    def _locate(self, movielens_dir: str | None) -> Path:
        explicit = movielens_dir is not None or "MOVIELENS_DIR" in os.environ
        directory = Path(movielens_dir).resolve() if movielens_dir else settings.MOVIELENS_DIR
        bar = None

        def progress(chunk: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total or None, unit="B", unit_scale=True, desc="Downloading MovieLens")
            bar.update(chunk)

        try:
            return locate_dataset(
                directory,
                explicit=explicit,
                download_url=settings.MOVIELENS_URL,
                download_dir=settings.VAR_DIR / "datasets",
                progress=progress,
            )
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()

    def _prerender(self, count: int) -> int:
        if count <= 0:
            return 0
        pending = len(artwork_pending_ids(limit=count * 6))
        drawn = 0
        with tqdm(total=pending, desc="Artwork", unit="card", disable=None) as bar:
            while drawn < pending:
                step = artwork_cards_generate(
                    limit=min(50, pending - drawn), include_hero_for_top=10 if not drawn else 0
                )
                if not step:
                    break
                drawn += step
                bar.update(step)
        return drawn
