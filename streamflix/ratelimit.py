"""Fixed-window rate limits kept in the shared cache, for the site's own forms (the API uses DRF's
throttles, from the same cache): a visitor may only do so much per window, whatever they send."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from streamflix.errors import TooManyRequests


def rate_limit(action: str, who: str, *, limit: int, per: int) -> None:
    """Count one `action` by `who`; TooManyRequests once more than `limit` happen within `per` seconds."""
    window = int(time.time() // per)
    key = f"ratelimit:{action}:{who}:{window}"
    cache.add(key, 0, per)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, per)
        count = 1
    if count > limit:
        wait = per - int(time.time()) % per
        raise TooManyRequests(f"Too many attempts; try again in {wait} seconds.")


def client_address(request: HttpRequest) -> str:
    """The client's IP: the proxy's X-Forwarded-For when BEHIND_PROXY (documented), else the peer."""
    if settings.BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")
