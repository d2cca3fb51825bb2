from __future__ import annotations

from django.http import HttpRequest

from personalization.http import viewing_context as request_viewing_context


def viewing_context(request: HttpRequest) -> dict:
    """The viewing context for the tester bar (the same object the view built the page with)."""
    return {"viewing_context": request_viewing_context(request)}
