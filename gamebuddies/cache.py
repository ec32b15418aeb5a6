"""A Redis cache backend that shares one client (and connection pool) per process.

Django keeps cache backends in a context-local store, so under ASGI every request and
every WebSocket consumer builds its own RedisCache, its own pool and its own TCP
connection to Redis: one Redis connection per lobby socket, and thousands of sockets in
TIME_WAIT under HTTP load (measured in docs/performance.md; django/django PR #18459).
Every instance here gets the same thread-safe client.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict = {}
_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis object on every cache call (about seven per API
    request); one per connection pool is enough, as redis.Redis is thread-safe."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients_by_pool", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
