from __future__ import annotations

import http.server
import io
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Artwork, Title
from catalog.movielens import DatasetError, display_name, locate_dataset, parse_title
from personalization.models import Profile, Rating
from tests.factories import write_movielens

pytestmark = pytest.mark.django_db


def seed(directory: Path, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    options.setdefault("skip_training", True)  # training is tested in tests/personalization
    options.setdefault("warm_sessions", 0)  # the warm-up is tested in tests/personalization/test_warmup.py
    call_command(
        "seed_demo", movielens_dir=str(directory), prerender=0, no_background=True, stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995)),
        ("American President, The (1995)", ("The American President", 1995)),
        (
            "City of Lost Children, The (Cité des enfants perdus, La) (1995)",
            ("The City of Lost Children", 1995),
        ),
        ("Misérables, Les (1995)", ("Les Misérables", 1995)),
        ("Babylon 5", ("Babylon 5", None)),
        ("Stranger Things (2016– )", ("Stranger Things", 2016)),
    ],
)
def test_display_name_moves_the_article_and_parses_the_year(raw, expected):
    assert display_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "name", "aka"),
    [
        ("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "Amelie", ("Le Fabuleux destin d'Amélie Poulain",)),
        ("Boot, Das (Boat, The) (1981)", "Das Boot", ("The Boat",)),
        (
            "Léon: The Professional (a.k.a. The Professional) (Léon) (1994)",
            "Léon: The Professional",
            ("The Professional", "Léon"),
        ),
        (
            "Asterix in America (a.k.a Asterix Conquers America) (1994)",
            "Asterix in America",
            ("Asterix Conquers America",),
        ),
        # Parentheses that belong to the title stay.
        (
            "Evangelion: 1.0 You Are (Not) Alone (Evangerion shin gekijôban: Jo) (2007)",
            "Evangelion: 1.0 You Are (Not) Alone",
            ("Evangerion shin gekijôban: Jo",),
        ),
        ("(500) Days of Summer (2009)", "(500) Days of Summer", ()),
        ("Half (open", "Half (open", ()),
    ],
)
def test_other_titles_in_parentheses_become_also_known_as(raw, name, aka):
    parsed = parse_title(raw)
    assert (parsed.name, parsed.aka) == (name, aka)


def test_it_imports_titles_genres_links_tags_viewers_and_ratings(tmp_path):
    directory = write_movielens(tmp_path / "ml")
    out, err = seed(directory)

    assert Title.objects.count() == 24
    kiss = Title.objects.get(movielens_id=6)
    assert (kiss.name, kiss.year) == ("The Rain Kiss", 2006)
    assert sorted(kiss.genres.values_list("name", flat=True)) == ["Drama", "Romance"]
    assert (kiss.imdb_id, kiss.tmdb_id) == ("tt1000006", 506)
    cellar = Title.objects.get(movielens_id=13)
    assert cellar.tags == ["atmospheric"]  # two users, one tag after normalising case
    assert Profile.objects.filter(movielens_user_id__isnull=False).count() == 8
    assert Rating.objects.count() == 8 * (6 + 3)
    ratings_of_1 = [line for line in (directory / "ratings.csv").read_text().splitlines() if line.split(",")[1] == "1"]
    assert Title.objects.get(movielens_id=1).rating_count == len(ratings_of_1)
    assert "Seeded 24 titles" in out and "0 malformed rows" in out
    assert err == ""


def test_every_title_gets_at_least_three_themed_variants_and_one_default(tmp_path):
    seed(write_movielens(tmp_path / "ml"))

    for title in Title.objects.prefetch_related("artworks"):
        themes = [a.theme for a in title.artworks.all()]
        assert len(themes) >= 3 and len(set(themes)) == len(themes), title
        assert sum(a.is_default for a in title.artworks.all()) == 1
    romance = Title.objects.get(movielens_id=1)
    assert {"romance", "drama"} <= set(romance.artworks.values_list("theme", flat=True))


def test_reimporting_changes_nothing_and_updates_changed_rows(tmp_path):
    directory = write_movielens(tmp_path / "ml")
    seed(directory)
    counts = (Title.objects.count(), Artwork.objects.count(), Profile.objects.count(), Rating.objects.count())

    ratings = directory / "ratings.csv"
    lines = ratings.read_text().splitlines()
    user, movie, _, ts = lines[1].split(",")
    lines[1] = f"{user},{movie},1.5,{ts}"
    ratings.write_text("\n".join(lines) + "\n")
    seed(directory)

    assert (Title.objects.count(), Artwork.objects.count(), Profile.objects.count(), Rating.objects.count()) == counts
    assert Rating.objects.get(profile__movielens_user_id=int(user), title__movielens_id=int(movie)).rating == 1.5


