"""MovieLens-format synthetic data: `python manage.py make_synthetic --factor F --out DIR [--seed S]`.

F times the size of the source (MOVIELENS_DIR, ml-latest-small by default): resampled viewers with a
share of their titles swapped for titles of similar popularity, a catalogue grown by cloning titles up
to a cap. How exactly: `personalization/synthetic_movielens.py`. The same factor and seed give the
same files, byte for byte.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from personalization import synthetic_movielens as synthetic


class Command(BaseCommand):
    help = "Write a MovieLens-format data set F times the size of MOVIELENS_DIR (deterministic by seed)."

    def add_arguments(self, parser):
        parser.add_argument("--factor", type=float, required=True, help="size relative to the source (e.g. 10)")
        parser.add_argument("--out", required=True, help="directory to write ratings/movies/links/tags.csv into")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--swap", type=float, default=synthetic.DEFAULT_SWAP, help="share of titles swapped")
        parser.add_argument("--max-titles", type=int, default=synthetic.ML_25M_TITLES, help="catalogue cap")
        parser.add_argument("--source", help="MovieLens directory to grow (default: MOVIELENS_DIR)")

    def handle(self, *args, factor, out, seed, swap, max_titles, source=None, **options):
        source_dir = Path(source) if source else Path(settings.MOVIELENS_DIR)
        out_dir = Path(out)
        if out_dir.resolve() == source_dir.resolve():
            raise CommandError("--out must not be the source directory")
        if out_dir.exists() and not out_dir.is_dir():
            raise CommandError(f"--out {out_dir} exists and is not a directory")
        try:
            spec = synthetic.SyntheticSpec(factor=factor, seed=seed, swap=swap, max_titles=max_titles)
            started = time.monotonic()
            self.stderr.write(f"reading {source_dir}")
            data = synthetic.read_source(source_dir)
            self.stderr.write(f"growing {len(data.ratings)} ratings by a factor of {factor} (seed {seed})")
            grown = synthetic.grow(data, spec)
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"writing {len(grown.ratings)} ratings to {out_dir}")
        counts = synthetic.write(grown, out_dir, spec=spec, source_dir=source_dir)
        self.stdout.write(
            f"{out_dir}: {counts['ratings']} ratings by {counts['viewers']} viewers of {counts['titles']} titles "
            f"(factor {factor}, seed {seed}) in {time.monotonic() - started:.1f}s"
        )
