"""Odd and hostile input gets a 400 with a message, never a 500, and an error never echoes a flood."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from personalization.context import Context
from personalization.models import Event, Profile
from personalization.services.homepage import homepage_build
from tests.factories import make_catalog, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    make_catalog(per_genre=10, genres=("Drama", "Comedy"))
    return make_profile("Odd")


@pytest.fixture
def browsing(client, viewer):
    client.post(reverse("personalization:profile_select", args=[viewer.pk]))
    return client


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "personalization:profile_new", {"name": "Ni\x00ght"}),
        ("get", "personalization:browse", {"q": "hor\x00ror"}),
        ("get", "personalization:insights", {"q": "\x00"}),
    ],
)
def test_a_nul_character_is_a_400(admin_client, method, url, data):
    response = getattr(admin_client, method)(reverse(url), data)
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert not Profile.objects.filter(name__startswith="Ni").exists()


def test_unicode_digits_are_not_ids(browsing, admin_client, viewer):
    title = make_catalog(per_genre=1, genres=("War",))[0]

    artwork = browsing.get(reverse("personalization:title_detail", args=[title.pk]), {"artwork": "²"})
    browse = browsing.get(reverse("personalization:browse"), {"q": "#²"})
    picks = browsing.post(reverse("personalization:onboarding"), {"title": ["²", "³", "¹"]}, follow=True)

    assert artwork.status_code == 200 and browse.status_code == 200
    assert picks.status_code == 200 and "Pick at least 3" in picks.content.decode()
    assert not Event.objects.exists()


def test_json_nested_a_hundred_thousand_deep_is_a_400(viewer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=User.objects.create_user('t')).key}")
    body = "[" * 100_000 + "]" * 100_000

    response = api.post(reverse("api-events", args=[viewer.pk]), body, content_type="application/json")

    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


def test_a_ten_megabyte_field_is_refused_without_being_echoed(browsing, viewer):
    card = homepage_build(profile=viewer, context=Context(20, "evening", "desktop")).rows[0].cards[0]
    flood = "a" * 10_000_000

    response = browsing.post(
        reverse("personalization:title_action", args=[card.title_id]), {"action": flood, "impression": card.impression}
    )

    assert response.status_code == 400 and len(response.content) < 1_000
    assert "characters)" in response.content.decode()  # says how long it was instead


@pytest.mark.parametrize("number", [2**63, 10**30])
def test_a_profile_id_past_the_databases_integers_is_no_such_profile(client, viewer, number):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=User.objects.create_user('t')).key}")

    homepage = api.get(f"/api/profiles/{number}/homepage/")
    select = client.post(f"/profiles/{number}/select/")

    assert homepage.status_code == 404 and homepage.json()["code"] == "profile_required"
    assert select.status_code == 404
