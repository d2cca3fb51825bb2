"""Small factories and a hand-made MovieLens-format dataset for tests."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from catalog.models import Artwork, Genre, Title
from personalization.models import Account, Profile, Rating

GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Animation", "Children", "Thriller"]


def make_genre(name: str) -> Genre:
    genre, _ = Genre.objects.get_or_create(name=name, defaults={"slug": name.lower()})
    return genre


def make_title(
    name: str = "A Film",
    *,
    year: int | None = 2000,
    genres=(),
    themes=("drama", "comedy", "action"),
    rating_count: int = 0,
    **fields,
) -> Title:
    title = Title.objects.create(name=name, year=year, rating_count=rating_count, **fields)
    title.genres.set([make_genre(g) for g in genres])
    for i, theme in enumerate(themes):
        Artwork.objects.create(title=title, theme=theme, is_default=i == 0)
    return title


def make_profile(name: str = "Viewer", *, account: Account | None = None, **fields) -> Profile:
    return Profile.objects.create(account=account or Account.objects.demo(), name=name, **fields)


def rate(profile: Profile, title: Title, rating: float, when: datetime | None = None) -> Rating:
    return Rating.objects.create(profile=profile, title=title, rating=rating, rated_at=when or datetime.now(UTC))


def image_bytes(size=(800, 450), fmt="PNG", color=(200, 30, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def write_movielens(directory: Path, *, extra_rows: dict[str, list[str]] | None = None) -> Path:
    """A tiny MovieLens-format dataset: 24 movies in 4 taste clusters, 8 users, tags and links.

    Users 1-2 love romance, 3-4 action, 5-6 horror, 7-8 animation; everyone rates a few others.
    `extra_rows` appends raw lines to a file (malformed rows for the importer tests).
    """
    clusters = {
        "Romance|Drama": [
            "Love in Paris",
            "Second Chances",
            "The Long Letter",
            "Summer Vows",
            "Two Hearts",
            "Rain Kiss",
        ],
        "Action|Thriller": ["Fast Fury", "Steel Rain", "Night Chase", "Hard Target X", "Blast Zone", "Iron Run"],
        "Horror|Thriller": ["The Cellar", "Hollow Eyes", "Night Terrors", "Dead Quiet", "The Grudge Tree", "Bleed"],
        "Animation|Children|Comedy": ["Bunny Hop", "Robo Pals", "Cloud Town", "Dino Dance", "Sock Puppets", "Moon Cat"],
    }
    movies, links, ratings, tags = [], [], [], []
    movie_id = 0
    cluster_movies: dict[str, list[int]] = {}
    for genres, names in clusters.items():
        for i, name in enumerate(names):
            movie_id += 1
            cluster_movies.setdefault(genres, []).append(movie_id)
            display = f"{name}, The" if i == 5 else name  # MovieLens files articles at the end
            movies.append(f'{movie_id},"{display} ({2000 + movie_id})",{genres}')
            links.append(f"{movie_id},{1000000 + movie_id:07d},{500 + movie_id}")
    timestamp = 1_500_000_000
    for user, genres in enumerate(clusters, start=1):
        for member in (2 * user - 1, 2 * user):
            for offset, mid in enumerate(cluster_movies[genres]):
                ratings.append(f"{member},{mid},{5.0 if offset < 4 else 4.5},{timestamp + member * 100 + offset}")
            for other in clusters:
                if other != genres:
                    ratings.append(f"{member},{cluster_movies[other][member % 6]},2.0,{timestamp + member * 100 + 50}")
    tags.append(f"1,1,romantic,{timestamp}")
    tags.append(f"3,7,action packed,{timestamp}")
    tags.append(f"5,13,atmospheric,{timestamp}")
    tags.append(f"6,13,Atmospheric,{timestamp}")
    files = {
        "movies.csv": ["movieId,title,genres", *movies],
        "links.csv": ["movieId,imdbId,tmdbId", *links],
        "ratings.csv": ["userId,movieId,rating,timestamp", *ratings],
        "tags.csv": ["userId,movieId,tag,timestamp", *tags],
    }
    for name, rows in (extra_rows or {}).items():
        files[name] = files[name] + rows
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        (directory / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return directory


def make_catalog(
    *, per_genre: int = 30, genres=("Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Animation", "Thriller")
) -> list[Title]:
    """A few hundred titles across genres, each with three themed variants, made in bulk."""
    genre_objs = [make_genre(g) for g in genres]
    titles = Title.objects.bulk_create(
        [
            Title(
                name=f"{genre.name} Film {i}",
                year=1990 + (i % 30),
                rating_count=1000 - i * 7 - j,
                rating_mean=3.0 + (i % 5) / 3,
                trending=1000 - i * 7 - j,  # as if every rating were recent
            )
            for j, genre in enumerate(genre_objs)
            for i in range(per_genre)
        ]
    )
    through = Title.genres.through
    through.objects.bulk_create(
        [through(title_id=t.pk, genre_id=genre_objs[k // per_genre].pk) for k, t in enumerate(titles)]
    )
    Artwork.objects.bulk_create(
        [
            Artwork(title_id=t.pk, theme=theme, is_default=n == 0)
            for k, t in enumerate(titles)
            for n, theme in enumerate((genres[k // per_genre].lower(), "ensemble cast", "character close-up"))
        ]
    )
    return titles


CLUSTER_GENRES = ["Romance|Drama", "Action|Thriller", "Horror|Thriller", "Animation|Children|Comedy"]


def write_clustered_movielens(
    directory: Path, *, titles_per_cluster: int = 30, users_per_cluster: int = 25, seed: int = 0
) -> Path:
    """A MovieLens-format dataset with obvious tastes: 4 genre clusters of titles and of users.

    Each user rates half of their own cluster highly (4-5 stars) and a few titles of other clusters
    low (1-2.5), so a working recommender must suggest the unrated half of their own cluster.
    Movie ids: cluster c holds c*100+1 .. c*100+titles_per_cluster. User ids: 1.. in cluster order.
    """
    import random

    rng = random.Random(seed)
    movies = ["movieId,title,genres"]
    links = ["movieId,imdbId,tmdbId"]
    for c, genres in enumerate(CLUSTER_GENRES):
        for i in range(1, titles_per_cluster + 1):
            movie_id = c * 100 + i
            movies.append(f"{movie_id},{genres.split('|')[0]} Story {i} ({1990 + i}),{genres}")
            links.append(f"{movie_id},{2000000 + movie_id:07d},{9000 + movie_id}")
    ratings = ["userId,movieId,rating,timestamp"]
    user = 0
    for c in range(len(CLUSTER_GENRES)):
        own = [c * 100 + i for i in range(1, titles_per_cluster + 1)]
        for _ in range(users_per_cluster):
            user += 1
            for movie_id in rng.sample(own, titles_per_cluster // 2):
                ratings.append(
                    f"{user},{movie_id},{rng.choice([4.0, 4.5, 5.0])},{1_600_000_000 + user * 1000 + movie_id}"
                )
            for other in rng.sample([k for k in range(len(CLUSTER_GENRES)) if k != c], 2):
                movie_id = other * 100 + rng.randint(1, titles_per_cluster)
                ratings.append(f"{user},{movie_id},{rng.choice([1.0, 2.0, 2.5])},{1_600_000_000 + user * 1000}")
    files = {
        "movies.csv": movies,
        "links.csv": links,
        "ratings.csv": ratings,
        "tags.csv": ["userId,movieId,tag,timestamp"],
    }
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        (directory / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return directory


def cluster_of(title: Title) -> int:
    return (title.movielens_id or 0) // 100


def impression_batch_for(
    cards, *, profile_id: int, shown_at=None, policy: str = "thompson", device: str = "tv", taste=()
) -> dict:
    """A page view's impression message holding `cards` (ShownCard), as the page builder makes it."""
    from django.utils import timezone

    from personalization.services.impressions import impression_batch

    return impression_batch(
        page_view_id=uuid.uuid4().hex,
        profile_id=profile_id,
        shown_at=shown_at or timezone.now(),
        daypart="evening",
        device=device,
        policy=policy,
        policy_version=f"{policy}/test",
        model_version="",
        experiment_variant="",
        row_keys={0: "top-picks"},
        cards=cards,
        taste=taste,
    )
