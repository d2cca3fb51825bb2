"""End to end in a real headless browser (Debian's chromium, driven by Playwright).

One walk through the site as a tester makes it (issue 13), then one focused test per defect it found,
each of which failed before its fix. The browser is started once for the module; every test opens its
own context (cookies, so its own session).
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime

import pytest

from catalog.models import Artwork, FrameCandidate, Genre, Title
from catalog.services import catalog_changed
from personalization.models import Event
from personalization.services.events import event_record
from personalization.services.homepage import FIRST_SCREEN_ROWS
from streamflix.chromium import CHROMIUM, launch
from tests.conftest import REQUIRE_SERVICES, seed_quietly, wait_until
from tests.factories import (
    make_catalog,
    make_profile,
    make_title,
    rate,
    write_clustered_movielens,
    write_movielens,
)
from tests.frame_media import write_test_video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
}


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = launch(playwright)
            yield browser
            browser.close()


@pytest.fixture
def browser(chromium):
    yield chromium
    for context in chromium.contexts:
        _wait_for_quiet(context)
        context.close()
    _IN_FLIGHT.clear()
    from django.db import connections

    connections.close_all()  # the ones opened while Playwright's loop ran


# Requests each browser context has sent and not seen answered. A test that ends while the page still
# loads images would otherwise leave the live server drawing cards (and writing their rows) while the
# test database is emptied: the TRUNCATE and the drawing request deadlocked once on a busy CI machine.
_IN_FLIGHT: dict[object, set] = {}


def new_page(browser, **options):
    """A page in a fresh context (its own session). Waits (each for the condition asserted next) allow a
    minute: CI machines get busy."""
    context = browser.new_context(**options)
    in_flight = _IN_FLIGHT.setdefault(context, set())
    context.on("request", lambda request: in_flight.add(request))
    context.on("requestfinished", lambda request: in_flight.discard(request))
    context.on("requestfailed", lambda request: in_flight.discard(request))
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def _wait_for_quiet(context, *, quiet_s: float = 0.5, timeout_s: float = 30.0) -> None:
    """Until the context's pages have had no request in flight for `quiet_s` (at most `timeout_s`: a
    page that keeps polling never goes quiet)."""
    in_flight = _IN_FLIGHT.get(context)
    pages = [page for page in context.pages if not page.is_closed()]
    if in_flight is None or not pages:
        return
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        pages[0].wait_for_timeout(100)  # Playwright delivers the request events while it waits
        if in_flight:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return


def watch(page) -> list[str]:
    """Console errors, uncaught exceptions and failed requests (4xx/5xx, network errors) of a page."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return problems


