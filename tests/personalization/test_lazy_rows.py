"""Several lazy rows fetched at once (`homepage_rows`, what the simulator's viewer does when it scrolls):
the same rows and impressions as `homepage_row` one at a time, logged once, as one batch."""

from __future__ import annotations

import uuid

import pytest

from personalization.context import Context
from personalization.models import Impression
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
