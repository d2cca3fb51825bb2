"""A value each process keeps in memory and reloads when its version in the shared cache moves.

The catalogue snapshot, the active recommender and the published bandit are all like this: too
costly to load per request, and changed by another process (an admin, a worker). Every process
looks at the version at most every `check_seconds` and reloads only when it moved, so a change
reaches every web process within seconds without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
_UNLOADED = object()


class Refreshed(Generic[T]):
    def __init__(
        self,
        name: str,
        *,
        version: Callable[[], Hashable],
        load: Callable[[Hashable], T],
        check_seconds: float = 5.0,
        max_age_seconds: float | None = None,
    ) -> None:
        self.name = name
        self._version_of = version
        self._load = load
        self.check_seconds = check_seconds
        self.max_age_seconds = max_age_seconds
        self._lock = threading.Lock()
        self.forget()

    def get(self) -> T:
        now = time.monotonic()
        if self._version is not _UNLOADED and now - self._checked_at < self.check_seconds:
            return self._value
        self._checked_at = now
        version = self._version_of()
        if version == self._version and not self._too_old(now):
            return self._value
        with self._lock:
            if version != self._version or self._too_old(now):
                try:
                    self._value = self._load(version)
                except Exception:
                    if self._version is _UNLOADED:
                        raise
                    # Keep serving what we have; the next check tries again.
                    logger.exception(
                        "Could not load %s version %r; keeping version %r", self.name, version, self._version
                    )
                else:
                    self._version, self._loaded_at = version, now
        return self._value

    def forget(self) -> None:
        """Drop the loaded value (tests, or a process that just changed it itself)."""
        self._value = None
        self._version: Hashable = _UNLOADED
        self._checked_at = 0.0
        self._loaded_at = 0.0

    def _too_old(self, now: float) -> bool:
        return self.max_age_seconds is not None and now - self._loaded_at > self.max_age_seconds
