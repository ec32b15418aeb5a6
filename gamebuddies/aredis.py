"""An asyncio Redis client that reads and writes the same keys as Django's cache.

The lean async paths must not block the event loop on Django's synchronous cache, yet
they share its entries with every other path (rate-limit counters, presence beats,
idempotency records, room snapshots). So keys go through the cache's own `make_key`
and values through Django's RedisSerializer (integers raw, so INCR works; the rest
pickled), exactly as `django.core.cache.backends.redis` stores them.
"""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisSerializer
from redis.asyncio import Redis

_clients: dict[asyncio.AbstractEventLoop, Redis] = {}
_serializer = RedisSerializer()


def is_available() -> bool:
    return bool(settings.REDIS_URL)


def client() -> Redis:
    """This event loop's client (its connection pool belongs to the loop)."""
    loop = asyncio.get_running_loop()
    redis = _clients.get(loop)
    if redis is None:
        redis = _clients[loop] = Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
    return redis


def key(raw: str) -> str:
    """The Redis key Django's cache uses for `raw` (prefix and version included)."""
    return cache.make_key(raw)


def dumps(value) -> bytes | int:
    return _serializer.dumps(value)


def loads(data: bytes | None):
    return None if data is None else _serializer.loads(data)


async def close_clients() -> None:
    loop = asyncio.get_running_loop()
    redis = _clients.pop(loop, None)
    if redis is not None:
        await redis.aclose()
