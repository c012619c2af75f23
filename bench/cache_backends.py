"""The portal's cache backend against Django's RedisCache and django-redis, on one Redis.

    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python -m bench.cache_backends [-n 20000]

For each backend: microseconds per GET (hit), SET, and GET while Redis is unreachable
(a port nobody listens on), in one run, so the ratios hold on a busy machine; and what
`clear()` does to a key outside the cache (a Celery queue in the same Redis database).
django-redis is compared only when it is installed (`pip install django-redis`).
The result is printed as Markdown; bench/results/cache_backends.md keeps the last run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import django
import redis
from django.conf import settings

DOWN = "redis://127.0.0.1:1/0"  # port 1: connection refused at once


def _backends(url: str) -> dict[str, dict[str, Any]]:
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    found = {
        "django RedisCache": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                              "OPTIONS": options},
        "portal ResilientRedisCache": {"BACKEND": "config.cache.ResilientRedisCache",
                                       "OPTIONS": options},
    }
    if importlib.util.find_spec("django_redis") is not None:
        found["django-redis (IGNORE_EXCEPTIONS)"] = {
            "BACKEND": "django_redis.cache.RedisCache",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5,
                        "SOCKET_TIMEOUT": 0.5},
        }
    return {name: {**conf, "LOCATION": url, "KEY_PREFIX": "bench"}
            for name, conf in found.items()}


def _per_call_us(call: Callable[[], Any], n: int) -> float:
    """The median of five rounds of n calls, in microseconds per call."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            call()
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20000, help="calls per round")
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")
    up, down = _backends(url), _backends(DOWN)
    settings.configure(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                **{f"up {k}": v for k, v in up.items()},
                **{f"down {k}": v for k, v in down.items()}},
        LOGGING_CONFIG=None,
    )
    django.setup()
    import logging

    from django.core.cache import caches

    logging.disable(logging.WARNING)  # the outage warnings, once per call
    print("| backend | GET hit µs | SET µs | GET, Redis down, µs | clear() keeps other keys |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name in up:
        cache = caches[f"up {name}"]
        cache.set("k", {"figure": 1}, 60)
        get = _per_call_us(partial(cache.get, "k"), args.n)
        put = _per_call_us(partial(cache.set, "k", {"figure": 1}, 60), args.n)
        try:
            miss = _per_call_us(partial(caches[f"down {name}"].get, "k"), max(args.n // 20, 50))
            outage = f"{miss:.0f}"
        except Exception as exc:
            outage = f"raises {type(exc).__name__}"
        client = redis.Redis.from_url(url)
        client.rpush("celery", "a queued task")
        cache.clear()
        kept = "yes" if client.exists("celery") else "no (FLUSHDB)"
        client.delete("celery")
        print(f"| {name} | {get:.0f} | {put:.0f} | {outage} | {kept} |")


if __name__ == "__main__":
    main()
