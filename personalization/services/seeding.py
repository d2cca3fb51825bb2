"""Loading MovieLens viewers into the demo account: profiles, their ratings, and who is featured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from scipy import sparse

from catalog.models import Genre, Title
from catalog.movielens import MovieLensData
from personalization.models import Account, Profile, Rating
from personalization.taste import TasteMatrix, like_weights, pick_diverse, taste_matrix, taste_summary

# Names cycle through this list for the 610 sample viewers; featured ones get the archetype's.
FIRST_NAMES = [
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kai",
    "Lena",
    "Milo",
    "Nora",
    "Owen",
    "Pia",
    "Quinn",
    "Ruby",
    "Sami",
    "Tess",
    "Umar",
    "Vera",
    "Wes",
    "Xena",
    "Yara",
    "Zane",
    "Alma",
    "Bruno",
    "Cleo",
    "Dev",
    "Esme",
    "Felix",
    "Gia",
    "Hana",
    "Ivo",
    "Juno",
    "Kira",
    "Leo",
    "Mara",
    "Nico",
]

# (name, genre) for the "Who's watching?" picker: tastes a tester can tell apart at a glance.
FEATURED_ARCHETYPES: list[tuple[str, str]] = [
    ("Rosa", "Romance"),
    ("Max", "Action"),
    ("Raven", "Horror"),
    ("Kiki", "Animation"),
    ("Neo", "Sci-Fi"),
    ("Doc", "Documentary"),
]
# A format, not a taste: "loves IMAX" says nothing a viewer would recognise.
NOT_A_TASTE = {"IMAX"}
MIN_RATINGS_TO_FEATURE = 40


@dataclass
class ProfileImportStats:
    profiles_created: int = 0
    ratings_written: int = 0
    featured: int = 0


@transaction.atomic
def demo_profiles_import(*, data: MovieLensData, progress: Callable[[int], None] | None = None) -> ProfileImportStats:
    """One demo profile per MovieLens user, with its ratings (upserted, so re-runs are no-ops)."""
    stats = ProfileImportStats()
    account = Account.objects.demo()
    user_ids = sorted({r.user_id for r in data.ratings})
    existing = set(Profile.objects.filter(movielens_user_id__in=user_ids).values_list("movielens_user_id", flat=True))
    new_profiles = [
        Profile(
            account=account,
            movielens_user_id=uid,
            name=FIRST_NAMES[uid % len(FIRST_NAMES)],
            avatar_color=Profile.AVATAR_COLORS[uid % len(Profile.AVATAR_COLORS)],
        )
        for uid in user_ids
        if uid not in existing
    ]
    Profile.objects.bulk_create(new_profiles, batch_size=1000)
    stats.profiles_created = len(new_profiles)

    profile_ids = dict(Profile.objects.filter(movielens_user_id__isnull=False).values_list("movielens_user_id", "id"))
    title_ids = dict(Title.objects.filter(movielens_id__isnull=False).values_list("movielens_id", "id"))
    # The last rating of a (user, movie) pair wins, as in the file's own order.
    latest = {(r.user_id, r.movie_id): r for r in data.ratings}
    rows = [
        Rating(profile_id=profile_ids[r.user_id], title_id=title_ids[r.movie_id], rating=r.rating, rated_at=r.rated_at)
        for r in latest.values()
    ]
    batch = 5000
    for start in range(0, len(rows), batch):
        Rating.objects.bulk_create(
            rows[start : start + batch],
            update_conflicts=True,
            unique_fields=["profile", "title"],
            update_fields=["rating", "rated_at"],
        )
        if progress:
            progress(len(rows[start : start + batch]))
    stats.ratings_written = len(rows)
    stats.featured = demo_profiles_describe()
    return stats


def demo_profiles_describe() -> int:
    """Write every sample profile's taste (summary and per-genre lift) and choose the featured, clearly
    different ones."""
    tastes = sample_viewer_tastes(genre_model=Genre, title_model=Title, rating_model=Rating)
    if tastes is None:
        return 0
    taste, rated = tastes
    genres, lift = taste.features, taste.lift
    chosen = pick_diverse(
        lift,
        genres,
        rated >= min(MIN_RATINGS_TO_FEATURE, np.median(rated)),  # small datasets: the busier half
        [genre for _, genre in FEATURED_ARCHETYPES],
    )
    featured = {int(taste.users[row]): (order, FEATURED_ARCHETYPES[order][0]) for order, row in enumerate(chosen)}

    profiles = list(Profile.objects.filter(id__in=taste.users.tolist()))
    for profile in profiles:
        row = taste.row(profile.id)
        profile.taste_summary = taste_summary(row, genres)
        profile.genre_lift = genre_lift_of(row, genres)
        order_and_name = featured.get(profile.id)
        profile.is_featured = order_and_name is not None
        if order_and_name:
            profile.featured_order, profile.name = order_and_name
        else:
            profile.featured_order = 0
            profile.name = FIRST_NAMES[(profile.movielens_user_id or profile.id) % len(FIRST_NAMES)]
    Profile.objects.bulk_update(
        profiles, ["taste_summary", "genre_lift", "is_featured", "featured_order", "name"], batch_size=1000
    )
    return len(featured)


def genre_lift_of(row: np.ndarray, genres: tuple[str, ...]) -> dict[str, float]:
    """One viewer's lift per genre as stored on the profile (what taste search ranks by)."""
    return {genre: round(float(value), 3) for genre, value in zip(genres, row.tolist(), strict=True)}


def sample_viewer_tastes(*, genre_model, title_model, rating_model) -> tuple[TasteMatrix, np.ndarray] | None:
    """Every sample viewer's genre taste from their ratings, and how many ratings each has (in the
    taste matrix's user order); None before any are imported.

    Takes the model classes so that the migration that filled in `Profile.genre_lift` can run it on
    its historical models."""
    genres = tuple(genre_model.objects.exclude(name__in=NOT_A_TASTE).order_by("name").values_list("name", flat=True))
    title_index = {tid: i for i, tid in enumerate(title_model.objects.order_by("id").values_list("id", flat=True))}
    genre_col = {name: j for j, name in enumerate(genres)}
    pairs = [
        (title_index[tid], genre_col[name])
        for tid, name in title_model.genres.through.objects.values_list("title_id", "genre__name")
        if name in genre_col
    ]
    rows, cols = zip(*pairs, strict=True) if pairs else ((), ())
    item_features = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(title_index), len(genres)))
    ratings = np.array(
        list(
            rating_model.objects.filter(profile__movielens_user_id__isnull=False).values_list(
                "profile_id", "title_id", "rating"
            )
        ),
        dtype=np.float64,
    )
    if not len(ratings):
        return None
    users = ratings[:, 0].astype(np.int64)
    taste = taste_matrix(
        users=users,
        items=np.array([title_index[int(t)] for t in ratings[:, 1]]),
        weights=like_weights(ratings[:, 2]),
        item_features=item_features,
        features=genres,
    )
    return taste, np.bincount(np.unique(users, return_inverse=True)[1])
