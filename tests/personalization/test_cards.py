"""The card markup, rendered in Python: parsed back with html.parser, every value escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from personalization.page import Card
from personalization.templatetags.cards import card_html

pytestmark = pytest.mark.django_db  # (url reversal only)


class Tree(HTMLParser):
    """Elements as (tag, attributes, text inside), in document order."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict, list[str]]] = []
        self.open: list[tuple[str, dict, list[str]]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        element = (tag, dict(attrs), [])
        self.elements.append(element)
        if tag not in ("img",):
            self.open.append(element)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1][0] == tag, f"</{tag}> closes {self.open[-1][0] if self.open else None}"
        self.open.pop()

    def handle_data(self, data):
        for element in self.open:
            element[2].append(data)

    def find(self, cls: str) -> tuple[str, dict, list[str]] | None:
        return next((e for e in self.elements if cls in e[1].get("class", "").split()), None)

    def text(self, cls: str) -> str:
        element = self.find(cls)
        return "".join(element[2]) if element else ""


def card(**fields) -> Card:
    defaults = dict(
        title_id=7, name="Heat", year=1995, genres=("Action", "Crime", "Drama"), artwork_id=31, theme="crime",
        image_url="/media/artwork/card/07/7-crime-31.jpg", position=0, match=88, impression="abc.def.0123",
        why="Crime artwork: you like crime 2.0× more than average · 61% likely for you",
    )  # fmt: skip
    return Card(**{**defaults, **fields})


def test_a_card_is_well_formed_and_carries_what_the_page_needs():
    tree = Tree(card_html(card()))
    assert not tree.open  # every element closed
    link = tree.find("card")
    assert link[1]["href"] == "/title/7/" and link[1]["hx-post"] == "/title/7/open/?artwork=31"
    assert link[1]["hx-vals"] == '{"impression": "abc.def.0123"}'
    assert link[1]["aria-label"] == "Heat (1995), 88% match"
    assert link[1]["data-why"].startswith("Crime artwork")
    assert tree.find("card__image")[1]["src"] == "/media/artwork/card/07/7-crime-31.jpg"
    assert tree.text("card__meta") == "88% match · 1995 · Action · Crime"
    assert tree.text("card__why") == card().why


def test_the_caption_does_not_repeat_a_painted_title_and_sits_away_from_it():
    painted = Tree(card_html(card()))
    assert painted.find("card__name") is None and "Heat" not in "".join(painted.find("card__info")[2])
    assert "card__info--top" in painted.find("card__info")[1]["class"]  # crime paints its title at the bottom
    at_top = Tree(card_html(card(theme="iconic scene")))  # this theme paints it at the top
    assert "card__info--top" not in at_top.find("card__info")[1]["class"]
    uploaded = Tree(card_html(card(painted=False)))  # an uploaded image or a video frame: no title on it
    assert uploaded.text("card__name") == "Heat"


def test_continue_watching_shows_progress_and_the_top_10_its_rank():
    watching = Tree(card_html(card(progress=0.3)))
    bar = watching.elements[watching.elements.index(watching.find("card__progress")) + 1]
    assert bar[1]["style"] == "width: 30%"
    assert watching.find("card")[1]["aria-label"].endswith("30% watched")
    ranked = Tree(card_html(card(rank=3)))
    assert ranked.elements[0][1]["class"] == "ranked" and ranked.text("ranked__number") == "3"
    assert ranked.find("card")[1]["aria-label"].startswith("Number 3: ")
    assert Tree(card_html(card())).find("card__progress") is None


def test_every_value_is_escaped():
    hostile = '"><script>alert(1)</script>&'
    tree = Tree(card_html(card(name=hostile, impression=hostile, why=hostile, theme=hostile, genres=(hostile,))))
    assert not any(tag == "script" for tag, _, _ in tree.elements)
    link = tree.find("card")
    assert link[1]["aria-label"].startswith(hostile) and link[1]["data-why"] == hostile
    assert tree.text("card__why") == hostile
