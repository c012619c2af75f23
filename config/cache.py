"""A Redis cache that degrades to a miss when Redis is down, and follows Sentinel.

Django's RedisCache raises on any connection error, so a Redis outage would turn
every page that touches the cache into a server error. The cache only ever holds
what can be recomputed, so here a failed read is a miss and a failed write is
skipped, with a warning in the log.

With a LOCATION that lists Redis Sentinels as kombu writes them
(`sentinel://s1:26379;sentinel://s2:26379/0`) and the OPTION `sentinel_master`, the
cache asks the Sentinels where the master is, and again after a failover.

Kept over django-redis: bench/cache_backends.py finds it as fast and as outage-tolerant, but
its clear() is FLUSHDB, which empties the Celery queues sharing this Redis database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.sentinel import Sentinel

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


SENTINEL_SCHEME = "sentinel://"


def sentinel_addresses(servers: list[str]) -> tuple[list[tuple[str, int]], int]:
    """The Sentinels' (host, port) and the database number of a kombu-style location
    (Django has already split it at the semicolons)."""
    addresses, db = [], 0
    for server in servers:
        parts = urlsplit(server)
        addresses.append((parts.hostname or "127.0.0.1", parts.port or 26379))
        if parts.path.strip("/"):
            db = int(parts.path.strip("/"))
    return addresses, db


class _OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client, keeping one redis-py client per connection pool,
    and taking its one pool from the Sentinels when given a `sentinel_master`.

    Django makes a new `redis.Redis` for every cache operation, and with redis-py 8
    making one costs more than the GET itself on loopback. A redis-py client only
    borrows connections from its pool and may be shared, so one per pool will do.
    """

    def __init__(self, servers: list[str], sentinel_master: str = "", **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}
        self._sentinel_master = sentinel_master

    def _get_connection_pool(self, write: bool) -> Any:
        if not self._sentinel_master:
            return super()._get_connection_pool(write)  # type: ignore[misc]
        pools: dict[Any, Any] = self._pools  # type: ignore[attr-defined]
        if SENTINEL_SCHEME not in pools:
            addresses, db = sentinel_addresses(self._servers)  # type: ignore[attr-defined]
            options: dict[str, Any] = self._pool_options  # type: ignore[attr-defined]
            sentinels = Sentinel(addresses, sentinel_kwargs={
                key: value for key, value in options.items() if key.startswith("socket_")})
            pools[SENTINEL_SCHEME] = sentinels.master_for(
                self._sentinel_master, db=db, **options).connection_pool
        return pools[SENTINEL_SCHEME]

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
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