def pick(page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/profiles/")
    page.get_by_role("button", name=name).first.click()
    page.wait_for_selector(".hero")


SCROLL_TO_LOADING = """() => {
    const row = document.querySelector("section.row--loading");
    if (row) row.scrollIntoView({block: "center"});
    return Boolean(row);
}"""


def fill_every_lazy_row(page) -> None:
    """Scroll to each row still loading, in page order, until none is left."""
    for _ in range(60):
        if not page.evaluate(SCROLL_TO_LOADING):
            return
        page.wait_for_timeout(150)
    pytest.fail(f"{page.locator('section.row--loading').count()} rows never loaded")


def test_a_tester_walks_through_the_site_on_desktop_and_phone(browser, live_server):
    make_catalog()
    make_profile("Tess", is_featured=True, taste_summary="Loves Sci-Fi and Horror")
    make_profile("Raven", is_featured=True, featured_order=1, taste_summary="Loves Horror")
    page = new_page(browser, **DESKTOP)
    problems = watch(page)
    row_requests: list[str] = []
    page.on("request", lambda request: row_requests.append(request.url) if "/rows/" in request.url else None)

    # Pick a viewer: a billboard and the first rows, every card's artwork drawn.
    pick(page, live_server.url, "Tess")
    assert page.locator("section.row:not(.row--loading)").count() == FIRST_SCREEN_ROWS
    first = page.locator("section.row .card").first
    first.scroll_into_view_if_needed()  # below the onboarding panel: a new viewer has no history
    first.locator("img").evaluate("img => img.decode()")
    assert first.locator("img").evaluate("img => img.naturalWidth") == 480

    # Open a card by keyboard: the details say why this row and why this artwork.
    card = page.locator("section.row").first.locator(".card").nth(1)
    title_id = card.get_attribute("data-title")
    card.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    why = dialog.locator("[data-why-box]")
    assert why.is_visible() and "artwork" in why.inner_text()

    # Play, then My List, by keyboard: each answer keeps the focus on the button pressed.
    for button, said in (("play", "Enjoy the show"), ("list", "Added to My List")):
        dialog.locator(f"#title-{title_id}-{button}").focus()
        page.keyboard.press("Enter")
        dialog.get_by_text(said).wait_for()
        assert page.evaluate("document.activeElement.id") == f"title-{title_id}-{button}"

    # Thumbs down: the card leaves the page at once, and closing returns focus to its neighbour.
    dialog.locator(f"#title-{title_id}-down").click()
    dialog.get_by_text("Got it").wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.locator(f'.row .card[data-title="{title_id}"]').count() == 0
    assert page.evaluate("document.activeElement.classList.contains('card')")

    # Scroll to the end: every lazy row fills in, with no failed request and no console error.
    asked, groups, waiting = len(row_requests), page.locator("div.row-group").count(), page.locator(".row--loading")
    rows_waiting = waiting.count()
    fill_every_lazy_row(page)
    assert page.locator("section.row--expired").count() == 0
    assert page.locator("section.row .card").count() > 8 * FIRST_SCREEN_ROWS
    assert problems == []
    # One request per group of placeholders, not one per row.
    assert len(row_requests) - asked == groups and rows_waiting > groups > 0

    # Switch viewer in another tab: this tab's rows still to load say they are out of date.
    page.goto(f"{live_server.url}/")  # a new page view, its lazy rows not loaded yet
    problems.clear()  # (leaving the page aborts images still loading)
    page.wait_for_selector(".hero")
    other_tab = page.context.new_page()
    pick(other_tab, live_server.url, "Raven")
    page.bring_to_front()
    page.evaluate(SCROLL_TO_LOADING)
    # One row says why (no grey skeleton waits forever, no row repeats the message).
    page.wait_for_function(
        "!document.querySelector('.row--loading') && document.querySelectorAll('.row--expired').length === 1"
    )
    stale = page.locator("section.row--expired")
    assert "out of date" in stale.inner_text() and "Raven" in stale.inner_text()
    unexpected = [p for p in problems if not re.match(r"(410: .*/rows/|console: Failed to load resource.*410)", p)]
    assert unexpected == [], problems

    # The phone: rows scroll inside the page, the tester bar starts folded, the modal covers it.
    phone = new_page(browser, **PHONE)
    phone_problems = watch(phone)
    pick(phone, live_server.url, "Tess")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    bar = phone.locator(".tester-bar")
    assert "mobile" in bar.inner_text() and not bar.locator("select").first.is_visible()
    assert bar.bounding_box()["height"] < 60
    phone.locator("section.row .card").first.click()
    phone.get_by_role("dialog").wait_for()
    assert not bar.is_visible()
    assert phone_problems == []


PRESS_PLAY_AS_SOON_AS_THE_MODAL_IS_IN = """() => document.addEventListener("htmx:afterSwap", (event) => {
    const play = event.detail.target.querySelector("button[value=play]");
    if (play) setTimeout(() => play.click(), 0);  // the next task: before any settle delay has run out
}, {once: true})"""


def test_a_button_pressed_the_moment_the_modal_appears_answers_in_the_modal(browser, live_server):
    """Issue 15's flake: with htmx's settle delay, the modal's form was on screen but not yet wired,
    and a quick Enter (a busy machine made it quick) posted it natively, leaving the page."""
    make_catalog()
    make_profile("Swift", is_featured=True)
    page = new_page(browser, **DESKTOP)
    problems = watch(page)
    pick(page, live_server.url, "Swift")
    home = page.url
    page.evaluate(PRESS_PLAY_AS_SOON_AS_THE_MODAL_IS_IN)

    page.locator("section.row .card").first.click()

    page.get_by_role("dialog").get_by_text("Enjoy the show").wait_for()
    assert page.url == home
    assert problems == []


def test_the_tester_bar_returns_to_auto_folds_away_and_stays_below_the_modal(browser, live_server):
    make_catalog()
    make_profile("Pocket", is_featured=True)
    page = new_page(browser, **DESKTOP)
    pick(page, live_server.url, "Pocket")
    bar = page.locator(".tester-bar")

    with page.expect_navigation():
        bar.locator("select[name=device]").select_option("mobile")
    assert "(override)" in bar.inner_text() and "mobile" in bar.inner_text()
    daypart = bar.locator("select[name=daypart]")
    assert daypart.input_value() == "" and daypart.locator("option:checked").inner_text().startswith("auto (")

    with page.expect_navigation():
        bar.locator("select[name=device]").select_option("")
    assert "(override)" not in bar.inner_text()
    assert bar.locator("select[name=device] option:checked").inner_text() == "auto (desktop)"
    assert daypart.input_value() == ""

    bar.locator("[data-tester-toggle]").click()  # folds away, and stays folded on the next page
    assert not daypart.is_visible()
    page.reload()
    assert not page.locator(".tester-bar select[name=daypart]").is_visible()

    page.locator("section.row .card").first.click()
    page.get_by_role("dialog").wait_for()
    assert not page.locator(".tester-bar").is_visible()


def test_taste_search_lists_the_genres_fans_strongest_first(browser, live_server, tmp_path):
    seed_quietly(write_movielens(tmp_path / "ml"))
    page = new_page(browser, **DESKTOP)
    page.goto(f"{live_server.url}/profiles/all/")
    page.get_by_role("searchbox").fill("Horror")
    count = page.locator(".browse__count")
    page.wait_for_function("document.querySelector('.browse__count').textContent.includes('who like Horror')")
    rows = page.locator(".profile-row")
    assert rows.count() >= 2 and re.match(r"\d+ viewers? who like Horror", count.inner_text())
    lifts = [float(t) for t in re.findall(r"likes Horror ([\d.]+)×", page.locator("#profile-grid").inner_text())]
    assert len(lifts) == rows.count() and lifts == sorted(lifts, reverse=True)
    assert "skips Horror" not in page.locator("#profile-grid").inner_text()


def afternoon_here(settings) -> None:
    """Make it mid-afternoon where the site is (the page's daypart comes from the site's clock)."""
    offset = (14 - datetime.now(UTC).hour + 12) % 24 - 12  # hours east of UTC, -12..11
    settings.TIME_ZONE = f"Etc/GMT{-offset:+d}" if offset else "UTC"  # (Etc/GMT-2 is UTC+2)


def test_a_viewers_two_favourite_genres_are_on_the_first_screen_in_the_afternoon(
    browser, live_server, settings, rules_row_order
):
    titles = make_catalog()
    fan = make_profile("Rosa", is_featured=True)
    romance = [t for t in titles if t.name.startswith("Romance")]
    comedy = [t for t in titles if t.name.startswith("Comedy")]
    for title in romance[:20]:
        rate(fan, title, 5.0)
    for title in comedy[:4]:
        rate(fan, title, 4.5)
    for title in titles[::9]:
        if title not in romance and title not in comedy:
            rate(fan, title, 2.0)
    # Her own rows (Continue Watching, My List) come first; the favourites used to fall below the screen.
    for title, kind in ((titles[1], Event.Kind.PLAY), (titles[40], Event.Kind.PLAY), (titles[70], Event.Kind.LIST_ADD)):
        event_record(profile=fan, title=title, kind=kind)
    afternoon_here(settings)
    page = new_page(browser, **DESKTOP)
    pick(page, live_server.url, "Rosa")
    assert "afternoon · desktop" in page.locator(".tester-bar").inner_text()

    first_screen = page.locator("section.row:not(.row--loading) .row__title").all_inner_texts()
    assert len(first_screen) == FIRST_SCREEN_ROWS
    assert "Romance Movies" in first_screen and "Comedy Movies" in first_screen, first_screen


def test_a_title_whose_artwork_is_all_retired_shows_a_default_card_and_header(browser, live_server, rules_row_order):
    titles = make_catalog()
    popular = sorted(titles, key=lambda t: -t.rating_count)[:6]
    for title in popular:
        title.artworks.update(is_active=False)
    catalog_changed()
    make_profile("Tess", is_featured=True)
    page = new_page(browser, **DESKTOP)
    pick(page, live_server.url, "Tess")

    hero = page.locator(".hero__image")
    hero.evaluate("img => img.decode()")
    assert hero.evaluate("img => img.naturalWidth") == 1280
    retired = page.locator(", ".join(f'.row .card[data-title="{t.pk}"]' for t in popular)).first
    retired.scroll_into_view_if_needed()
    retired.locator("img").evaluate("img => img.decode()")
    assert retired.locator("img").evaluate("img => img.naturalWidth") == 480
    retired.click()
    header = page.get_by_role("dialog").locator(".title-detail__art img")
    header.evaluate("img => img.decode()")
    assert header.evaluate("img => img.naturalWidth") == 1280


def test_the_caption_does_not_repeat_the_painted_title_and_the_top_bar_turns_solid(browser, live_server):
    """(And the rows' arrows, shown on hover.)"""
    make_catalog()
    make_profile("Tess", is_featured=True)
    page = new_page(browser, **DESKTOP)
    pick(page, live_server.url, "Tess")

    card = page.locator("section.row").nth(1).locator(".card").nth(2)
    card.scroll_into_view_if_needed()
    name = card.get_attribute("aria-label").split(" (")[0]
    card.hover()
    caption = card.locator(".card__info")
    page.wait_for_function("el => getComputedStyle(el).opacity === '1'", arg=caption.element_handle())
    assert name not in caption.inner_text() and "artwork" in caption.inner_text()
    box, frame = caption.bounding_box(), card.bounding_box()
    assert box["y"] + box["height"] / 2 < frame["y"] + frame["height"] / 2  # away from the title, painted low

    # Row arrows on hover, the one pointing back hidden at the start; they scroll the row.
    viewport = page.locator("section.row").nth(1).locator(".row__viewport")
    viewport.hover()
    arrows = [viewport.locator(f".row__arrow--{side}") for side in ("prev", "next")]
    page.wait_for_timeout(300)
    assert [a.evaluate("el => getComputedStyle(el).opacity") for a in arrows] == ["0", "1"]
    arrows[1].click()
    page.wait_for_function("el => el.scrollLeft > 100", arg=viewport.locator(".row__track").element_handle())

    topbar = page.locator(".topbar")
    page.mouse.wheel(0, 600)
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.topbar')).backgroundColor !== 'rgba(0, 0, 0, 0)'", timeout=5_000
    )
    alpha = topbar.evaluate("el => getComputedStyle(el).backgroundColor")
    assert re.fullmatch(r"rgba?\(20, 20, 20(, 0\.9\d+)?\)", alpha), alpha


