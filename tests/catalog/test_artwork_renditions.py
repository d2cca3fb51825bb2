from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from catalog.models import Artwork
from catalog.services import artwork_cards_generate, artwork_pending_ids
from catalog.tasks import artwork_generate_pending_task
from tests.conftest import wait_until
from tests.factories import make_title

pytestmark = pytest.mark.django_db


def test_the_first_request_draws_the_card_and_later_ones_reuse_it(client, settings):
    artwork = make_title("Night Chase", themes=("action",)).artworks.get()
    url = reverse("catalog:artwork_rendition", args=[artwork.pk, "card"])

    first = client.get(url)
    artwork.refresh_from_db()
    stored = Path(settings.MEDIA_ROOT) / artwork.card.name
    modified = stored.stat().st_mtime_ns
    second = client.get(url)

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(first.streaming_content))) as card:
        assert (card.format, card.size) == ("JPEG", Artwork.CARD_SIZE)
    assert b"".join(second.streaming_content) == stored.read_bytes()
    assert stored.stat().st_mtime_ns == modified  # served, not drawn again
    assert artwork.card_url == f"{settings.MEDIA_URL}{artwork.card.name}"


def test_hero_renditions_are_billboard_sized(client):
    artwork = make_title("Love in Paris", themes=("romance",)).artworks.get()
    response = client.get(reverse("catalog:artwork_rendition", args=[artwork.pk, "hero"]))
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as hero:
        assert hero.size == Artwork.HERO_SIZE


def test_unknown_renditions_and_artwork_are_404(client):
    artwork = make_title(themes=("drama",)).artworks.get()
    assert client.get(reverse("catalog:artwork_rendition", args=[artwork.pk, "poster"])).status_code == 404
    assert client.get(reverse("catalog:artwork_rendition", args=[artwork.pk + 99, "card"])).status_code == 404


def test_background_generation_goes_most_popular_first():
    niche = make_title("Niche", rating_count=1, themes=("drama", "comedy", "war"))
    hit = make_title("Hit", rating_count=500, themes=("action", "sci-fi", "thriller"))

    assert artwork_cards_generate(limit=3) == 3

    assert set(Artwork.objects.exclude(card="").values_list("title_id", flat=True)) == {hit.pk}
    assert len(artwork_pending_ids()) == 3 and all(
        Artwork.objects.get(pk=pk).title_id == niche.pk for pk in artwork_pending_ids()
    )


def test_retired_artwork_is_not_drawn_in_the_background():
    title = make_title("Old", themes=("drama", "comedy", "war"))
    title.artworks.filter(theme="war").update(is_active=False)
    artwork_cards_generate(limit=10)
    assert list(title.artworks.filter(card="").values_list("theme", flat=True)) == ["war"]


@pytest.mark.services
def test_a_real_worker_on_redis_draws_the_pending_cards(celery_worker, settings):
    titles = [make_title(f"Title {i}", rating_count=i, themes=("drama", "comedy", "horror")) for i in range(4)]

    artwork_generate_pending_task.delay(batch=5)  # two batches: the task queues its own follow-up

    wait_until(lambda: not artwork_pending_ids(), message="the worker to draw all 12 cards")
    for artwork in Artwork.objects.filter(title__in=titles):
        assert (Path(settings.MEDIA_ROOT) / artwork.card.name).stat().st_size > 1000


def test_a_title_whose_artwork_is_all_retired_gets_a_generated_default_card(client):
    title = make_title("Retired Art", themes=("drama", "romance"))
    title.artworks.update(is_active=False)

    for kind, size in (("card", Artwork.CARD_SIZE), ("hero", Artwork.HERO_SIZE)):
        response = client.get(reverse("catalog:title_default_art", args=[title.pk, kind]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
            assert image.size == size
            assert np.asarray(image).std() > 10  # a picture, not a blank


def test_default_cards_refuse_unknown_kinds_and_titles(client):
    title = make_title("Retired Art", themes=("drama",))
    assert client.get(reverse("catalog:title_default_art", args=[title.pk, "poster"])).status_code == 404
    assert client.get(reverse("catalog:title_default_art", args=[title.pk + 999, "card"])).status_code == 404
    title.is_available = False
    title.save()
    assert client.get(reverse("catalog:title_default_art", args=[title.pk, "card"])).status_code == 404


def test_renditions_are_varied_by_title_not_by_artwork(settings):
    from catalog.artwork import render_artwork
    from catalog.services import artwork_rendition_ensure

    artwork = make_title("Night Chase", themes=("action",)).artworks.get()
    name = artwork_rendition_ensure(artwork=artwork, kind="card")
    with Image.open(Path(settings.MEDIA_ROOT) / name) as stored:
        drawn = np.asarray(stored, dtype=float)
    for seed, close in ((artwork.title_id, True), (artwork.pk + 1000, False)):
        expected = render_artwork(title="Night Chase", year=2000, theme="action", size=Artwork.CARD_SIZE, seed=seed)
        assert (np.abs(drawn - np.asarray(expected, dtype=float)).mean() < 4) == close  # (JPEG noise ~1)
