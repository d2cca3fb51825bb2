"""Reading the viewing context (time of day, device) from a request, with tester overrides."""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.utils import timezone

from personalization.page import Context

SESSION_DEVICE = "context_device"
SESSION_DAYPART = "context_daypart"

_TV = re.compile(r"SmartTV|SMART-TV|AppleTV|GoogleTV|CrKey|Roku|BRAVIA|HbbTV|AFT[A-Z]|\bTV\b", re.I)
_TABLET = re.compile(r"iPad|Tablet|Nexus (7|9|10)|SM-T\d|Kindle|Silk/", re.I)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android.*Mobile|Windows Phone|BlackBerry|Opera Mini", re.I)


def device_from_user_agent(user_agent: str) -> str:
    if _TV.search(user_agent):
        return "tv"
    if _TABLET.search(user_agent) or ("Android" in user_agent and "Mobile" not in user_agent):
        return "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    return "desktop"


def daypart_for_hour(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 23:
        return "evening"
    return "night"


def context_from_request(request: HttpRequest) -> Context:
    hour = timezone.localtime().hour
    device = request.session.get(SESSION_DEVICE) or ""
    daypart = request.session.get(SESSION_DAYPART) or ""
    return Context(
        hour=hour,
        daypart=daypart if daypart in Context.DAYPARTS else daypart_for_hour(hour),
        device=device if device in Context.DEVICES else device_from_user_agent(request.headers.get("User-Agent", "")),
        overridden=bool(device or daypart),
    )
