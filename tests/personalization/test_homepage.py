from __future__ import annotations

import json
import warnings
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning
from django.urls import reverse
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.models import Artwork, Genre, Title
from catalog.selectors import catalog_snapshot_clear
from catalog.services import catalog_changed
from personalization.abtest import assign
from personalization.context import Context, daypart_for_hour, device_from_user_agent
from personalization.models import Impression
from personalization.page import LAZY_ROWS_PER_FETCH, PagePlan
from personalization.selectors import experiments
from personalization.selectors import serving as selectors
from personalization.services.artwork import artwork_chooser
from personalization.services.experiments import experiment_start
from personalization.services.homepage import FIRST_SCREEN_ROWS, PageExpired, homepage_build, homepage_row
from personalization.services.title_stats import title_stats_refresh
from streamflix.celery import celery_override
from streamflix.errors import NotFound
from tests.factories import make_catalog, make_profile, rate

pytestmark = pytest.mark.django_db

EVENING_DESKTOP = Context(hour=20, daypart="evening", device="desktop")


@pytest.fixture
def catalog():
    return make_catalog()


@pytest.fixture
def viewer(catalog):
    return make_profile("Tess")


def all_title_ids(page) -> list[int]:
    ids = [page.hero.title_id] if page.hero else []
    for row in page.rows:
        ids.extend(row.title_ids if hasattr(row, "title_ids") else [c.title_id for c in row.cards])
    return ids


def test_the_first_screen_is_filled_and_the_rest_is_lazy(viewer, rules_row_order):
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)

    assert page.hero is not None and page.hero.image_url
    assert len(page.rows) > FIRST_SCREEN_ROWS
    for row in page.rows[:FIRST_SCREEN_ROWS]:
        assert not row.lazy and len(row.cards) >= 8
        assert all(card.artwork_id and card.image_url for card in row.cards)
    assert all(row.lazy and not row.cards for row in page.rows[FIRST_SCREEN_ROWS:])
    assert {"popular", "new", "genre"} <= {row.kind for row in page.rows}


def test_trending_shows_what_was_watched_lately_not_all_time_hits(catalog, viewer, rules_row_order):
    by_count = sorted(catalog, key=lambda t: t.rating_count)
    late_bloomers, hits = by_count[:12], by_count[-40:]
    two_years_ago = timezone.now() - timedelta(days=730)
    for n in range(5):  # the hits were rated by more viewers, long ago
        fan = make_profile(f"Old fan {n}")
        for title in hits:
            rate(fan, title, 4.0, when=two_years_ago)
    for n in range(3):
        fan = make_profile(f"Fan {n}")
        for title in late_bloomers:
            rate(fan, title, 4.0)
    title_stats_refresh()  # what the nightly retrain does before training
    catalog_snapshot_clear()

    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)

    trending = next(row for row in page.rows if row.kind == "trending")
    lazy = homepage_row(profile=viewer, page_view_id=page.page_view_id, index=trending.index)
    shown = {c.title_id for c in (lazy.cards or trending.cards)}
    assert shown and shown <= {t.pk for t in late_bloomers}


def test_no_title_appears_twice_on_a_page(viewer):
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    lazy = [homepage_row(profile=viewer, page_view_id=page.page_view_id, index=r.index) for r in page.rows if r.lazy]
    shown = [page.hero.title_id] + [c.title_id for row in [*page.rows, *lazy] for c in row.cards]
    assert len(shown) == len(set(shown))


def test_titles_the_viewer_already_rated_are_not_suggested(catalog, viewer):
    seen = catalog[:40]
    for title in seen:
        rate(viewer, title, 4.0)
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    shown = {c.title_id for row in page.rows for c in row.cards} | {page.hero.title_id}
    assert not shown & {t.pk for t in seen}


def test_unavailable_titles_never_show(catalog, viewer):
    hidden = catalog[0]
    Title.objects.filter(pk=hidden.pk).update(is_available=False)
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    lazy = [homepage_row(profile=viewer, page_view_id=page.page_view_id, index=r.index) for r in page.rows if r.lazy]
    assert hidden.pk not in {c.title_id for row in [*page.rows, *lazy] for c in row.cards} | {page.hero.title_id}


