"""make_synthetic: MovieLens-shaped data F times the size of ml-latest-small, checked against the source."""

from __future__ import annotations

import filecmp
import math

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from scipy import stats

from catalog.movielens import read_dataset
from personalization import synthetic_movielens as synthetic

FACTOR = 5


@pytest.fixture(scope="module")
def source(movielens_dir):
    return synthetic.read_source(movielens_dir)


@pytest.fixture(scope="module")
def grown(source):
    return synthetic.grow(source, synthetic.SyntheticSpec(factor=FACTOR, seed=0))


def test_factor_one_gives_the_source_back(source):
    same = synthetic.grow(source, synthetic.SyntheticSpec(factor=1, seed=3))

    pd.testing.assert_frame_equal(
        same.ratings, source.ratings.sort_values(["userId", "movieId"]).reset_index(drop=True)
    )
    assert len(same.movies) == len(source.movies)


def test_counts_grow_by_the_factor(source, grown):
    viewers = source.ratings["userId"].nunique()
    assert grown.ratings["userId"].nunique() == FACTOR * viewers
    # Resampled viewers have the source's history lengths on average: ratings ~ F x R within the
    # sampling error of the mean length (sd of lengths / sqrt(new viewers)), 4 standard errors.
    lengths = source.ratings.groupby("userId").size()
    expected = FACTOR * len(source.ratings)
    error = 4 * lengths.std() / math.sqrt((FACTOR - 1) * viewers) * (FACTOR - 1) * viewers
    assert abs(len(grown.ratings) - expected) < error
    assert not grown.ratings.duplicated(["userId", "movieId"]).any()
    # The real viewers are all there, unchanged.
    real = grown.ratings[grown.ratings["userId"].isin(source.ratings["userId"].unique())]
    pd.testing.assert_frame_equal(
        real.reset_index(drop=True), source.ratings.sort_values(["userId", "movieId"]).reset_index(drop=True)
    )


def test_catalogue_grows_by_the_square_root_up_to_the_cap(source, grown):
    titles = len(source.movies)
    assert len(grown.movies) == round(titles * math.sqrt(FACTOR))
    assert grown.movies["movieId"].is_unique
    assert set(grown.ratings["movieId"]) <= set(grown.movies["movieId"])
    capped = synthetic.grow(source, synthetic.SyntheticSpec(factor=FACTOR, seed=0, max_titles=titles + 100))
    assert len(capped.movies) == titles + 100
    # Clones keep their original's genres and are rated (swaps reach them).
    clones = grown.movies[grown.movies["movieId"] > source.movies["movieId"].max()]
    rated = grown.ratings["movieId"].isin(clones["movieId"])
    assert rated.mean() > 0.05
    assert set(clones["genres"]) <= set(source.movies["genres"])


def test_rating_distribution_matches_the_source(source, grown):
    stars = np.arange(0.5, 5.01, 0.5)
    before = source.ratings["rating"].value_counts(normalize=True).reindex(stars, fill_value=0)
    after = grown.ratings["rating"].value_counts(normalize=True).reindex(stars, fill_value=0)
    assert 0.5 * np.abs(before - after).sum() < 0.01  # total variation distance
    # Per-viewer history length: the resampled viewers' lengths come from the same distribution.
    new = grown.ratings[~grown.ratings["userId"].isin(source.ratings["userId"].unique())]
    result = stats.ks_2samp(source.ratings.groupby("userId").size(), new.groupby("userId").size())
    assert result.pvalue > 0.01


def test_title_popularity_keeps_its_long_tail(source, grown):
    def top_share(ratings: pd.DataFrame, share: float) -> float:
        counts = ratings["movieId"].value_counts().to_numpy()
        return counts[: max(1, int(share * len(counts)))].sum() / counts.sum()

    # The most-rated 1% of titles hold a similar share of the ratings (ml-latest-small: ~20%).
    assert abs(top_share(grown.ratings, 0.01) - top_share(source.ratings, 0.01)) < 0.06


def test_it_is_deterministic_by_seed(tmp_path, movielens_dir):
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        call_command("make_synthetic", "--factor", "2", "--seed", str(seed), "--out", str(tmp_path / name))

    for filename in ("ratings.csv", "movies.csv", "links.csv", "tags.csv"):
        assert filecmp.cmp(tmp_path / "a" / filename, tmp_path / "b" / filename, shallow=False)
    assert not filecmp.cmp(tmp_path / "a" / "ratings.csv", tmp_path / "c" / "ratings.csv", shallow=False)


def test_the_files_load_with_the_catalogs_movielens_reader(tmp_path, movielens_dir):
    call_command("make_synthetic", "--factor", "1.5", "--out", str(tmp_path / "out"))

    data = read_dataset(tmp_path / "out")
    assert not data.issues
    assert len(data.ratings) == len(pd.read_csv(tmp_path / "out" / "ratings.csv"))
    assert any("#2" in movie.name for movie in data.movies)


def test_a_fraction_keeps_a_subset_of_real_viewers(source):
    half = synthetic.grow(source, synthetic.SyntheticSpec(factor=0.5, seed=0))
    assert half.ratings["userId"].nunique() == round(0.5 * source.ratings["userId"].nunique())
    assert set(half.ratings["userId"]) <= set(source.ratings["userId"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--factor", "0"], "factor must be a positive"),
        (["--factor", "nan"], "factor must be a positive"),
        (["--factor", "2", "--swap", "1.5"], "swap must be between"),
        (["--factor", "2", "--max-titles", "10"], "below the source"),
    ],
)
def test_it_refuses_bad_arguments_and_writes_nothing(tmp_path, movielens_dir, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("make_synthetic", *arguments, "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_it_says_when_the_source_is_not_movielens(tmp_path):
    with pytest.raises(CommandError, match=r"missing ratings\.csv"):
        call_command("make_synthetic", "--factor", "2", "--source", str(tmp_path), "--out", str(tmp_path / "out"))
