from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from personalization.models import Account, Profile
from tests.factories import make_profile

pytestmark = pytest.mark.django_db


def select(client, profile: Profile):
    return client.post(reverse("personalization:profile_select", args=[profile.pk]))


def test_the_picker_shows_the_featured_sample_viewers_with_clearly_different_tastes(client, demo_data):
    response = client.get(reverse("personalization:picker"))
    featured = list(Profile.objects.featured())

    assert response.status_code == 200
    assert len(featured) == 4  # the tiny dataset has four taste clusters
    tops = {p.taste_summary.split(" and ")[0] for p in featured}
    assert len(tops) == 4, [p.taste_summary for p in featured]  # every one loves something different
    body = response.content.decode()
    for profile in featured:
        assert profile.name in body and profile.taste_summary in body
    assert "Browse all 8 viewers" in body


def test_featured_profiles_lead_with_their_archetype(demo_data):
    by_name = {p.name: p for p in Profile.objects.featured()}
    assert by_name["Rosa"].taste_summary.startswith("Loves Romance")
    assert by_name["Raven"].taste_summary.startswith("Loves Horror")
    assert by_name["Kiki"].taste_summary.startswith(("Loves Animation", "Loves Children"))


def test_any_sample_viewer_can_be_found_by_number_name_or_taste(client, demo_data):
    by_number = client.get(reverse("personalization:browse"), {"q": "#5"})
    assert [p.movielens_user_id for p in by_number.context["page"]] == [5]
    by_taste = client.get(reverse("personalization:browse"), {"q": "horror"})
    assert {p.movielens_user_id for p in by_taste.context["page"]} >= {5, 6}
    everyone = client.get(reverse("personalization:browse"))
    assert everyone.context["page"].paginator.count == 8


