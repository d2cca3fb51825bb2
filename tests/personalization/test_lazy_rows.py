"""Several lazy rows fetched at once (`homepage_rows`: what the site's page asks for as the viewer
scrolls, and the simulator's viewer): the same rows and impressions as `homepage_row` one at a time,
logged once, as one batch."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from personalization.context import Context
from personalization.models import Impression
from personalization.page import FIRST_SCREEN_ROWS, LAZY_ROWS_PER_FETCH, Page, Row
from personalization.services import homepage
from personalization.services.homepage import LAZY_ROWS_AT_ONCE, homepage_build, homepage_row, homepage_rows
from streamflix.errors import Gone, InvalidInput, NotFound
from tests.factories import make_catalog, make_profile

pytestmark = pytest.mark.django_db

EVENING_DESKTOP = Context(hour=20, daypart="evening", device="desktop")


@pytest.fixture
def viewer():
    make_catalog()
    return make_profile("Ana")


@pytest.fixture
def page(viewer):
    return homepage_build(profile=viewer, context=EVENING_DESKTOP)


@pytest.fixture
def batches(monkeypatch):
    """The impression batches the rows are logged in: the cards of each."""
    logged = []
    log = homepage.impressions_log_page

    def spy(plan, shown):
        if shown:  # (an empty one logs nothing)
            logged.append([card.impression_id for card in shown])
        log(plan, shown)

    monkeypatch.setattr(homepage, "impressions_log_page", spy)
    return logged


def cards_of(row):
    """A row's cards without the tokens' issue time (a second may pass between two fetches)."""
    return [(c.title_id, c.artwork_id, c.theme, c.position, uuid.UUID(c.impression.split(".")[0])) for c in row.cards]


def test_rows_fetched_together_are_the_rows_fetched_one_at_a_time_and_logged_once(viewer, page, batches):
    lazy = [row.index for row in page.rows if row.lazy][:4]
    assert len(lazy) == 4

    together = homepage_rows(profile=viewer, page_view_id=page.page_view_id, indexes=lazy)
    stored = {i.id: (i.title_id, i.artwork_id, i.row_index, i.position) for i in Impression.objects.filter(
        page_view_id=uuid.UUID(page.page_view_id), row_index__in=lazy)}  # fmt: skip
    one_at_a_time = [homepage_row(profile=viewer, page_view_id=page.page_view_id, index=i) for i in lazy]

    assert [(r.key, r.index, cards_of(r)) for r in together] == [(r.key, r.index, cards_of(r)) for r in one_at_a_time]
    shown = [(t, a, row.index, p, i) for row in together for t, a, _, p, i in cards_of(row)]
    assert stored == {i: (t, a, r, p) for t, a, r, p, i in shown}
    assert len(batches) == 1 and batches[0] == [i for *_, i in shown]  # one batch; fetched again: not logged
    assert Impression.objects.filter(page_view_id=uuid.UUID(page.page_view_id), row_index__in=lazy).count() == len(
        shown
    )


def test_a_row_fetched_before_is_not_logged_again_with_the_next_ones(viewer, page, batches):
    first, second, third = [row.index for row in page.rows if row.lazy][:3]
    homepage_row(profile=viewer, page_view_id=page.page_view_id, index=first)

    rows = homepage_rows(profile=viewer, page_view_id=page.page_view_id, indexes=[first, second, third])

    assert [row.index for row in rows] == [first, second, third]
    assert batches[1] == [i for row in rows[1:] for *_, i in cards_of(row)]


@pytest.mark.parametrize("count", [0, LAZY_ROWS_AT_ONCE + 1])
def test_asking_for_no_rows_or_too_many_is_refused(viewer, page, batches, count):
    with pytest.raises(InvalidInput, match="rows at once"):
        homepage_rows(profile=viewer, page_view_id=page.page_view_id, indexes=[len(page.rows) - 1] * count)
    assert not batches


def test_one_row_the_page_does_not_have_refuses_them_all(viewer, page, batches):
    lazy = [row.index for row in page.rows if row.lazy][:2]
    with pytest.raises(NotFound):
        homepage_rows(profile=viewer, page_view_id=page.page_view_id, indexes=[*lazy, 99])
    assert not batches


def test_another_profiles_page_gives_no_rows(page, batches):
    stranger = make_profile("Stranger")
    lazy = [row.index for row in page.rows if row.lazy][:2]
    with pytest.raises(Gone):
        homepage_rows(profile=stranger, page_view_id=page.page_view_id, indexes=lazy)
    assert not batches


# The site's lazy rows: the page's placeholders ask for LAZY_ROWS_PER_FETCH rows a request.


@pytest.fixture
def browsing(client, viewer):
    client.post(reverse("personalization:profile_select", args=[viewer.pk]))
    return client


def lazy_urls(body: str) -> list[str]:
    return re.findall(r'hx-get="(/rows/[0-9a-f]{32}/[0-9-]+/)" hx-trigger="revealed"', body)


def test_the_pages_placeholders_ask_for_every_lazy_row_once_a_few_at_a_time(browsing):
    response = browsing.get(reverse("personalization:home"))
    page = response.context["page"]
    lazy = [row.index for row in page.rows if row.lazy]
    assert len(lazy) > LAZY_ROWS_PER_FETCH  # (so that the page needs more than one request)

    urls = lazy_urls(response.content.decode())
    groups = [
        list(range(int(a), int(b) + 1)) for a, b in (url.rstrip("/").rsplit("/", 1)[1].split("-") for url in urls)
    ]

    assert [i for group in groups for i in group] == lazy
    assert (
        all(len(group) == LAZY_ROWS_PER_FETCH for group in groups[:-1]) and 0 < len(groups[-1]) <= LAZY_ROWS_PER_FETCH
    )
    assert all(f'id="row-{i}" aria-busy="true"' in response.content.decode() for i in lazy)  # a skeleton each


def test_a_group_of_lazy_rows_is_those_rows_logged_once_however_often_it_is_fetched(browsing, viewer):
    response = browsing.get(reverse("personalization:home"))
    page = response.context["page"]
    url = lazy_urls(response.content.decode())[0]
    indexes = [row.index for row in page.rows if row.lazy][:LAZY_ROWS_PER_FETCH]

    fetched = browsing.get(url, HTTP_HX_REQUEST="true")
    body = fetched.content.decode()
    stored = Impression.objects.filter(page_view_id=uuid.UUID(page.page_view_id), row_index__in=indexes)
    count = stored.count()
    again = browsing.get(url, HTTP_HX_REQUEST="true")

    assert fetched.status_code == 200 and "<html" not in body
    assert [row.index for row in fetched.context["rows"]] == indexes
    assert re.findall(r'<section class="row row--\w+" id="row-(\d+)"', body) == [str(i) for i in indexes]
    assert count == body.count('class="card"') == sum(len(row.cards) for row in fetched.context["rows"]) > 0
    alone = homepage_row(profile=viewer, page_view_id=page.page_view_id, index=indexes[1])
    assert cards_of(alone) == cards_of(fetched.context["rows"][1])  # what the row's own endpoint shows
    assert again.status_code == 200
    assert [cards_of(row) for row in again.context["rows"]] == [cards_of(row) for row in fetched.context["rows"]]
    assert stored.count() == count  # a reload (or the single-row endpoint) logs nothing new


def test_a_bad_group_is_refused_with_a_reason_and_logs_nothing(browsing, client):
    page = browsing.get(reverse("personalization:home")).context["page"]
    first = FIRST_SCREEN_ROWS

    def get(a, b, who=browsing):
        return who.get(reverse("personalization:rows", args=[page.page_view_id, a, b]), HTTP_HX_REQUEST="true")

    backwards, too_many, past_the_end = (
        get(first + 2, first),
        get(first, first + LAZY_ROWS_AT_ONCE),
        get(len(page.rows) - 1, len(page.rows)),
    )
    assert backwards.status_code == 400 and b"first <= last" in backwards.content
    assert too_many.status_code == 400 and b"rows at once" in too_many.content
    assert past_the_end.status_code == 404
    stranger = type(client)()
    stranger.post(reverse("personalization:profile_select", args=[make_profile("Stranger").pk]))
    gone = get(first, first + 1, stranger)
    assert gone.status_code == 410 and b"out of date" in gone.content
    assert not Impression.objects.filter(page_view_id=uuid.UUID(page.page_view_id), row_index__gte=first).exists()


def test_lazy_groups_are_runs_of_consecutive_rows_cut_every_few():
    def row(index, lazy=True):
        return Row(f"r{index}", f"Row {index}", "genre", index, lazy=lazy)

    rows = (row(0, lazy=False), row(1, lazy=False), *map(row, range(2, 2 + LAZY_ROWS_PER_FETCH + 1)), row(20))
    page = Page("0" * 32, 1, EVENING_DESKTOP, None, rows)

    groups = [[r.index for r in group] for group in page.lazy_groups]
    assert page.built_rows == rows[:2]
    assert groups == [list(range(2, 2 + LAZY_ROWS_PER_FETCH)), [2 + LAZY_ROWS_PER_FETCH], [20]]
