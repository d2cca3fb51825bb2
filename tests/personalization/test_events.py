"""Events reference the impression they came from; bad input is refused with 400 and writes nothing."""

from __future__ import annotations

import time
import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.http import int_to_base36
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from personalization.context import Context
from personalization.models import Account, Engagement, Event
from personalization.page import PAGE_PLAN_TTL
from personalization.services.events import impression_token
from personalization.services.homepage import homepage_build
from tests.factories import make_catalog, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    make_catalog()
    return make_profile("Ana")


@pytest.fixture
def card(viewer):
    return homepage_build(profile=viewer, context=Context(20, "evening", "desktop")).rows[0].cards[0]


@pytest.fixture
def browsing(client, viewer):
    client.post(reverse("personalization:profile_select", args=[viewer.pk]))
    return client


def open_card(client, card, impression=None):
    return client.post(
        reverse("personalization:title_open", args=[card.title_id]) + f"?artwork={card.artwork_id}",
        {"impression": card.impression if impression is None else impression},
        HTTP_HX_REQUEST="true",
    )


def test_clicking_a_card_records_the_click_on_its_impression_and_opens_the_modal(browsing, card):
    response = open_card(browsing, card)

    assert response.status_code == 200 and 'role="dialog"' in response.content.decode()
    event = Event.objects.get()
    assert (event.kind, event.title_id, str(event.impression_id)) == (
        "click",
        card.title_id,
        str(uuid.UUID(card.impression.split(".")[0])),
    )
    # The modal shows the artwork the viewer clicked, and its buttons carry the same impression.
    body = response.content.decode()
    assert f'data-theme="{card.theme}"' in body and f'value="{card.impression}"' in body


def test_actions_from_the_modal_reference_the_impression(browsing, card):
    browsing.post(
        reverse("personalization:title_action", args=[card.title_id]),
        {"action": "play", "impression": card.impression},
        HTTP_HX_REQUEST="true",
    )
    play = Event.objects.get(kind="play")
    assert str(play.impression_id) == str(uuid.UUID(card.impression.split(".")[0]))


@pytest.mark.parametrize(
    ("impression", "message"),
    [
        ("nonsense", "is not an impression token"),
        (f"{uuid.uuid4().hex}.0123456789abcdef0123", "is not an impression token"),  # no issue time
        (f"{uuid.uuid4().hex}.{int_to_base36(int(time.time()))}.0123456789abcdef0123", "was not shown to this profile"),
        ("x" * 10_000_000, "characters)"),  # 10 MB: refused, and only the start of it is repeated
        ("", "A click needs the impression"),
    ],
)
def test_bad_impressions_are_refused_and_nothing_is_written(browsing, card, impression, message):
    response = open_card(browsing, card, impression=impression)
    assert response.status_code == 400 and message in response.content.decode()
    assert len(response.content) < 1000
    assert not Event.objects.exists() and not Engagement.objects.exists()


def test_a_replayed_click_is_recorded_once_and_rewards_once(browsing, api, viewer, card):
    click = {"type": "click", "title": card.title_id, "impression": card.impression}

    first = open_card(browsing, card)
    again = open_card(browsing, card)  # the same card opened again from the page: the modal opens, nothing recorded
    replayed = api.post(reverse("api-events", args=[viewer.pk]), click, content_type="application/json")

    assert first.status_code == again.status_code == 200
    assert replayed.status_code == 409 and replayed.json()["code"] == "duplicate"
    assert Event.objects.filter(kind="click").count() == 1


def test_a_card_from_an_expired_page_records_nothing(browsing, viewer, card, monkeypatch):
    later = time.time() + PAGE_PLAN_TTL + 60
    monkeypatch.setattr("personalization.services.events.time.time", lambda: later)

    response = open_card(browsing, card)

    assert response.status_code == 200  # the modal still opens...
    assert not Event.objects.exists()  # ...but an old token is not a click on today's page


def test_an_impression_shown_to_another_profile_is_refused(client, card):
    intruder = make_profile("Intruder")
    client.post(reverse("personalization:profile_select", args=[intruder.pk]))
    response = open_card(client, card)
    assert response.status_code == 400 and "was not shown to this profile" in response.content.decode()
    assert not Event.objects.exists()