class RecordingFactory:
    """The live chooser factory, remembering every choice it made (title id -> ArtworkChoice)."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        chooser = artwork_chooser(**kwargs)
        choose = chooser.choose

        def recording(title_ids):
            choices = choose(title_ids)
            self.calls.append(dict(zip(title_ids, choices, strict=True)))
            return choices

        chooser.choose = recording
        return chooser


def test_a_lazy_row_shows_and_logs_the_artwork_chosen_with_its_page(viewer):
    factory = RecordingFactory()
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP, chooser_factory=factory)
    assert len(factory.calls) == 1  # hero and every row, lazy ones included, in one policy call
    chosen = factory.calls[0]

    row = homepage_row(profile=viewer, page_view_id=page.page_view_id, index=FIRST_SCREEN_ROWS, chooser_factory=factory)

    assert len(factory.calls) == 1  # nothing chosen again
    assert row.cards and [c.artwork_id for c in row.cards] == [chosen[c.title_id].variant.artwork_id for c in row.cards]
    logged = Impression.objects.filter(page_view_id=page.page_view_id, row_index=FIRST_SCREEN_ROWS)
    expected = {c.title_id: chosen[c.title_id].propensity for c in row.cards}
    assert {i.title_id: i.propensity for i in logged} == pytest.approx(expected, abs=1e-6)  # logged to 6 places


def test_a_lazy_row_chooses_again_where_the_planned_artwork_was_retired(viewer):
    factory = RecordingFactory()
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP, chooser_factory=factory)
    planned = homepage_row(profile=viewer, page_view_id=page.page_view_id, index=FIRST_SCREEN_ROWS)
    retired = planned.cards[0]
    Artwork.objects.filter(pk=retired.artwork_id).update(is_active=False)
    catalog_changed()
    catalog_snapshot_clear()

    row = homepage_row(profile=viewer, page_view_id=page.page_view_id, index=FIRST_SCREEN_ROWS, chooser_factory=factory)

    assert len(factory.calls) == 2 and list(factory.calls[1]) == [retired.title_id]  # only that card again
    again = next(c for c in row.cards if c.title_id == retired.title_id)
    assert again.artwork_id != retired.artwork_id
    assert Artwork.objects.get(pk=again.artwork_id).is_active
    assert [c.artwork_id for c in row.cards[1:]] == [c.artwork_id for c in planned.cards[1:]]


def test_a_lazy_row_belongs_to_its_page_and_profile(viewer):
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    other = make_profile("Other")
    with pytest.raises(PageExpired):
        homepage_row(profile=other, page_view_id=page.page_view_id, index=FIRST_SCREEN_ROWS)
    with pytest.raises(PageExpired):
        homepage_row(profile=viewer, page_view_id="f" * 32, index=FIRST_SCREEN_ROWS)
    with pytest.raises(NotFound, match="rows 0-"):
        homepage_row(profile=viewer, page_view_id=page.page_view_id, index=99)


@pytest.fixture
def browsing(client, viewer):
    client.post(reverse("personalization:profile_select", args=[viewer.pk]))
    return client


def test_the_homepage_renders_hero_rows_and_lazy_placeholders(browsing):
    response = browsing.get(reverse("personalization:home"))
    body = response.content.decode()
    page = response.context["page"]

    assert response.status_code == 200
    assert 'class="hero"' in body and page.hero.name in body
    assert body.count('<section class="row row--') - body.count('<section class="row row--loading') == FIRST_SCREEN_ROWS
    lazy = page.rows[FIRST_SCREEN_ROWS]
    last = min(len(page.rows), FIRST_SCREEN_ROWS + LAZY_ROWS_PER_FETCH) - 1
    assert f'hx-get="{reverse("personalization:rows", args=[page.page_view_id, lazy.index, last])}"' in body
    assert 'hx-trigger="revealed"' in body
    assert body.count('class="card"') == sum(len(r.cards) for r in page.rows)


def test_the_homepage_runs_a_fixed_number_of_queries(browsing, viewer, django_assert_num_queries, monkeypatch):
    """Profile (one query that also checks whose it is), the history's version (the history itself is
    kept per process until it changes), and the outbox row that makes the page view's impressions
    durable: three, none per card or per row; plus the session's where it is not read from Redis.

    Exact, not a bound. What a process loads once (catalog snapshot, model, bandit, the running
    experiments) is loaded by the warm-up page and then re-checked every few seconds; here the checks
    are made not due, then due. The warm-up is a bandit page: a page on the uniform control never
    loads the bandit, so the next bandit page would load it (this was the flake where a page counted 6).
    """
    home = reverse("personalization:home")
    browsing.get(home)
    base = 3 if settings.SESSION_ENGINE.endswith("cached_db") else 4
    celery_override(task_always_eager=False)  # count the web request's queries, not the worker's
    checks = (catalog_selectors._snapshots, selectors._serving, selectors._published, experiments._running)
    checks += (selectors._row_model,)  # the row order's model (ROW_POLICY learned)
    for refreshed in checks:
        monkeypatch.setattr(refreshed, "check_seconds", 3600.0)
    with django_assert_num_queries(base):
        browsing.get(home)
    uniform_for_viewer = next(  # an artwork experiment whose hash puts this viewer on the uniform control
        name for name in (f"control-{n}" for n in range(100)) if assign(name, viewer.pk, HALVES) == "uniform"
    )
    experiment_start(name=uniform_for_viewer, surface="artwork", variants="uniform=0.5,bandit=0.5")
    experiments.running_experiments_forget()
    browsing.get(home)  # (loads the running experiments)
    with django_assert_num_queries(base):  # a control page: the same
        assert browsing.get(home).context["page"].hero is not None
    monkeypatch.setattr(selectors._serving, "check_seconds", 0.0)
    with django_assert_num_queries(base + 1):  # the model's version check reads the registry
        browsing.get(home)
    monkeypatch.setattr(experiments._running, "check_seconds", 0.0)
    with django_assert_num_queries(base + 2):  # ... and the running experiments' version
        browsing.get(home)


HALVES = [("uniform", 0.5), ("bandit", 0.5)]


def test_a_lazy_row_fragment_is_just_the_row(browsing):
    page = browsing.get(reverse("personalization:home")).context["page"]
    index = page.rows[FIRST_SCREEN_ROWS].index

    response = browsing.get(reverse("personalization:row", args=[page.page_view_id, index]), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and body.count('class="card"') == len(response.context["row"].cards) >= 8
    assert page.rows[FIRST_SCREEN_ROWS].label in body


def test_lazy_rows_refuse_strangers_and_expired_pages(browsing, client):
    page = browsing.get(reverse("personalization:home")).context["page"]
    url = reverse("personalization:row", args=[page.page_view_id, FIRST_SCREEN_ROWS])

    stranger = type(client)()
    assert stranger.get(url, HTTP_HX_REQUEST="true").status_code == 403  # no profile picked
    assert stranger.get(url).url == reverse("personalization:picker")  # opened as a page: pick one
    stranger.post(reverse("personalization:profile_select", args=[make_profile("Stranger").pk]))
    assert stranger.get(url).status_code == 410
    assert browsing.get(reverse("personalization:row", args=["0" * 32, 5])).status_code == 410
    assert browsing.get(reverse("personalization:row", args=[page.page_view_id, 99])).status_code == 404


@pytest.mark.parametrize("page_view_id", ["\x00", "nonsense", "A" * 32, "0" * 31 + "\n", "0" * 33])
def test_a_page_view_id_that_could_never_be_one_is_gone_without_reaching_the_cache(browsing, page_view_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # a NUL or a newline in a cache key warned on every request
        one = browsing.get(reverse("personalization:row", args=[page_view_id, 5]))
        group = browsing.get(reverse("personalization:rows", args=[page_view_id, 5, 9]))
    assert one.status_code == group.status_code == 410


def test_the_title_detail_is_a_modal_fragment_for_htmx_and_a_page_otherwise(browsing, catalog):
    title = catalog[0]
    modal = browsing.get(reverse("personalization:title_detail", args=[title.pk]), HTTP_HX_REQUEST="true")
    page = browsing.get(reverse("personalization:title_detail", args=[title.pk]))

    assert 'role="dialog"' in modal.content.decode() and "<html" not in modal.content.decode()
    assert "<html" in page.content.decode() and title.name in page.content.decode()
    Title.objects.filter(pk=title.pk).update(is_available=False)
    assert browsing.get(reverse("personalization:title_detail", args=[title.pk])).status_code == 404


def test_testers_can_override_device_and_time_of_day(browsing):
    browsing.post(reverse("personalization:context"), {"device": "tv", "daypart": "night"})
    context = browsing.get(reverse("personalization:home")).context["page"].context
    assert (context.device, context.daypart, context.overridden) == ("tv", "night", True)

    browsing.post(reverse("personalization:context"), {"device": "", "daypart": ""})
    assert not browsing.get(reverse("personalization:home")).context["page"].context.overridden


def test_a_bad_override_is_refused_and_changes_nothing(browsing):
    response = browsing.post(reverse("personalization:context"), {"device": "toaster"})
    assert response.status_code == 400 and "device must be one of" in response.content.decode()
    assert "context_device" not in browsing.session


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "mobile"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36", "mobile"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15", "tablet"),
        ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120 Safari/537.36", "tablet"),
        ("Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 Chrome/87 Safari/537.36", "tv"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36", "desktop"),
        ("", "desktop"),
    ],
)
def test_device_comes_from_the_user_agent(user_agent, device):
    assert device_from_user_agent(user_agent) == device


@pytest.mark.parametrize(
    ("hour", "daypart"),
    [(6, "morning"), (11, "morning"), (12, "afternoon"), (18, "evening"), (23, "night"), (2, "night")],
)
def test_daypart_from_the_hour(hour, daypart):
    assert daypart_for_hour(hour) == daypart


def test_a_signed_in_users_page_is_built_for_their_profile(client, catalog):
    user = User.objects.create_user("ana", password="pw-123456", first_name="Ana")
    client.force_login(user)
    profile = client.get(reverse("personalization:picker")).context["profiles"][0]
    client.post(reverse("personalization:profile_select", args=[profile.pk]))
    assert client.get(reverse("personalization:home")).context["page"].profile_id == profile.pk


@pytest.mark.parametrize(
    "written_by_another_release",
    [
        lambda plan: {key: value for key, value in plan.items() if key not in ("v", "artwork")},  # before versions
        lambda plan: {**plan, "v": plan["v"] + 1},  # a newer format
        lambda plan: {key: value for key, value in plan.items() if key != "taste"},  # a damaged one
    ],
)
def test_a_page_plan_in_another_format_asks_for_a_reload(viewer, written_by_another_release):
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    key = f"pageview:{page.page_view_id}"
    cache.set(key, written_by_another_release(cache.get(key)))  # an open tab across a deploy

    with pytest.raises(PageExpired):
        homepage_row(profile=viewer, page_view_id=page.page_view_id, index=FIRST_SCREEN_ROWS)


# What the cards carry for testers and for the look ------------------------------------------------


def test_continue_watching_cards_carry_how_far_the_viewer_got(catalog, viewer, rules_row_order):
    from personalization.models import Event
    from personalization.services.events import event_record

    started = catalog[5]
    for _ in range(2):
        event_record(profile=viewer, title=started, kind=Event.Kind.PLAY)
    page = homepage_build(profile=viewer, context=Context(hour=20, daypart="evening", device="mobile"))
    watching = next(row for row in page.rows if row.kind == "continue")
    card = next(c for c in watching.cards if c.title_id == started.pk)
    assert card.progress == pytest.approx(0.6)
    assert all(c.progress is None for row in page.rows if row.kind != "continue" for c in row.cards)


def test_top_10_cards_carry_their_rank_in_a_lazy_row_too(viewer):
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    chart = next(row for row in page.rows if row.kind == "top10")
    cards = chart.cards or homepage_row(profile=viewer, page_view_id=page.page_view_id, index=chart.index).cards
    assert [c.rank for c in cards] == list(range(1, 11))
    trending = dict(Title.objects.values_list("pk", "trending"))
    assert [trending[c.title_id] for c in cards] == sorted((trending[c.title_id] for c in cards), reverse=True)


def test_every_card_says_why_it_shows_its_artwork(viewer):
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    for card in [page.hero, *(c for row in page.rows for c in row.cards)]:
        assert card.why.lower().startswith(f"{card.theme} artwork")


def test_a_title_without_artwork_in_service_shows_its_generated_default_card(catalog, viewer, client):
    for title in catalog:
        title.artworks.update(is_active=False)
    catalog_changed()
    catalog_snapshot_clear()
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    cards = [page.hero, *(c for row in page.rows for c in row.cards)]
    assert all(c.artwork_id is None and c.why.startswith("A default card") for c in cards)
    assert page.hero.image_url == reverse("catalog:title_default_art", args=[page.hero.title_id, "hero"])
    card = page.rows[0].cards[0]
    assert card.image_url == reverse("catalog:title_default_art", args=[card.title_id, "card"])
    assert client.get(card.image_url).status_code == 200


def test_a_stored_plan_reads_back_whole_and_a_damaged_row_reads_as_expired(viewer):
    page = homepage_build(profile=viewer, context=EVENING_DESKTOP)
    key = f"pageview:{page.page_view_id}"
    stored = cache.get(key)
    plan = PagePlan.from_dict(stored)
    lazy = next(row.index for row in page.rows if row.lazy)

    assert PagePlan.from_dict(plan.to_dict()) == plan and plan.to_dict() == stored
    assert all(len(plan.artwork[i]) == len(plan.rows[i].title_ids) for i in plan.artwork)
    stored["artwork"][str(lazy)] = [["not", "a", "planned"]]  # three fields where four are stored
    cache.set(key, stored)
    with pytest.raises(PageExpired):
        homepage_row(profile=viewer, page_view_id=page.page_view_id, index=lazy)


def test_a_preview_page_logs_nothing_and_leaves_no_plan(viewer):
    from personalization.models import ImpressionOutbox

    page = homepage_build(profile=viewer, context=EVENING_DESKTOP, record=False)
    assert page.rows and page.rows[0].cards
    assert not Impression.objects.exists() and not ImpressionOutbox.objects.exists()
    homepage_build(profile=viewer, context=EVENING_DESKTOP)
    assert Impression.objects.exists() or ImpressionOutbox.objects.exists()  # (a real page logs)
    with pytest.raises(PageExpired):
        homepage_row(profile=viewer, page_view_id=page.page_view_id, index=FIRST_SCREEN_ROWS)


def test_a_lazy_row_of_another_profiles_page_says_so(browsing, viewer, client):
    page = browsing.get(reverse("personalization:home")).context["page"]
    raven = make_profile("Raven")
    browsing.post(reverse("personalization:profile_select", args=[raven.pk]))  # another tab, same session
    response = browsing.get(
        reverse("personalization:row", args=[page.page_view_id, FIRST_SCREEN_ROWS]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 410
    assert "out of date" in response.content.decode() and "watching as Raven" in response.content.decode()


def test_the_tester_bar_returns_to_auto(browsing):
    def selected(body: str, name: str) -> str:
        select = body.split(f'<select name="{name}"', 1)[1].split("</select>", 1)[0]
        return select.split(" selected>", 1)[0].rsplit("<option", 1)[1]

    browsing.post(reverse("personalization:context"), {"device": "mobile", "daypart": ""})
    body = browsing.get(reverse("personalization:home")).content.decode()
    assert 'value=""' in selected(body, "daypart") and "auto (" in body  # the other one stays auto
    assert 'value="mobile"' in selected(body, "device") and "(override)" in body

    # The form posts both selects: the daypart's auto must not become a fixed choice.
    browsing.post(reverse("personalization:context"), {"device": "", "daypart": ""})
    body = browsing.get(reverse("personalization:home")).content.decode()
    assert 'value=""' in selected(body, "device") and 'value=""' in selected(body, "daypart")
    assert "(override)" not in body
    assert "auto (desktop)" in body  # the detected device, not the last override


def test_a_thumbs_down_tells_the_page_to_take_the_title_away(browsing, viewer):
    page = browsing.get(reverse("personalization:home")).context["page"]
    card = page.rows[0].cards[1]
    url = reverse("personalization:title_action", args=[card.title_id])
    down = browsing.post(url, {"action": "thumb_down", "impression": card.impression}, HTTP_HX_REQUEST="true")
    assert down.status_code == 200
    assert json.loads(down["HX-Trigger"]) == {"streamflix:title-hidden": {"title": card.title_id}}
    up = browsing.post(url, {"action": "thumb_up", "impression": card.impression}, HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in up


def test_the_details_show_what_movielens_has_and_more_like_this(browsing, catalog):
    title = catalog[3]
    Title.objects.filter(pk=title.pk).update(aka="Le Titre Original", tags=["moody", "slow burn"])
    body = browsing.get(reverse("personalization:title_detail", args=[title.pk]), HTTP_HX_REQUEST="true")
    text = body.content.decode()
    assert "Also known as" in text and "Le Titre Original" in text
    assert "Viewers say:" in text and "slow burn" in text
    assert "average from" in text
    more = body.context["more_like_this"]
    assert len(more) == 6 and title.pk not in {c.title_id for c in more}
    genre = set(title.genres.values_list("name", flat=True))
    assert all(genre & set(c.genres) for c in more)  # without a model: titles sharing a genre
    for button in ("play", "list", "up", "down"):  # ids keep keyboard focus across the swap
        assert f'id="title-{title.pk}-{button}"' in text


def test_the_details_show_the_opened_cards_artwork_and_the_titles_genres(browsing, catalog):
    title = catalog[5]
    title.genres.add(Genre.objects.get(name="Thriller"))
    catalog_changed()
    url = reverse("personalization:title_detail", args=[title.pk])
    default, *others = Artwork.objects.filter(title=title).order_by("-is_default", "id")

    def shown(response) -> tuple[str, list[str]]:
        body = response.content.decode()
        chips = body.split('class="title-detail__genres">')[1].split("</p>")[0]
        return body, [chip.split("<")[0] for chip in chips.split('<span class="chip">')[1:]]

    body, genres = shown(browsing.get(url, {"artwork": others[1].pk}, HTTP_HX_REQUEST="true"))
    assert genres == sorted(title.genres.values_list("name", flat=True)) == ["Action", "Thriller"]
    assert f'data-theme="{others[1].theme}"' in body and others[1].hero_url in body
    # No variant asked for, one of another title, or a retired one: the editor's default.
    Artwork.objects.filter(pk=others[0].pk).update(is_active=False)
    catalog_changed()
    catalog_snapshot_clear()  # what the version check does within VERSION_CHECK_SECONDS
    for asked in ({}, {"artwork": Artwork.objects.exclude(title=title).first().pk}, {"artwork": others[0].pk}):
        body, _ = shown(browsing.get(url, asked, HTTP_HX_REQUEST="true"))
        assert f'data-theme="{default.theme}"' in body and default.hero_url in body
    # A title added since this process's catalog snapshot was built: read from the database.
    newer = Title.objects.create(name="Brand New Film", year=2024)
    newer.genres.add(Genre.objects.get(name="Comedy"))
    art = Artwork.objects.create(title=newer, theme="comedy", is_default=True)
    body, genres = shown(browsing.get(reverse("personalization:title_detail", args=[newer.pk]), HTTP_HX_REQUEST="true"))
    assert genres == ["Comedy"] and 'data-theme="comedy"' in body and art.hero_url in body


def test_compare_shows_two_viewers_first_screens_and_logs_nothing(client, catalog):
    from personalization.models import ImpressionOutbox

    a, b = make_profile("Ann", is_featured=True), make_profile("Bob", is_featured=True, featured_order=1)
    response = client.get(reverse("personalization:compare"), {"a": a.pk, "b": b.pk})
    assert response.status_code == 200
    sides = response.context["sides"]
    assert [profile for profile, _ in sides] == [a, b]
    for _, page in sides:
        shown = [page.hero, *(c for row in page.rows for c in row.cards)]
        assert sum(n for _, n, _ in page.themes_shown()) == len(shown)
    assert not Impression.objects.exists() and not ImpressionOutbox.objects.exists()
    body = response.content.decode()
    assert "Artwork themes on the first screen" in body and "Ann" in body and "Bob" in body


def test_compare_refuses_a_profile_that_is_not_the_visitors(client, catalog):
    from personalization.models import Account

    someone = Account.objects.create(name="Someone's")
    theirs = make_profile("Private", account=someone)
    response = client.get(reverse("personalization:compare"), {"a": theirs.pk})
    assert response.status_code == 302 and response["Location"] == reverse("personalization:picker")


def test_a_returning_viewers_signals_are_reused_until_their_history_changes(catalog, trained):
    """Scores, match chances and "Because you watched" cost most of a page: a returning viewer with
    an unchanged history reuses them, read-only; any new rating (or engagement) recomputes them."""
    from personalization.models import Profile
    from personalization.services.homepage import viewer_signals

    viewer = Profile.objects.filter(ratings__isnull=False).distinct().first()
    snapshot = catalog_selectors.catalog_snapshot()
    serving = selectors.serving_model()
    first = viewer_signals(viewer, snapshot, serving, ranked_by_model=True)
    again = viewer_signals(viewer, snapshot, serving, ranked_by_model=True)
    assert again[2] is first[2]
    with pytest.raises(ValueError, match="read-only"):
        first[2].signals.scores[0] = 0.0

    unseen = Title.objects.exclude(ratings__profile=viewer).order_by("pk").first()
    rate(viewer, unseen, 5.0)
    after = viewer_signals(viewer, snapshot, serving, ranked_by_model=True)
    assert after[2] is not first[2]
    position = int(snapshot.index_of([unseen.pk])[0])
    assert position in after[2].signals.seen and position not in first[2].signals.seen


def test_a_new_model_or_catalog_recomputes_a_returning_viewers_signals(catalog, trained):
    from personalization.models import Profile
    from personalization.services.homepage import viewer_signals

    viewer = Profile.objects.filter(ratings__isnull=False).distinct().first()
    snapshot = catalog_selectors.catalog_snapshot()
    serving = selectors.serving_model()
    first = viewer_signals(viewer, snapshot, serving, ranked_by_model=True)[2]
    selectors.active_model_forget()  # what a web process does when a new version is published
    reloaded = selectors.serving_model()
    assert reloaded is not serving
    assert viewer_signals(viewer, snapshot, reloaded, ranked_by_model=True)[2] is not first
    catalog_snapshot_clear()
    fresh = catalog_selectors.catalog_snapshot()
    assert viewer_signals(viewer, fresh, reloaded, ranked_by_model=True)[2].signals.scores is not None
    by_popularity = viewer_signals(viewer, fresh, reloaded, ranked_by_model=False)[2]
    assert by_popularity.signals.scores is None  # the popularity row policy: no model scores at all


def test_a_viewers_history_is_every_rating_and_engagement_newest_first(catalog):
    """The history read (plain SQL) against the ORM's reading of the same rows."""
    from personalization.history import history_from_rows
    from personalization.models import Engagement, Rating
    from personalization.selectors.viewers import viewer_history

    viewer = make_profile("Reader")
    titles = list(Title.objects.order_by("pk")[:8])
    now = timezone.now()
    for age, (title, stars) in enumerate(zip(titles[:5], [4.5, 1.0, 5.0, 3.0, 4.0], strict=True)):
        rate(viewer, title, stars, when=now - timedelta(days=age))
    Engagement.objects.create(profile=viewer, title=titles[1], thumb=-1)  # disliked: left out of everything
    Engagement.objects.create(profile=viewer, title=titles[5], in_my_list=True)
    Engagement.objects.create(profile=viewer, title=titles[6], plays=2, progress=0.4)
    Engagement.objects.create(profile=viewer, title=titles[7], thumb=1)

    history = viewer_history(viewer.pk)

    ratings = Rating.objects.filter(profile=viewer).order_by("-rated_at").values_list("title_id", "rating")
    engagements = Engagement.objects.filter(profile=viewer).order_by("-updated_at")
    expected = history_from_rows(
        list(ratings), list(engagements.values_list("title_id", "thumb", "in_my_list", "plays", "progress"))
    )
    for field, value in vars(expected).items():
        assert getattr(history, field).tolist() == value.tolist(), field
    assert history.rated.tolist() == [titles[i].pk for i in (0, 2, 3, 4)]  # newest first, the dislike left out
    assert history.stars.tolist() == [4.5, 5.0, 3.0, 4.0]
    assert history.disliked.tolist() == [titles[1].pk]
    assert history.my_list.tolist() == [titles[5].pk] and history.in_progress.tolist() == [titles[6].pk]
