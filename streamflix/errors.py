"""Application errors: what a user (or a client) did wrong or must do, with the message to show. Pure.

Services and pure modules raise these; `streamflix.error_handlers` maps them to responses in one
place (a middleware for pages and fragments, DRF's exception handler for the API), so views and API
views do not catch them case by case.
"""

from __future__ import annotations

MAX_ECHO = 200  # an error message never repeats more than this much of what it was sent


def clip(text: str) -> str:
    """What an error message may repeat of a client's input."""
    return text if len(text) <= MAX_ECHO else f"{text[:MAX_ECHO]}… ({len(text)} characters)"


class ApplicationError(Exception):
    """An error the user caused or can fix. `status` is the HTTP status it answers with."""

    status = 400
    code = "invalid"
    template = ""  # a fragment template that explains it in a page (htmx), if any
    redirect_to = ""  # a URL name a plain page view is sent to instead (e.g. the profile picker)

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class InvalidInput(ApplicationError):
    """The request's data is wrong: nothing was written."""


class NotPermitted(ApplicationError):
    status = 403
    code = "forbidden"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    """It was already done: repeating it changes nothing."""

    status = 409
    code = "conflict"


class Gone(ApplicationError):
    status = 410
    code = "expired"


class TooManyRequests(ApplicationError):
    status = 429
    code = "throttled"
