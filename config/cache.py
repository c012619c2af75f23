"""A Redis cache that degrades to a miss when Redis is down.

Django's RedisCache raises on any connection error, so a Redis outage would turn
every page that touches the cache into a server error. The cache only ever holds
what can be recomputed, so here a failed read is a miss and a failed write is
skipped, with a warning in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)

T = TypeVar("T")


def _degrade(fallback: Callable[..., Any]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """On a Redis outage, log it and answer `fallback(*args, **kwargs)` instead."""

    def decorator(method: Callable[..., T]) -> Callable[..., T]:
        @wraps(method)
        def wrapper(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> T:
            try:
                return method(self, *args, **kwargs)
            except OUTAGE_ERRORS as exc:
                logger.warning("Cache unavailable, %s skipped: %s", method.__name__, exc)
                result: T = fallback(*args, **kwargs)
                return result

        return wrapper

    return decorator


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _empty_dict(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {}


def _all_keys_failed(data: dict[str, Any], *args: Any, **kwargs: Any) -> list[str]:
    return list(data)


class _OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client, keeping one redis-py client per connection pool.

    Django makes a new `redis.Redis` for every cache operation, and with redis-py 8
    making one costs more than the GET itself on loopback. A redis-py client only
    borrows connections from its pool and may be shared, so one per pool will do.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache whose reads miss and writes are skipped while Redis is unreachable.

    `incr`/`decr` still raise: a counter that silently stops counting would be wrong.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool

    get = _degrade(_default)(RedisCache.get)
    get_many = _degrade(_empty_dict)(RedisCache.get_many)
    has_key = _degrade(_false)(RedisCache.has_key)
    add = _degrade(_false)(RedisCache.add)
    set = _degrade(_nothing)(RedisCache.set)
    set_many = _degrade(_all_keys_failed)(RedisCache.set_many)
    touch = _degrade(_false)(RedisCache.touch)
    delete = _degrade(_false)(RedisCache.delete)
    delete_many = _degrade(_nothing)(RedisCache.delete_many)

    @_degrade(_nothing)
    def clear(self) -> None:
        """Delete this cache's keys, and only them.

        Django's RedisCache empties the whole Redis database (FLUSHDB), which also
        holds Celery's queues when one REDIS_URL serves both, and the keys of any
        other process sharing it under another KEY_PREFIX.
        """
        # Django's RedisCache keeps its client private; its clear() uses the same one.
        client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
        keys: list[bytes] = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            keys.append(key)
            if len(keys) == 1000:
                client.delete(*keys)
                keys.clear()
        if keys:
            client.delete(*keys)