def test_staff_reach_the_sample_viewers_and_can_sign_out(browser, live_server, django_user_model):
    make_catalog()
    make_profile("Rosa", is_featured=True)
    django_user_model.objects.create_superuser("admin", password="pw-admin-123")
    page = new_page(browser, **DESKTOP)
    page.goto(f"{live_server.url}/admin/login/?next=/profiles/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin-123")
    with page.expect_navigation():
        page.click("input[type=submit]")

    assert page.get_by_role("button", name="Rosa").is_visible()
    page.get_by_role("link", name=re.compile("Browse all")).click()
    assert page.get_by_role("button", name=re.compile("Rosa")).is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/profiles/") and page.get_by_role("button", name="Sign out").count() == 0
    pick(page, live_server.url, "Rosa")  # still everyone's


def test_a_new_viewer_gets_wide_onboarding_tiles_and_no_imax_row(browser, live_server):
    titles = make_catalog()
    imax = Genre.objects.create(name="IMAX", slug="imax")  # a screen format titles of every genre share
    imax.titles.set([t for t in titles if int(t.name.rsplit(" ", 1)[1]) >= 20])
    catalog_changed()
    page = new_page(browser, **DESKTOP)
    page.goto(f"{live_server.url}/profiles/")
    page.fill("#new-profile-name", "Newbie")
    with page.expect_navigation():
        page.get_by_role("button", name="Add profile").click()

    assert "Made for IMAX" not in page.locator(".rows").inner_text()
    tiles = page.locator(".onboarding__pick img")
    assert tiles.count() >= 6
    for box in (tile.bounding_box() for tile in tiles.all()[:6]):
        assert box["width"] / box["height"] == pytest.approx(16 / 9, rel=0.03)  # not cropped to portrait