def test_reimporting_a_renamed_title_stores_its_other_title_and_redraws_its_cards(tmp_path):
    from catalog.services import artwork_rendition_ensure

    directory = write_movielens(tmp_path / "ml")
    seed(directory)
    kept, renamed = Title.objects.get(movielens_id=2), Title.objects.get(movielens_id=1)
    for artwork in Artwork.objects.filter(title__in=[kept, renamed]).select_related("title"):
        artwork_rendition_ensure(artwork=artwork, kind="card")

    movies = directory / "movies.csv"
    movies.write_text(
        movies.read_text().replace('1,"Love in Paris (2001)"', '1,"Love in Paris, A (Amour à Paris, L\') (2001)"')
    )
    seed(directory)

    renamed.refresh_from_db()
    assert (renamed.name, renamed.aka) == ("A Love in Paris", "L'Amour à Paris")
    assert not renamed.artworks.exclude(card="").exists()  # drawn again, now with the new name
    assert not kept.artworks.filter(card="").exists()


def test_malformed_rows_are_reported_with_file_and_line_and_skipped(tmp_path):
    directory = write_movielens(
        tmp_path / "ml",
        extra_rows={
            "ratings.csv": ["1,2,seven,1500000000", "1,2,7.0,1500000000", "1,999,4.0,1500000000", "1,2"],
            "movies.csv": ["abc,Broken (2001),Drama"],
        },
    )
    good_ratings = 8 * 9
    ratings_lines = len((directory / "ratings.csv").read_text().splitlines())

    out, err = seed(directory)

    assert f"ratings.csv:{ratings_lines - 3}: rating 'seven' is not a number" in err
    assert f"ratings.csv:{ratings_lines - 2}: rating 7.0 is not a half-star value" in err
    assert f"ratings.csv:{ratings_lines - 1}: movieId 999 is not in movies.csv" in err
    assert f"ratings.csv:{ratings_lines}: expected 4 fields, found 2" in err
    assert "movies.csv:26: movieId 'abc' is not a whole number" in err
    assert "5 malformed rows skipped" in out
    assert Rating.objects.count() == good_ratings
    assert Title.objects.count() == 24
    assert not Rating.objects.filter(title__movielens_id=999).exists()


def test_strict_mode_imports_nothing_when_a_row_is_malformed(tmp_path):
    directory = write_movielens(tmp_path / "ml", extra_rows={"ratings.csv": ["1,2,seven,1500000000"]})

    with pytest.raises(CommandError, match="1 malformed rows and --strict given"):
        seed(directory, strict=True)

    assert not Title.objects.exists() and not Rating.objects.exists()


def test_an_explicit_directory_without_the_files_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"lacks movies\.csv, ratings\.csv, links\.csv, tags\.csv"):
        seed(tmp_path / "nowhere")


def test_a_file_with_the_wrong_header_is_refused(tmp_path):
    directory = write_movielens(tmp_path / "ml")
    (directory / "movies.csv").write_text("id,name\n1,x\n")

    with pytest.raises(CommandError, match="does not start with the header movieId,title,genres"):
        seed(directory)
    assert not Title.objects.exists()


@pytest.fixture
def zip_server(tmp_path):
    """A real HTTP server on localhost serving an ml-latest-small.zip, standing in for GroupLens."""
    source = write_movielens(tmp_path / "src")
    archive = tmp_path / "www" / "ml-latest-small.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for path in source.iterdir():
            zf.write(path, f"ml-latest-small/{path.name}")
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(archive.parent), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/ml-latest-small.zip"
    server.shutdown()


def test_it_downloads_and_unpacks_the_zip_when_the_default_folder_is_missing(tmp_path, zip_server):
    received = []

    found = locate_dataset(
        tmp_path / "missing",
        explicit=False,
        download_url=zip_server,
        download_dir=tmp_path / "downloads",
        progress=lambda chunk, total: received.append((chunk, total)),
    )

    assert found == tmp_path / "downloads" / "ml-latest-small"
    assert (found / "ratings.csv").read_text().startswith("userId,movieId,rating,timestamp")
    assert sum(chunk for chunk, _ in received) == received[0][1] > 0
    assert not list((tmp_path / "downloads").glob("*.zip"))  # the temporary zip is cleaned up


def test_with_no_folder_and_no_download_it_says_what_to_set(tmp_path):
    with pytest.raises(DatasetError, match="Set MOVIELENS_DIR"):
        locate_dataset(
            tmp_path / "missing",
            explicit=False,
            download_url="http://127.0.0.1:9/ml-latest-small.zip",
            download_dir=tmp_path / "downloads",
        )
