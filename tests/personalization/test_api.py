from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from personalization.models import Account, Impression
from personalization.services.homepage import FIRST_SCREEN_ROWS
from tests.factories import make_catalog, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    make_catalog()
    return make_profile("Api Viewer", is_featured=True)


def test_the_homepage_api_returns_the_same_page_shape_as_the_site(client, viewer):
    response = client.get(reverse("api-homepage", args=[viewer.pk]), {"device": "tv", "daypart": "night"})

    data = response.json()
    assert response.status_code == 200
    assert data["profile_id"] == viewer.pk
    assert data["context"]["device"] == "tv" and data["context"]["daypart"] == "night"
    assert data["hero"]["image_url"]
    filled = [r for r in data["rows"] if not r["lazy"]]
    assert len(filled) == FIRST_SCREEN_ROWS and all(len(r["cards"]) >= 8 for r in filled)

    lazy = next(r for r in data["rows"] if r["lazy"])
    row = client.get(reverse("api-homepage-row", args=[viewer.pk, data["page_view_id"], lazy["index"]])).json()
    assert row["key"] == lazy["key"] and len(row["cards"]) >= 8


def test_a_client_scrolling_fast_gets_several_lazy_rows_in_one_answer(client, viewer):
    data = client.get(reverse("api-homepage", args=[viewer.pk])).json()
    lazy = [r for r in data["rows"] if r["lazy"]][:3]
    url = reverse("api-homepage-rows", args=[viewer.pk, data["page_view_id"], lazy[0]["index"], lazy[-1]["index"]])

    rows = client.get(url).json()["rows"]
    one = client.get(reverse("api-homepage-row", args=[viewer.pk, data["page_view_id"], lazy[1]["index"]])).json()

    assert [(r["key"], r["index"]) for r in rows] == [(r["key"], r["index"]) for r in lazy]
    assert all(len(r["cards"]) >= 8 for r in rows)
    assert [c["title_id"] for c in one["cards"]] == [c["title_id"] for c in rows[1]["cards"]]
    stored = Impression.objects.filter(page_view_id=uuid.UUID(data["page_view_id"]), row_index__gte=FIRST_SCREEN_ROWS)
    assert stored.count() == sum(len(r["cards"]) for r in rows)  # the single row again logged nothing
    huge = reverse("api-homepage-rows", args=[viewer.pk, data["page_view_id"], 0, 10**30])
    assert client.get(huge).json()["code"] == "bad_rows"


def test_bad_query_parameters_get_a_400_that_says_why(client, viewer):
    response = client.get(reverse("api-homepage", args=[viewer.pk]), {"device": "toaster"})
    assert response.status_code == 400
    assert response.json()["detail"] == 'device: "toaster" is not a valid choice.'
    assert response.json()["code"] == "invalid" and "device" in response.json()["errors"]


def test_the_api_hides_other_accounts_profiles(client, viewer):
    owner = User.objects.create_user("bo", password="pw-123456")
    private = make_profile("Private", account=Account.objects.create(name="Bo", owner=owner))
    assert client.get(reverse("api-homepage", args=[private.pk])).status_code == 404

    client.force_login(User.objects.create_user("ana", password="pw-123456"))
    assert client.get(reverse("api-homepage", args=[private.pk])).status_code == 404
    assert client.get(reverse("api-homepage", args=[viewer.pk])).status_code == 200  # sample viewers are everyone's
    names = [p["name"] for p in client.get(reverse("api-profiles")).json()["results"]]
    assert names == ["ana", viewer.name]  # her own household first


def test_expired_page_views_are_410_and_unknown_rows_404(client, viewer):
    data = client.get(reverse("api-homepage", args=[viewer.pk])).json()
    assert client.get(reverse("api-homepage-row", args=[viewer.pk, "0" * 32, 1])).status_code == 410
    assert client.get(reverse("api-homepage-row", args=[viewer.pk, data["page_view_id"], 99])).status_code == 404


def test_profiles_and_titles_are_listed(client, viewer):
    profiles = client.get(reverse("api-profiles"), {"featured": "1"}).json()
    assert [p["name"] for p in profiles["results"]] == ["Api Viewer"]
    page = client.get(reverse("api-homepage", args=[viewer.pk])).json()
    title = client.get(reverse("api-title", args=[page["hero"]["title_id"]])).json()
    assert title["name"] == page["hero"]["name"] and title["genres"]


def test_the_openapi_schema_describes_the_homepage(client):
    response = client.get(reverse("schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/profiles/{id}/homepage/" in schema["paths"]