def test_onboarding_picks_make_because_you_liked_rows(browser, live_server, tmp_path, rules_row_order):
    from personalization.services.training import model_retrain

    seed_quietly(write_clustered_movielens(tmp_path / "ml"))
    assert model_retrain(trigger="test").status == "active"
    page = new_page(browser, **DESKTOP)
    page.goto(f"{live_server.url}/profiles/")
    page.fill("#new-profile-name", "Newbie")
    with page.expect_navigation():
        page.get_by_role("button", name="Add profile").click()

    for kind in ("Romance", "Action", "Animation"):  # three tastes: each "because" row differs from Top Picks
        page.locator(".onboarding__pick", has_text=f"{kind} Story").first.locator("input").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show my picks").click()
    labels = " | ".join(page.locator(".row__title").all_inner_texts())
    assert "Because you liked" in labels and "Because you watched" not in labels, labels


def test_titles_show_as_people_say_them_with_the_other_title_in_the_details(browser, live_server, tmp_path):
    amelie = '4973,"Amelie (Fabuleux destin d\'Amélie Poulain, Le) (2001)",Comedy|Romance'
    seed_quietly(write_movielens(tmp_path / "ml", extra_rows={"movies.csv": [amelie]}))
    page = new_page(browser, **DESKTOP)
    page.goto(f"{live_server.url}/title/{Title.objects.get(movielens_id=4973).pk}/")
    assert page.get_by_role("heading", name="Amelie", exact=True).is_visible()
    assert page.get_by_text("Also known as").is_visible()
    assert page.get_by_text("Le Fabuleux destin d'Amélie Poulain").is_visible()
    assert page.title().startswith("Amelie ·")


