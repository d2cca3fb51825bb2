from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from catalog.models import Artwork
from tests.factories import make_profile, make_title, rate

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:catalog_title_changelist",
    "admin:catalog_artwork_changelist",
    "admin:catalog_genre_changelist",
    "admin:personalization_profile_changelist",
    "admin:personalization_account_changelist",
    "admin:personalization_rating_changelist",
    "admin:django_celery_beat_periodictask_changelist",
]


@pytest.fixture
def catalog():
    title = make_title("Steel Rain", genres=["Action"], themes=("action", "thriller", "ensemble cast"), rating_count=9)
    rate(make_profile("Max"), title, 4.5)
    return title


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_load_for_staff(admin_client, catalog, page):
    response = admin_client.get(reverse(page))
    assert response.status_code == 200


def test_title_page_shows_its_artwork_inline_with_previews(admin_client, catalog):
    response = admin_client.get(reverse("admin:catalog_title_change", args=[catalog.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for artwork in catalog.artworks.all():
        assert f'src="{artwork.card_url}"' in body
    assert "ensemble cast" in body


def test_title_list_filters_and_searches(admin_client, catalog):
    make_title("Love in Paris", genres=["Romance"], themes=("romance", "drama", "comedy"))
    response = admin_client.get(reverse("admin:catalog_title_changelist"), {"q": "steel"})
    assert [t.name for t in response.context["cl"].result_list] == ["Steel Rain"]
    action = catalog.genres.get()
    response = admin_client.get(reverse("admin:catalog_title_changelist"), {"genres__id__exact": action.pk})
    assert [t.name for t in response.context["cl"].result_list] == ["Steel Rain"]


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
@pytest.mark.parametrize("page", ADMIN_PAGES[:3])
def test_admin_refuses_anyone_but_staff(client, catalog, who, page):
    if who == "viewer":
        client.force_login(User.objects.create_user("viewer", password="pw-123456"))
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_bulk_retire_and_activate_artwork(admin_client, catalog):
    ids = list(catalog.artworks.values_list("pk", flat=True))
    url = reverse("admin:catalog_artwork_changelist")

    admin_client.post(url, {"action": "retire", "_selected_action": ids[:2]})
    assert list(Artwork.objects.filter(pk__in=ids).order_by("pk").values_list("is_active", flat=True)) == [
        False,
        False,
        True,
    ]

    admin_client.post(url, {"action": "activate", "_selected_action": ids})
    assert Artwork.objects.filter(pk__in=ids, is_active=True).count() == 3


def test_a_viewer_cannot_run_admin_actions(client, catalog):
    client.force_login(User.objects.create_user("viewer", password="pw-123456"))
    ids = list(catalog.artworks.values_list("pk", flat=True))
    client.post(reverse("admin:catalog_artwork_changelist"), {"action": "retire", "_selected_action": ids})
    assert Artwork.objects.filter(pk__in=ids, is_active=True).count() == 3


def test_making_another_variant_the_default_moves_the_flag(admin_client, catalog):
    current = catalog.artworks.get(is_default=True)
    other = catalog.artworks.exclude(pk=current.pk).first()
    response = admin_client.post(
        reverse("admin:catalog_artwork_change", args=[other.pk]),
        {"title": catalog.pk, "theme": other.theme, "is_active": "on", "is_default": "on"},
    )
    assert response.status_code == 302
    assert list(catalog.artworks.filter(is_default=True)) == [other]
