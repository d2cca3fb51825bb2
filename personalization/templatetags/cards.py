"""Cards rendered in Python: a homepage has ~80-280 of them, and the template engine spent two thirds
of the page's time on them (two `{% url %}` reversals and a dozen localised numbers each).

`{% cards row.cards %}` gives each card as an `<li>`: a link to the title's page that htmx turns into a
POST opening the details modal (with the card's impression token), the artwork, and the caption; every
value HTML-escaped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from catalog.artwork import style_for
from personalization.page import Card
from personalization.why import times as times_more

register = template.Library()

_PLACEHOLDER = 987654321


@functools.cache
def url_pattern(name: str) -> str:
    """reverse() once per process, then a str.format pattern for any title id."""
    url = reverse(name, args=[_PLACEHOLDER])
    return url.replace("{", "{{").replace("}", "}}").replace(str(_PLACEHOLDER), "{0}")


@functools.cache
def _painted_at_top(theme: str) -> bool:
    """Whether the theme's artwork paints the title at the top (the caption then goes at the bottom)."""
    return style_for(theme).type.anchor.startswith("top")


def card_html(card: Card) -> str:
    title_id = card.title_id
    artwork = "" if card.artwork_id is None else str(card.artwork_id)
    name = escape(card.name)
    year = f" ({card.year})" if card.year else ""
    match = f", {card.match}% match" if card.match else ""
    watched = f", {round(card.progress * 100)}% watched" if card.progress else ""
    ranked = f"Number {card.rank}: " if card.rank else ""
    meta = " · ".join(
        part
        for part in (
            f'<span class="match">{card.match}% match</span>' if card.match else "",
            str(card.year) if card.year else "",
            escape(" · ".join(card.genres[:2])),
        )
        if part
    )
    # Generated artwork has the title painted on it: the caption does not say it twice, and shows on
    # the other side of the card from it.
    caption_name = "" if card.painted else f'<span class="card__name">{name}</span>'
    caption_side = " card__info--top" if card.painted and not _painted_at_top(card.theme) else ""
    why = escape(card.why)
    progress = (
        f'<span class="card__progress" aria-hidden="true"><span style="width: {round(card.progress * 100)}%">'
        "</span></span>"
        if card.progress
        else ""
    )
    link = (
        f'<a class="card" href="{url_pattern("personalization:title_detail").format(title_id)}"'
        f' hx-post="{url_pattern("personalization:title_open").format(title_id)}?artwork={artwork}"'
        f' hx-vals=\'{{"impression": "{escape(card.impression)}"}}\' hx-target="#modal" hx-swap="innerHTML"'
        f' data-title="{title_id}" data-artwork="{artwork}" data-theme="{escape(card.theme)}" data-why="{why}"'
        f' data-impression="{escape(card.impression)}"'
        f' aria-label="{ranked}{name}{year}{match}{watched}">'
        f'<img class="card__image" src="{escape(card.image_url)}" alt="" width="480" height="270"'
        f' loading="lazy" decoding="async">{progress}'
        f'<span class="card__info{caption_side}" aria-hidden="true">{caption_name}'
        f'<span class="card__meta">{meta}</span><span class="card__why">{why}</span></span></a>'
    )
    if card.rank:
        return f'<li class="ranked"><span class="ranked__number" aria-hidden="true">{card.rank}</span>{link}</li>'
    return f"<li>{link}</li>"


@register.simple_tag
def cards(row_cards: Iterable[Card]) -> SafeString:
    return mark_safe("".join(card_html(card) for card in row_cards))  # noqa: S308 (every value escaped above)


@register.filter
def times(lift: float) -> str:
    """A log2 lift as "3.1×"."""
    return times_more(lift)