def test_reduced_motion_keeps_cards_still(browser, live_server):
    make_catalog()
    make_profile("Tess", is_featured=True)
    page = new_page(browser, reduced_motion="reduce", **DESKTOP)
    pick(page, live_server.url, "Tess")
    card = page.locator("section.row").nth(1).locator(".card").first
    card.hover()
    assert card.evaluate("el => getComputedStyle(el).transform") == "none"
    assert page.locator(".row__track").first.evaluate("el => getComputedStyle(el).scrollBehavior") == "auto"


# Seen reports (issue 11): only cards that were on screen count as impressions ---------------------

VISIBLE_CARDS = """() => {
    // Impression tokens of the cards at least half inside the window and their row's visible track.
    const seen = [];
    const clip = (r, c) => ({left: Math.max(r.left, c.left), right: Math.min(r.right, c.right),
                             top: Math.max(r.top, c.top), bottom: Math.min(r.bottom, c.bottom)});
    const area = r => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
    const screen = {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight};
    document.querySelectorAll(".hero[data-impression], .card[data-impression]").forEach(el => {
        const box = el.getBoundingClientRect();
        const track = el.closest(".row__track");
        let shown = clip(box, screen);
        if (track) shown = clip(shown, track.getBoundingClientRect());
        if (area(box) && area(shown) / area(box) >= 0.5) seen.push(el.dataset.impression);
    });
    return seen;
}"""


def seen_tokens_in_db() -> set[str]:
    from personalization.models import Impression

    return {i.hex for i in Impression.objects.filter(seen_at__isnull=False).values_list("id", flat=True)}


def token_ids(tokens) -> set[str]:
    return {token.split(".")[0] for token in tokens}


