"""Experiment: one Redis connection pool per process for the Django cache.

Django keeps cache backends in a context-local store, so under ASGI every HTTP request
and every WebSocket consumer builds its own RedisCache, its own connection pool and
so its own TCP connection to Redis (docs/performance.md, "Redis connections"). This
backend hands every instance the same client, so a process keeps a handful of
connections whatever the number of requests and sockets.
"""

import threading

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

from gamebuddies.settings import *  # noqa: F403
from gamebuddies.settings import CACHES, REDIS_URL

_clients: dict = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client


if REDIS_URL:
    CACHES["default"]["BACKEND"] = "bench.experiments.shared_redis_pool.SharedPoolRedisCache"