def test_an_impression_for_another_title_is_refused(browsing, card, viewer):
    other = make_catalog(per_genre=1, genres=("Drama",))[0]
    response = browsing.post(reverse("personalization:title_open", args=[other.pk]), {"impression": card.impression})
    assert response.status_code == 400 and not Event.objects.exists()


@pytest.fixture
def api():
    """A client as a TV app is one: its requests signed with an API token."""
    user = User.objects.create_user("tv-app", password="pw-123456")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_api_records_events_for_the_profiles_own_impressions(api, viewer, card):
    url = reverse("api-events", args=[viewer.pk])

    created = api.post(
        url, {"type": "click", "title": card.title_id, "impression": card.impression}, content_type="application/json"
    )
    listed = api.post(
        url,
        {"type": "list_add", "title": card.title_id, "impression": card.impression},
        content_type="application/json",
    )

    assert created.status_code == 201 and created.json()["type"] == "click"
    assert listed.status_code == 201
    assert Engagement.objects.get(profile=viewer, title_id=card.title_id).in_my_list


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"type": "explode", "title": 1}, 400, "Unknown event type 'explode'"),
        ({"type": "click", "title": 999_999, "impression": "x"}, 400, "There is no title 999999"),
        ({"type": "click"}, 400, "title"),
        ({"type": "play", "title": "abc"}, 400, "title"),
        ({"type": "onboarding_pick", "title": 1}, 400, "Unknown event type 'onboarding_pick'"),  # the form's only
    ],
)
def test_the_api_refuses_bad_events_with_a_clear_message(api, viewer, payload, status, message):
    response = api.post(reverse("api-events", args=[viewer.pk]), payload, format="json")
    assert response.status_code == status and message in response.content.decode()
    assert not Event.objects.exists()


def test_the_api_refuses_a_click_with_someone_elses_impression(api, viewer, card):
    other = make_profile("Other")
    response = api.post(
        reverse("api-events", args=[other.pk]),
        {"type": "click", "title": card.title_id, "impression": card.impression},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "foreign_impression"
    assert not Event.objects.exists()


def test_the_api_hides_profiles_of_other_accounts(api, card):
    owner = User.objects.create_user("bo", password="pw-123456")
    private = make_profile("Private", account=Account.objects.create(name="Bo", owner=owner))
    response = api.post(
        reverse("api-events", args=[private.pk]),
        {"type": "play", "title": card.title_id},
        content_type="application/json",
    )
    assert response.status_code == 404 and not Event.objects.exists()


def test_tokens_bind_profile_and_title():
    impression_id = uuid.uuid4()
    token = impression_token(impression_id=impression_id, profile_id=1, title_id=2)
    assert token.startswith(impression_id.hex + ".")
    assert token != impression_token(impression_id=impression_id, profile_id=2, title_id=2)
    assert token != impression_token(impression_id=impression_id, profile_id=1, title_id=3)


def test_anonymous_and_form_encoded_events_are_refused(client, viewer, card):
    url = reverse("api-events", args=[viewer.pk])
    click = {"type": "click", "title": card.title_id, "impression": card.impression}

    anonymous = client.post(url, click, content_type="application/json")
    signed_in = APIClient()
    signed_in.force_authenticate(User.objects.create_user("web", password="pw-123456"))
    form = signed_in.post(url, click, format="multipart")  # what a cross-site HTML form sends

    assert anonymous.status_code == 401 and form.status_code == 415
    assert not Event.objects.exists()


def test_a_token_for_a_password_and_password_guessing_is_throttled(client):
    User.objects.create_user("tv-owner", password="the-right-one")
    url = reverse("api-token")

    good = client.post(url, {"username": "tv-owner", "password": "the-right-one"}, content_type="application/json")
    guesses = [
        client.post(
            url, {"username": "tv-owner", "password": f"guess-{n}"}, content_type="application/json"
        ).status_code
        for n in range(12)
    ]

    assert good.status_code == 200 and len(good.json()["token"]) == 40
    assert guesses[:9] == [400] * 9 and guesses[-1] == 429  # ten tries a minute, then wait
