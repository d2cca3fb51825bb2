"""When and on what a page is viewed: the vocabulary of dayparts and devices, in one place. Pure.

Row order and artwork may depend on the context; the bandit's features index these tuples, the
API's choices and the tester bar list them, and the simulator draws from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAYPARTS: tuple[str, ...] = ("morning", "afternoon", "evening", "night")
DEVICES: tuple[str, ...] = ("desktop", "mobile", "tablet", "tv")


@dataclass(frozen=True)
class Context:
    """When and on what the page is viewed."""

    hour: int  # 0-23, local to the site's time zone
    daypart: str  # one of DAYPARTS
    device: str  # one of DEVICES
    overridden: bool = False  # a tester forced daypart or device

    def __post_init__(self) -> None:
        if self.daypart not in DAYPARTS or self.device not in DEVICES or not 0 <= self.hour <= 23:
            raise ValueError(
                f"unknown context {self.hour}h/{self.daypart!r}/{self.device!r}: the daypart is one of "
                f"{', '.join(DAYPARTS)}, the device one of {', '.join(DEVICES)}, the hour 0-23"
            )

    def as_dict(self) -> dict:
        return {"hour": self.hour, "daypart": self.daypart, "device": self.device, "overridden": self.overridden}


def daypart_for_hour(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 23:
        return "evening"
    return "night"


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


def context_for(*, hour: int, daypart: str = "", device: str = "", user_agent: str = "") -> Context:
    """The context of a view at `hour`: a valid forced daypart/device wins over the detected one."""
    return Context(
        hour=hour,
        daypart=daypart if daypart in DAYPARTS else daypart_for_hour(hour),
        device=device if device in DEVICES else device_from_user_agent(user_agent),
        overridden=daypart in DAYPARTS or device in DEVICES,
    )
