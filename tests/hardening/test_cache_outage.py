"""Redis down: the cache misses instead of failing, and pages still render (issue 8, point 3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from centres.models import User
from tests.faults.servers import redis_server, unused_port


def _cache_settings(backend: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": backend,
            "LOCATION": f"redis://127.0.0.1:{unused_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def dead_redis_cache() -> Iterator[None]:
    with override_settings(CACHES=_cache_settings("config.cache.ResilientRedisCache")):
        yield


def test_django_s_own_redis_cache_raises_when_redis_is_down() -> None:
    plain = _cache_settings("django.core.cache.backends.redis.RedisCache")
    with override_settings(CACHES=plain), pytest.raises(RedisConnectionError):
        caches["default"].get("anything")


def test_the_portal_cache_misses_and_skips_writes_when_redis_is_down(
    dead_redis_cache: None,
) -> None:
    cache = caches["default"]
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("k") is False
    assert cache.get_or_set("k", 5) == 5
    cache.delete("k")
    cache.delete_many(["a", "b"])
    cache.clear()


def test_pages_and_the_api_render_while_redis_is_down(dead_redis_cache: None, alice: User) -> None:
    client = Client()
    assert client.get(reverse("login")).status_code == 200
    client.force_login(alice)
    assert client.get(reverse("centres:directory")).status_code == 200
    assert client.get(reverse("centres:detail", args=["330681107"])).status_code == 200
    assert client.get("/api/v1/regions/").status_code == 200
    assert client.get(reverse("health")).status_code == 200


def test_clearing_the_cache_leaves_other_keys_in_its_redis_database(tmp_path: Any) -> None:
    """Celery's queues share the Redis database when one REDIS_URL serves both."""

    port = unused_port()
    with redis_server(port, tmp_path) as redis:
        location = {"LOCATION": redis.url, "KEY_PREFIX": "portal"}
        settings = {"default": {**_cache_settings("config.cache.ResilientRedisCache")["default"],
                                **location}}
        with override_settings(CACHES=settings):
            cache = caches["default"]
            cache.set_many({f"k{i}": i for i in range(2500)})
            client = Redis.from_url(redis.url)
            client.lpush("celery", "a queued task")
            client.set("other:1:k", "another cache's value")
            cache.clear()
            assert cache.get("k1") is None
            assert not list(client.scan_iter(match="portal:*"))
            assert client.llen("celery") == 1
            assert client.get("other:1:k") == b"another cache's value"


def test_the_cache_keeps_one_client_that_survives_a_redis_restart(tmp_path: Any) -> None:
    """Django would make a redis-py client per operation; the portal's cache keeps one
    per connection pool, which misses while Redis is down and works again after."""

    port = unused_port()
    settings = {"default": {**_cache_settings("config.cache.ResilientRedisCache")["default"],
                            "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    with override_settings(CACHES=settings):
        cache: Any = caches["default"]
        with redis_server(port, tmp_path):
            cache.set("k", "before")
            assert cache.get("k") == "before"
            client = cache._cache.get_client()
            assert cache._cache.get_client() is client
        assert cache.get("k", "missed") == "missed"  # down: a miss, not an error
        with redis_server(port, tmp_path):
            cache.set("k", "after")
            assert cache.get("k") == "after"
            assert cache._cache.get_client() is client
