"""What a request says about who is watching and how: the one place views and the API read it.

- `profile_for_request`: the profile this request acts as, if the visitor may use it, or
  ProfileRequired (the one refusal: pages redirect to the picker, fragments and the API answer 403,
  or 404 for a profile named outright);
- `own_account`: where the visitor's own profiles live (their household, or their session's guest
  account); the demo account's sample viewers are everyone's;
- `viewing_context`: time of day and device (with a tester's overrides), parsed once per request;
- `tester_context`: what the tester bar shows: the detected context and the overrides, separately.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from personalization.context import DAYPARTS, DEVICES, Context, context_for
from personalization.models import Account, Profile
from personalization.selectors.viewers import visible_profile
from personalization.services.homepage import homepage_build
from personalization.services.profiles import account_for_user, guest_account
from streamflix.errors import ApplicationError

SESSION_PROFILE = "profile_id"
SESSION_GUEST = "guest_key"
SESSION_DEVICE = "context_device"
SESSION_DAYPART = "context_daypart"


class ProfileRequired(ApplicationError):
    status = 403
    code = "profile_required"
    redirect_to = "personalization:picker"

    def __init__(self, message: str = "Pick a profile first.", *, status: int | None = None) -> None:
        super().__init__(message, status=status)


def own_account(request: HttpRequest, *, create: bool = False) -> Account | None:
    """The visitor's own household: a signed-in user's, else the guest account of this browser session
    (None until they make a profile; `create` makes it)."""
    if request.user.is_authenticated:
        return account_for_user(request.user)
    session = getattr(request, "session", None)
    if session is None:
        return None
    key = session.get(SESSION_GUEST)
    if key is None and create:
        key = session[SESSION_GUEST] = secrets.token_hex(16)
    return guest_account(key, create=create) if key else None


def own_account_id(request: HttpRequest) -> int | None:
    """The visitor's own account's id (None before they have one); computed once per request."""
    if not hasattr(request, "_streamflix_own"):
        own = own_account(request)
        request._streamflix_own = own.pk if own else None
    return request._streamflix_own


def profile_for_request(request: HttpRequest, profile_id: int | None = None) -> Profile:
    """The profile this request acts as: `profile_id` (the API names it), else the session's.

    It must be a sample viewer or one of the visitor's own; otherwise ProfileRequired, and a stale
    session choice is forgotten. Nothing else loads or authorises profiles.
    """
    from_session = profile_id is None
    if from_session:
        profile_id = request.session.get(SESSION_PROFILE) if hasattr(request, "session") else None
    profile = visible_profile(profile_id=profile_id, own_account_id=own_account_id(request))
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


@dataclass(frozen=True)
class TesterContext:
    """The tester bar's state: what was detected, and what the tester forced ("" = auto)."""

    detected: Context
    device: str
    daypart: str
    devices: tuple[str, ...] = DEVICES
    dayparts: tuple[str, ...] = DAYPARTS

    @property
    def overridden(self) -> bool:
        return bool(self.device or self.daypart)


def tester_context(request: HttpRequest) -> TesterContext:
    session = getattr(request, "session", {})
    viewing = viewing_context(request)
    detected = context_for(hour=viewing.hour, user_agent=request.headers.get("User-Agent", ""))
    device, daypart = session.get(SESSION_DEVICE) or "", session.get(SESSION_DAYPART) or ""
    return TesterContext(
        detected=detected,
        device=device if device == viewing.device else "",
        daypart=daypart if daypart == viewing.daypart else "",
    )


def warm_home() -> bool:
    """Build and render the first sample viewer's homepage as a preview (nothing is logged): what a web
    process's first real page would otherwise pay for, ~1-3 s on the demo's catalog (the catalog
    snapshot, the serving model and its compiled kernels, the bandit's model, the templates). Each
    gunicorn worker runs it before it takes requests (`streamflix.gunicorn_hooks`), the demo's server
    before it listens (`runserver_warm`). False, having done nothing, when there is no sample viewer
    yet (an empty database)."""
    profile = Profile.objects.filter(account__is_demo=True).featured().first()
    if profile is None:
        return False
    page = homepage_build(profile=profile, context=context_for(hour=timezone.localtime().hour), record=False)
    with warnings.catch_warnings():  # no request, so no CSRF token for the page's forms: expected here
        warnings.filterwarnings("ignore", r"A \{% csrf_token %\} was used", UserWarning)
        render_to_string("personalization/home.html", {"page": page, "profile": profile})
    return True