def test_cards_count_as_seen_only_once_half_on_screen_for_a_second(browser, live_server):
    from personalization.models import Impression

    titles = make_catalog()
    viewer = make_profile("Vera", is_featured=True)
    for title in titles[:5]:  # a history: no onboarding panel above the rows
        rate(viewer, title, 5.0)
    page = new_page(browser, **DESKTOP)
    problems = watch(page)
    pick(page, live_server.url, "Vera")
    page.wait_for_timeout(300)
    on_screen = token_ids(page.evaluate(VISIBLE_CARDS))
    served = {i.hex for i in Impression.objects.values_list("id", flat=True)}
    assert on_screen and on_screen < served  # some cards are off screen: below the fold, past a row's edge

    # Reported within a few seconds (a second on screen, then the batch), and only those.
    wait_until(lambda: seen_tokens_in_db() == on_screen, timeout=30, message="the first screen's seen report")
    page.wait_for_timeout(1500)
    assert seen_tokens_in_db() == on_screen
    assert Impression.objects.filter(seen_at__isnull=True).count() == len(served) - len(on_screen)

    # A row flashed past for a tenth of a second is not seen; one the viewer stops at is.
    rows = page.locator("section.row:not(.row--loading)")
    last = rows.nth(rows.count() - 1)
    flashed = token_ids(
        last.locator(".card[data-impression]").evaluate_all("els => els.map(e => e.dataset.impression)")
    )
    assert not flashed & on_screen
    page.evaluate(
        """async () => {
            const row = [...document.querySelectorAll("section.row:not(.row--loading)")].pop();
            const top = window.scrollY;
            row.scrollIntoView({block: "center"});
            await new Promise(resolve => setTimeout(resolve, 100));
            window.scrollTo(0, top);
        }"""
    )
    page.wait_for_timeout(6000)  # past the batch interval: anything seen would have been reported
    assert not seen_tokens_in_db() & flashed

    last.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    now_visible = token_ids(page.evaluate(VISIBLE_CARDS))
    assert now_visible & flashed
    wait_until(lambda: now_visible <= seen_tokens_in_db(), timeout=30, message="the scrolled-to row's report")

    # Scrolling a row sideways shows the next cards, which then count too.
    track = last.locator(".row__track")
    hidden_before = flashed - seen_tokens_in_db()
    assert hidden_before  # the row has cards past its right edge
    track.evaluate("el => el.scrollBy({left: el.clientWidth, behavior: 'instant'})")
    page.wait_for_timeout(300)
    revealed = token_ids(page.evaluate(VISIBLE_CARDS)) & hidden_before
    assert revealed
    wait_until(lambda: revealed <= seen_tokens_in_db(), timeout=30, message="the sideways scroll's report")
    # Leaving the page sends what is pending (sendBeacon on pagehide); cards never on screen stay unseen.
    never = served - seen_tokens_in_db() - token_ids(page.evaluate(VISIBLE_CARDS))
    page.goto(f"{live_server.url}/profiles/")
    assert never and not (never & seen_tokens_in_db())
    assert not [p for p in problems if "/seen/" in p], problems


@pytest.mark.services
def test_an_admin_finds_artwork_in_a_video_and_approves_two_frames(
    browser, live_server, celery_worker, django_user_model, tmp_path
):
    """Issue 14 as an admin meets it: upload on the title, the page answers at once, a real worker
    scores the video while the row shows its progress, the contact sheet appears by itself, two frames
    are approved (one under another theme) and become exploring artwork."""
    title = make_title("Frame Test", genres=["Romance", "Drama"], themes=("romance", "drama", "ensemble cast"))
    django_user_model.objects.create_superuser("admin", password="pw-admin-123")
    video = write_test_video(tmp_path / "trailer.mp4")
    page = new_page(browser, **DESKTOP)
    problems = watch(page)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/catalog/title/{title.pk}/frames/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin-123")
    with page.expect_navigation():
        page.click("input[type=submit]")

    page.set_input_files("#frame-upload input[type=file]", str(video))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and score").click()
    assert page.locator("#frame-jobs tbody tr").count() == 1  # the upload is listed at once ...
    sheet = page.locator(".contact-sheet figure")
    sheet.first.wait_for()  # ... and the sheet appears without a reload by hand once the worker is done
    assert "frames scored" in page.locator("#frame-jobs").inner_text()
    assert sheet.count() == FrameCandidate.objects.filter(job__title=title).count() >= 4
    assert all(img.evaluate("i => i.complete && i.naturalWidth > 0") for img in sheet.locator("img").all())

    first, second = sheet.nth(0), sheet.nth(1)
    first.get_by_role("checkbox").check()
    second.get_by_role("checkbox").check()
    second.locator("select").select_option("ensemble cast")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve selected as artwork").click()

    assert page.get_by_text("approved as").count() == 2
    made = Artwork.objects.filter(title=title, frame_candidate__isnull=False)
    assert sorted(made.values_list("theme", flat=True)) == sorted(
        [FrameCandidate.objects.get(job__title=title, rank=1).suggested_theme, "ensemble cast"]
    )
    assert not problems, problems
