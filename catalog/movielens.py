"""Reading MovieLens (ml-latest-small): find or download it, parse and validate every row.

Plain data only: the services that write to the database take what this returns. A bad row
becomes a `RowIssue` naming its file and line; it is skipped, never half-imported.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REQUIRED_FILES = ("movies.csv", "ratings.csv", "links.csv", "tags.csv")
_YEAR_RE = re.compile(r"\s*\((\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$")
# MovieLens files titles as "Matrix, The": move the article back to the front.
_ARTICLES = "The|A|An|Les|La|Le|L'|Il|Lo|Gli|Das|Der|Die|Den|Det|De|Het|Ein|Eine|El|Los|Las|Un|Une|Una|Uno|O|Os|As"
_TRAILING_ARTICLE_RE = re.compile(rf"^(?P<name>.+), (?P<article>{_ARTICLES})$")
_AKA_RE = re.compile(r"^a\.?k\.?a\.?\s+", re.IGNORECASE)
_IGNORED_GENRES = {"(no genres listed)"}
AKA_SEPARATOR = " · "


class DatasetError(Exception):
    """The dataset could not be found, fetched or read; the message says what to do."""


@dataclass(frozen=True)
class RowIssue:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class MovieRow:
    movie_id: int
    name: str
    year: int | None
    genres: tuple[str, ...]
    aka: str = ""  # the other titles MovieLens gives in parentheses, " · "-separated


@dataclass(frozen=True)
class LinkRow:
    movie_id: int
    imdb_id: str
    tmdb_id: int | None


@dataclass(frozen=True)
class TagRow:
    user_id: int
    movie_id: int
    tag: str


@dataclass(frozen=True)
class RatingRow:
    user_id: int
    movie_id: int
    rating: float
    rated_at: datetime


@dataclass
class MovieLensData:
    movies: list[MovieRow] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    tags: list[TagRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)


def locate_dataset(
    directory: Path,
    *,
    explicit: bool,
    download_url: str,
    download_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Return a folder holding the MovieLens CSVs, downloading the official zip if allowed.

    An explicitly configured MOVIELENS_DIR is never replaced by a download: a typo there should
    be reported, not papered over.
    """
    if _has_files(directory):
        return directory
    if explicit:
        missing = ", ".join(f for f in REQUIRED_FILES if not (directory / f).exists())
        raise DatasetError(
            f"MOVIELENS_DIR={directory} lacks {missing}. Point MOVIELENS_DIR at an unpacked ml-latest-small folder."
        )
    cached = download_dir / "ml-latest-small"
    if _has_files(cached):
        return cached
    try:
        _download_and_unpack(download_url, download_dir, progress)
    except OSError as exc:
        raise DatasetError(
            f"MovieLens was not found at {directory} and downloading {download_url} failed ({exc}). "
            "Set MOVIELENS_DIR to a folder with movies.csv, ratings.csv, links.csv and tags.csv."
        ) from exc
    if not _has_files(cached):
        raise DatasetError(f"The download from {download_url} did not contain ml-latest-small/{REQUIRED_FILES}.")
    return cached


def _has_files(directory: Path) -> bool:
    return all((directory / name).is_file() for name in REQUIRED_FILES)


def _download_and_unpack(url: str, target: Path, progress: Callable[[int, int], None] | None) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".zip", dir=target, delete=False) as tmp:
        tmp_path = Path(tmp.name)
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (fixed https URL)
            total = int(response.headers.get("Content-Length") or 0)
            while chunk := response.read(1 << 16):
                tmp.write(chunk)
                if progress:
                    progress(len(chunk), total)
    try:
        with zipfile.ZipFile(tmp_path) as archive:
            archive.extractall(target)
    except zipfile.BadZipFile as exc:
        raise OSError(f"not a zip file: {exc}") from exc
    finally:
        tmp_path.unlink(missing_ok=True)
        shutil.rmtree(target / "__MACOSX", ignore_errors=True)


@dataclass(frozen=True)
class ParsedTitle:
    name: str  # what viewers see: "The City of Lost Children"
    aka: tuple[str, ...]  # the other titles, often the original-language one: ("La Cité des enfants perdus",)
    year: int | None


def parse_title(raw_title: str) -> ParsedTitle:
    """'City of Lost Children, The (Cité des enfants perdus, La) (1995)' -> ('The City of Lost Children',
    ('La Cité des enfants perdus',), 1995).

    MovieLens puts the year last and any other titles in parentheses before it ("a.k.a. ..." or the
    original-language title), each with its article moved to the end. Parentheses inside the title
    itself ("You Are (Not) Alone") stay: only trailing groups after a space are peeled off.
    """
    title = " ".join(raw_title.split())
    year = None
    if match := _YEAR_RE.search(title):
        year = int(match.group(1))
        title = title[: match.start()].strip()
    aka: list[str] = []
    while (split := _trailing_group(title)) is not None:
        title, group = split
        aka.insert(0, _article_first(_AKA_RE.sub("", group).strip()))
    return ParsedTitle(_article_first(title), tuple(a for a in aka if a), year)


def display_name(raw_title: str) -> tuple[str, int | None]:
    """'American President, The (1995)' -> ('The American President', 1995): the title viewers see."""
    parsed = parse_title(raw_title)
    return parsed.name, parsed.year