def test_browse_answers_htmx_with_just_the_grid(client, demo_data):
    response = client.get(reverse("personalization:browse"), {"q": "Rosa"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "Rosa" in body


def test_switching_profile_is_scoped_to_the_browser_session(client, django_user_model, demo_data):
    rosa, raven = Profile.objects.get(name="Rosa"), Profile.objects.get(name="Raven")
    other_browser = type(client)()

    select(client, rosa)
    select(other_browser, raven)

    assert client.get(reverse("personalization:home")).context["profile"] == rosa
    assert other_browser.get(reverse("personalization:home")).context["profile"] == raven
    select(client, raven)
    assert client.get(reverse("personalization:home")).context["profile"] == raven


def test_home_without_a_profile_goes_to_the_picker(client, demo_data):
    response = client.get(reverse("personalization:home"))
    assert response.status_code == 302 and response["Location"] == reverse("personalization:picker")


def test_a_signed_in_user_sees_the_sample_viewers_and_their_own_profiles(client, demo_data):
    user = User.objects.create_user("ana", password="pw-123456", first_name="Ana")
    client.force_login(user)

    response = client.get(reverse("personalization:picker"))

    profiles = response.context["profiles"]
    featured = list(Profile.objects.featured())
    assert profiles[: len(featured)] == featured  # the sample viewers are everyone's...
    assert [(p.name, p.account.owner) for p in profiles[len(featured) :]] == [("Ana", user)]  # ...then her own


def test_it_rejects_other_accounts_profile(client, demo_data):
    stranger = User.objects.create_user("bo", password="pw-123456")
    strangers_profile = make_profile("Bo's kid", account=Account.objects.create(name="Bo", owner=stranger))
    client.force_login(User.objects.create_user("ana", password="pw-123456"))

    assert select(client, strangers_profile).status_code == 404
    assert "profile_id" not in client.session


def test_a_visitors_own_profile_is_theirs_alone(client, demo_data):
    client.post(reverse("personalization:profile_new"), {"name": "Mine"})
    mine = Profile.objects.get(name="Mine")
    other_visitor = type(client)()

    assert select(other_visitor, mine).status_code == 404
    found = other_visitor.get(reverse("personalization:browse"), {"q": "Mine"}).context["page"].object_list
    assert list(found) == []
    assert not mine.account.is_demo and mine.account.guest_key == client.session["guest_key"]


def test_anonymous_profile_creation_is_rate_limited(client, demo_data):
    statuses = [
        client.post(reverse("personalization:profile_new"), {"name": f"Bot {n}"}).status_code for n in range(14)
    ]
    assert statuses[:5] == [302] * 5  # (five fit in a household; the form says so for the next five)
    assert statuses[-1] == 429 and Profile.objects.filter(name__startswith="Bot").count() == 5


def test_a_new_profile_is_created_selected_and_shown_on_this_browsers_picker(client, demo_data):
    response = client.post(reverse("personalization:profile_new"), {"name": "  Guest   Tester "})
    profile = Profile.objects.get(name="Guest Tester")

    assert response.status_code == 302
    assert client.session["profile_id"] == profile.pk
    assert profile in client.get(reverse("personalization:picker")).context["profiles"]
    assert profile not in type(client)().get(reverse("personalization:picker")).context["profiles"]


@pytest.mark.parametrize(("name", "message"), [("   ", "Give the profile a name."), ("x" * 41, "at most 40")])
def test_a_bad_profile_name_is_refused_and_nothing_is_created(client, demo_data, name, message):
    before = Profile.objects.count()
    response = client.post(reverse("personalization:profile_new"), {"name": name}, follow=True)
    assert message in response.content.decode()
    assert Profile.objects.count() == before


def test_an_account_holds_at_most_five_profiles(client):
    user = User.objects.create_user("ana", password="pw-123456")
    client.force_login(user)
    for i in range(6):
        client.post(reverse("personalization:profile_new"), {"name": f"Kid {i}"})
    assert Account.objects.get(owner=user).profiles.count() == 5


def test_selecting_needs_post(client, demo_data):
    response = client.get(reverse("personalization:profile_select", args=[Profile.objects.first().pk]))
    assert response.status_code == 405


def test_taste_search_finds_viewers_who_like_it_strongest_first_never_those_who_skip_it(client, demo_data):
    # Searching "Horror" used to match "skips Horror" in the summaries as well.
    viewers = list(Profile.objects.filter(account__is_demo=True))
    likes = sorted((p for p in viewers if p.genre_lift["Horror"] >= 0.25), key=lambda p: -p.genre_lift["Horror"])
    assert likes and len(likes) < len(viewers)

    for query in ("Horror", "horror", " HORROR "):
        found = list(client.get(reverse("personalization:browse"), {"q": query}).context["page"])
        assert [p.pk for p in found] == [p.pk for p in likes]
    assert {p.movielens_user_id for p in likes[:2]} == {5, 6}  # the horror cluster, first
    assert all("skips Horror" not in p.taste_summary for p in likes)
    body = client.get(reverse("personalization:browse"), {"q": "horror"}).content.decode()
    assert "who like Horror more than average" in body and "likes Horror" in body


def test_taste_search_knows_plural_and_spelled_out_genres(client, demo_data):
    def found(query: str) -> set[int]:
        return {p.pk for p in client.get(reverse("personalization:browse"), {"q": query}).context["page"]}

    assert found("Thrillers") == found("thriller") and found("thriller")
    assert found("Kids") == found("Children")


def test_sample_viewers_store_their_genre_lift(demo_data):
    rosa_like = Profile.objects.get(movielens_user_id=1)  # romance cluster
    assert rosa_like.genre_lift["Romance"] > 0.25 > rosa_like.genre_lift["Horror"]
    assert "IMAX" not in rosa_like.genre_lift


def test_staff_see_the_sample_viewers_and_browse_and_can_sign_out(client, demo_data):
    staff = User.objects.create_user("admin", password="pw-123456", is_staff=True, is_superuser=True)
    client.force_login(staff)

    picker = client.get(reverse("personalization:picker"))
    body = picker.content.decode()
    for profile in Profile.objects.featured():
        assert profile.name in body
    assert reverse("personalization:browse") in body and "Sign out" in body
    assert client.get(reverse("personalization:browse")).context["page"].paginator.count == 8

    assert client.get(reverse("personalization:signout")).status_code == 405  # signing out needs a POST
    response = client.post(reverse("personalization:signout"))
    assert response.status_code == 302 and response["Location"] == reverse("personalization:picker")
    assert "_auth_user_id" not in client.session
    assert "Sign out" not in client.get(reverse("personalization:picker")).content.decode()


def test_the_favicon_is_served(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")  # browsers ask for it whatever the page says
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")
    assert finders.find("favicon.ico") and finders.find("favicon.svg")
