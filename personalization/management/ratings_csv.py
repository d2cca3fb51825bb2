"""The ratings file the recommender commands read: MovieLens's ratings.csv format, checked on the way in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.core.management.base import CommandError

COLUMNS = ("userId", "movieId", "rating")


def read_ratings_csv(path: str | Path, *, missing_hint: str = "") -> pd.DataFrame:
    """The file's rows, or a CommandError that says what is wrong with it (never pandas' traceback)."""
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"{path} does not exist{'; ' + missing_hint if missing_hint else '.'}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise CommandError(f"{path} is not a readable CSV ({exc}); MovieLens's ratings.csv format expected.") from None
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise CommandError(f"{path} lacks the columns {sorted(missing)}; is it a MovieLens ratings file?")
    numeric = all(pd.api.types.is_numeric_dtype(frame[column]) for column in COLUMNS)
    if not numeric or frame[list(COLUMNS)].isna().any().any():
        raise CommandError(f"{path} has non-numeric or empty ids or ratings; fix the file and run again.")
    return frame