def _trailing_group(title: str) -> tuple[str, str] | None:
    """('Amelie', "Fabuleux destin d'Amélie Poulain, Le") from "Amelie (Fabuleux destin d'Amélie Poulain, Le)";
    None when the title does not end with a parenthesised group after a space, or is nothing else."""
    if not title.endswith(")"):
        return None
    depth = 0
    for i in range(len(title) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(title[i], 0)
        if depth == 0:
            before = title[:i]
            if i == 0 or not before.endswith(" ") or not before.strip():
                return None
            return before.strip(), title[i + 1 : -1]
    return None


def _article_first(title: str) -> str:
    if match := _TRAILING_ARTICLE_RE.match(title):
        article = match.group("article")
        joiner = "" if article.endswith("'") else " "
        return f"{article}{joiner}{match.group('name')}"
    return title


def read_dataset(directory: Path) -> MovieLensData:
    """Parse all four files. Rows that fail validation are reported in `issues` and skipped."""
    data = MovieLensData()
    movie_ids: set[int] = set()
    for line, row in _rows(directory / "movies.csv", ("movieId", "title", "genres"), data.issues):
        parsed = _parse(_movie, row, "movies.csv", line, data.issues)
        if parsed is None:
            continue
        if parsed.movie_id in movie_ids:
            data.issues.append(RowIssue("movies.csv", line, f"duplicate movieId {parsed.movie_id}"))
            continue
        movie_ids.add(parsed.movie_id)
        data.movies.append(parsed)

    readers: list[tuple[str, tuple[str, ...], Callable[[dict[str, str]], object], list]] = [
        ("links.csv", ("movieId", "imdbId", "tmdbId"), _link, data.links),
        ("tags.csv", ("userId", "movieId", "tag", "timestamp"), _tag, data.tags),
        ("ratings.csv", ("userId", "movieId", "rating", "timestamp"), _rating, data.ratings),
    ]
    for name, columns, parse_row, out in readers:
        for line, row in _rows(directory / name, columns, data.issues):
            parsed = _parse(parse_row, row, name, line, data.issues)
            if parsed is None:
                continue
            if parsed.movie_id not in movie_ids:
                data.issues.append(RowIssue(name, line, f"movieId {parsed.movie_id} is not in movies.csv"))
                continue
            out.append(parsed)
    return data


def _rows(path: Path, columns: tuple[str, ...], issues: list[RowIssue]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header[: len(columns)]) != columns:
            raise DatasetError(f"{path} does not start with the header {','.join(columns)}; is it a MovieLens file?")
        for row in reader:
            line = reader.line_num
            if len(row) != len(header):
                issues.append(RowIssue(path.name, line, f"expected {len(header)} fields, found {len(row)}"))
                continue
            yield line, dict(zip(header, row, strict=True))


def _parse(
    build: Callable[[dict[str, str]], object], row: dict[str, str], file: str, line: int, issues: list[RowIssue]
):
    try:
        return build(row)
    except ValueError as exc:
        issues.append(RowIssue(file, line, str(exc)))
        return None


def _positive_int(value: str, column: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a whole number") from None
    if number <= 0:
        raise ValueError(f"{column} {number} must be positive")
    return number


def _timestamp(value: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"timestamp {value!r} is not a Unix time") from None


def _movie(row: dict[str, str]) -> MovieRow:
    movie_id = _positive_int(row["movieId"], "movieId")
    if not row["title"].strip():
        raise ValueError("title is empty")
    parsed = parse_title(row["title"])
    genres = tuple(g.strip() for g in row["genres"].split("|") if g.strip() and g.strip() not in _IGNORED_GENRES)
    return MovieRow(movie_id, parsed.name[:255], parsed.year, genres, aka=AKA_SEPARATOR.join(parsed.aka)[:255])


def _link(row: dict[str, str]) -> LinkRow:
    movie_id = _positive_int(row["movieId"], "movieId")
    imdb = row["imdbId"].strip()
    if imdb and not imdb.isdigit():
        raise ValueError(f"imdbId {imdb!r} is not numeric")
    tmdb = row["tmdbId"].strip()
    return LinkRow(movie_id, f"tt{imdb}" if imdb else "", _positive_int(tmdb, "tmdbId") if tmdb else None)


def _tag(row: dict[str, str]) -> TagRow:
    tag = " ".join(row["tag"].split()).lower()
    if not tag:
        raise ValueError("tag is empty")
    _timestamp(row["timestamp"])
    return TagRow(_positive_int(row["userId"], "userId"), _positive_int(row["movieId"], "movieId"), tag[:60])


def _rating(row: dict[str, str]) -> RatingRow:
    try:
        rating = float(row["rating"])
    except ValueError:
        raise ValueError(f"rating {row['rating']!r} is not a number") from None
    if not 0.5 <= rating <= 5.0 or (rating * 2) % 1:
        raise ValueError(f"rating {rating} is not a half-star value between 0.5 and 5")
    return RatingRow(
        _positive_int(row["userId"], "userId"),
        _positive_int(row["movieId"], "movieId"),
        rating,
        _timestamp(row["timestamp"]),
    )
