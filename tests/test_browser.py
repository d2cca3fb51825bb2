"""End to end in a real headless browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import os

import pytest

from personalization.services.homepage import FIRST_SCREEN_ROWS
from streamflix.chromium import CHROMIUM, launch
from tests.conftest import REQUIRE_SERVICES
from tests.factories import make_catalog, make_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    if not os.path.exists(CHROMIUM):
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
        from django.db import connections

        connections.close_all()


def new_page(browser, **kwargs):
    """A page whose waits (each for the condition asserted next) allow a minute: CI machines get busy."""
    page = browser.new_page(**kwargs)
    page.set_default_timeout(60_000)
    return page


def test_pick_a_profile_scroll_to_a_lazy_row_and_open_a_title(browser, live_server, tmp_path):
    make_catalog()
    make_profile("Tess", is_featured=True, taste_summary="Loves Sci-Fi and Horror")
    page = new_page(browser, viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Tess").click()

    # The homepage: a hero and the first rows, every card showing its drawn artwork.
    page.wait_for_selector(".hero")
    rows = page.locator("section.row:not(.row--loading)")
    assert rows.count() == FIRST_SCREEN_ROWS
    first_card = rows.first.locator(".card").first
    first_card.scroll_into_view_if_needed()  # below the onboarding panel: a new viewer has no history
    first_card.locator("img").evaluate("img => img.decode()")
    assert first_card.locator("img").evaluate("img => img.naturalWidth") == 480
    page.screenshot(path=tmp_path / "home.png")

    # Scrolling down loads a lazy row through htmx.
    lazy = page.locator("section.row--loading").first
    label = lazy.locator(".row__title").inner_text()
    lazy.scroll_into_view_if_needed()
    loaded = page.locator("section.row:not(.row--loading)", has=page.get_by_role("heading", name=label, exact=True))
    loaded.locator(".card").first.wait_for()
    assert loaded.locator(".card").count() >= 8

    # Clicking a card opens the title's detail modal; Escape closes it and focus returns.
    card = loaded.locator(".card").first
    name = card.locator(".card__name").inner_text()
    card.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.get_by_role("heading", name=name).is_visible()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.evaluate("document.activeElement.classList.contains('card')")
    assert errors == []


def test_the_rows_work_by_keyboard_and_on_a_phone(browser, live_server):
    make_catalog()
    make_profile("Pocket", is_featured=True)
    page = new_page(
        browser,
        viewport={"width": 390, "height": 844},
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    )
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Pocket").click()
    page.wait_for_selector(".hero")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # rows scroll inside, not the page
    assert "mobile" in page.locator(".tester-bar").inner_text()

    first = page.locator("section.row .card").first
    first.focus()
    page.keyboard.press("ArrowRight")
    second_title = page.locator("section.row").first.locator(".card").nth(1).get_attribute("data-title")
    assert page.evaluate("document.activeElement.dataset.title") == second_title
    page.keyboard.press("Enter")
    page.get_by_role("dialog").wait_for()
