"""With Redis unreachable the site keeps serving: the cache falls back to local memory (a circuit
breaker keeps the dead server from costing every call), and the broker is skipped likewise."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from personalization.models import Impression, ImpressionOutbox
from streamflix.cache import ResilientRedisCache
from tests.conftest import DEAD_REDIS, require_services
from tests.factories import make_catalog, make_profile

BACKEND = "streamflix.cache.ResilientRedisCache"


def dead_cache(**options) -> ResilientRedisCache:
    return ResilientRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 0.05, **options}})


def test_a_dead_redis_falls_back_to_local_memory_and_is_tried_again_later(monkeypatch):
    cache = dead_cache(RETRY_AFTER=30)
    attempts = []
    real_get = type(cache).__mro__[1].get  # RedisCache.get
    monkeypatch.setattr(
        "django.core.cache.backends.redis.RedisCache.get", lambda *a, **k: attempts.append(1) or real_get(*a, **k)
    )
    now = [1000.0]
    monkeypatch.setattr("streamflix.cache.time.monotonic", lambda: now[0])

    assert cache.set("plan", {"rows": 3}) is None  # first call: Redis refuses, the breaker opens
    assert cache.is_down
    assert cache.get("plan") == {"rows": 3}  # served from this process's memory
    assert cache.add("lock", 1) and not cache.add("lock", 1)
    assert attempts == []  # while open, Redis is not even tried

    now[0] += 31
    assert cache.get("plan") == {"rows": 3}  # tried again (and failed again), still answered
    assert attempts == [1] and cache.is_down


@pytest.mark.django_db(transaction=True)
def test_pages_render_with_redis_down_for_both_cache_and_broker(client, broker_down):
    make_catalog()
    viewer = make_profile("Offline")
    options = {"socket_connect_timeout": 0.05}
    with override_settings(CACHES={"default": {"BACKEND": BACKEND, "LOCATION": DEAD_REDIS, "OPTIONS": options}}):
        client.post(reverse("personalization:profile_select", args=[viewer.pk]))
        home = client.get(reverse("personalization:home"))
        page = home.context["page"]
        lazy = next(row for row in page.rows if row.lazy)
        url = reverse("personalization:row", args=[page.page_view_id, lazy.index])
        row = client.get(url, HTTP_HX_REQUEST="true")  # its plan is in this process's memory
        assert caches["default"].is_down

    assert home.status_code == 200 and row.status_code == 200
    assert ImpressionOutbox.objects.count() == 2 and not Impression.objects.exists()  # kept for the drain


def test_a_live_redis_cache_reuses_one_client_across_calls_and_threads(settings):
    require_services()
    from concurrent.futures import ThreadPoolExecutor

    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "client-reuse-test"})
    cache.set("n", 0)
    client = cache._cache.get_client(write=True)

    with ThreadPoolExecutor(8) as pool:  # 8 threads share the client: each command borrows a connection
        list(pool.map(lambda _: cache.incr("n"), range(200)))

    assert cache.get("n") == 200 and not cache.is_down
    assert cache._cache.get_client() is client and cache._cache.get_client(write=True) is client
    cache.delete("n")


def test_add_many_adds_each_key_once_in_one_round_trip_and_falls_back_with_redis_down(settings, monkeypatch):
    require_services()
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "add-many-test"})
    cache.delete_many(["a", "b", "c"])
    cache.add("b", "before")
    round_trips = []
    pipeline = cache._cache.get_client(write=True).pipeline
    monkeypatch.setattr(
        cache._cache.get_client(write=True), "pipeline", lambda **k: round_trips.append(1) or pipeline(**k)
    )

    assert cache.add_many(["a", "b", "c", "a"], True, timeout=60) == [True, False, True, False]
    assert round_trips == [1]
    assert cache.get_many(["a", "b", "c"]) == {"a": True, "b": "before", "c": True}  # (b untouched)
    ttl = cache._cache.get_client().ttl(cache.make_key("a"))
    assert 0 < ttl <= 60
    cache.delete_many(["a", "b", "c"])

    down = dead_cache()
    assert down.add_many(["x", "y"], 1) == [True, True] and down.is_down  # answered from local memory
    assert down.add_many(["x", "z"], 1) == [False, True]


def test_add_many_on_a_cache_without_it_adds_one_key_at_a_time():
    from django.core.cache.backends.locmem import LocMemCache

    from streamflix.cache import add_many

    local = LocMemCache("add-many-local", {})
    local.add("b", 0)
    assert add_many(local, ["a", "b", "a"], 1, timeout=60) == [True, False, False]
    assert local.get("a") == 1 and local.get("b") == 0
