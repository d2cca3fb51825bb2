from __future__ import annotations

from django.http import HttpRequest

from personalization.context import context_from_request


def current_profile(request: HttpRequest) -> dict:
    """The viewing context for the tester toolbar; the profile itself is passed by each view."""
    if not hasattr(request, "session"):
        return {}
    return {"viewing_context": context_from_request(request)}
