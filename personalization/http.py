"""What a request says about who is watching and how: the one place views and the API read it.

- `profile_for_request`: the session's profile, if the visitor may use it, or ProfileRequired (the
  one refusal: pages redirect to the picker, fragments and the API answer 403);
- `viewing_context`: time of day and device (with a tester's overrides), parsed once per request.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from personalization.context import Context, context_for
from personalization.models import Account, Profile
from personalization.selectors.viewers import profile_of_account
from personalization.services.profiles import account_for_user
from streamflix.errors import ApplicationError

SESSION_PROFILE = "profile_id"
SESSION_DEVICE = "context_device"
SESSION_DAYPART = "context_daypart"


class ProfileRequired(ApplicationError):
    status = 403
    code = "profile_required"
    redirect_to = "personalization:picker"

    def __init__(self, message: str = "Pick a profile first.", *, status: int | None = None) -> None:
        super().__init__(message, status=status)


def request_account(request: HttpRequest) -> Account:
    """The household this visitor sees (their own when signed in, else the demo's), once per request."""
    if not hasattr(request, "_streamflix_account"):
        request._streamflix_account = account_for_user(request.user)
    return request._streamflix_account


def profile_for_request(request: HttpRequest, profile_id: int | None = None) -> Profile:
    """The profile this request acts as: `profile_id` (the API names it), else the session's.

    It must belong to the visitor's account; otherwise ProfileRequired (403 "pick a profile", or 404
    for a named one), and a stale session choice is forgotten. Nothing else loads or authorises them.
    """
    from_session = profile_id is None
    if from_session:
        profile_id = request.session.get(SESSION_PROFILE) if hasattr(request, "session") else None
    profile = profile_of_account(profile_id=profile_id, account=request_account(request))
    if profile is None:
        if from_session and profile_id is not None:
            request.session.pop(SESSION_PROFILE, None)
        # A profile named outright that is not the visitor's does not exist, as far as they know.
        raise ProfileRequired() if from_session else ProfileRequired("No such profile.", status=404)
    return profile


def viewing_context(request: HttpRequest) -> Context:
    """When and on what this request is viewed; computed once and kept on the request."""
    if not hasattr(request, "_streamflix_context"):
        session = getattr(request, "session", {})
        request._streamflix_context = context_for(
            hour=timezone.localtime().hour,
            daypart=session.get(SESSION_DAYPART) or "",
            device=session.get(SESSION_DEVICE) or "",
            user_agent=request.headers.get("User-Agent", ""),
        )
    return request._streamflix_context
