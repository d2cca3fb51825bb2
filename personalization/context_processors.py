from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from personalization.http import tester_context


def viewing_context(request: HttpRequest) -> dict:
    """The tester bar's state (the same viewing context the view built the page with), made if used."""
    return {"tester": SimpleLazyObject(lambda: tester_context(request))}
