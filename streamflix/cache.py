"""The shared cache (Redis), or this process's memory while Redis is unreachable.

Pages read the cache for the catalog version, page plans and history timestamps; with Redis down
they must still render. Every call goes to Redis unless a recent call failed: then, for
RETRY_AFTER seconds, calls go to a per-process local-memory cache (a circuit breaker), so a dead
Redis costs one fast connection failure per process per interval, not one per call. What is
written meanwhile lives in that process only: a lazy row planned by another process reads as
expired and asks for a reload, which is the right degraded behaviour.
"""

from __future__ import annotations

import logging
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every call (it builds ~200 response callbacks
    each time: a third of a millisecond); one per connection pool does the same work. A `redis.Redis`
    is safe to share between threads: each command borrows a connection from the pool."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)  # random among replicas for reads
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients.setdefault(index, self._client(connection_pool=self._pools[index]))
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache with a local-memory fallback while Redis is unreachable.

    OPTIONS as for RedisCache (they go to redis-py's connection pool), plus `RETRY_AFTER` (seconds
    the fallback is used after a failure, default 10).
    """

    def __init__(self, server, params) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", 10.0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._fallback = LocMemCache(f"redis-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._down_until = 0.0

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, name: str, *args, **kwargs):
        if not self.is_down:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except _UNREACHABLE as exc:
                self._went_down(exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    def _went_down(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + self.retry_after
        logger.warning("Redis cache unreachable (%s): using local memory for %.0fs", exc, self.retry_after)

    def add_many(self, keys, value, timeout=DEFAULT_TIMEOUT, version=None) -> list[bool]:
        """`add(key, value)` for each key, in one round trip (a pipeline of SET NX): whether each was added."""
        seconds = self.get_backend_timeout(timeout)
        if not self.is_down and seconds != 0:  # (a zero timeout adds and removes at once: add() knows how)
            try:
                client = self._cache.get_client(write=True)
                stored = self._cache._serializer.dumps(value)
                with client.pipeline(transaction=False) as pipeline:
                    for key in keys:
                        pipeline.set(self.make_and_validate_key(key, version=version), stored, ex=seconds, nx=True)
                    return [bool(added) for added in pipeline.execute()]
            except _UNREACHABLE as exc:
                self._went_down(exc)
        return [self.add(key, value, timeout, version) for key in keys]

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")


def add_many(cache, keys, value, timeout=DEFAULT_TIMEOUT) -> list[bool]:
    """`cache.add(key, value, timeout)` for each key: one round trip on Redis, one call a key elsewhere
    (the demo's file cache, the tests' local memory)."""
    adder = getattr(cache, "add_many", None)
    if adder is not None:
        return adder(keys, value, timeout)
    return [cache.add(key, value, timeout) for key in keys]
