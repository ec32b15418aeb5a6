"""A Redis cache backend that shares one client (and connection pool) per process and
survives Redis going away.

Django keeps cache backends in a context-local store, so under ASGI every request and
every WebSocket consumer builds its own RedisCache, its own pool and its own TCP
connection to Redis: one Redis connection per lobby socket, and thousands of sockets in
TIME_WAIT under HTTP load (measured in docs/performance.md; django/django PR #18459).
Every instance here gets the same thread-safe client.

While Redis is away (stopped, restarting, unreachable):
- reads and writes that are only optimisations never fail the caller: `get`/`get_many`
  miss, `set`/`set_many`/`touch` are skipped (snapshots, cached API keys, presence beats);
- operations other code relies on for correctness still raise a redis ConnectionError,
  so their callers decide: `add`/`incr` (rate-limit counters fall back to a per-process
  limiter in gamebuddies/ratelimits.py; an Idempotency-Key claim answers 503 retryable),
  `delete`/`delete_many` (invalidation, e.g. a revoked API key), `has_key`, `clear`;
- after a failure, Redis is not tried again for a second (BREAKER_SECONDS), so a hung
  server costs one timeout per second per process, not one per call;
- connections fail fast (socket timeouts) and a connection the server dropped (restart)
  is replaced and the command sent again once, so recovery needs no restart.
The first failure and the recovery are logged once per outage (gamebuddies/outages.py).
"""

from __future__ import annotations

import threading

import redis.exceptions
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.backoff import NoBackoff
from redis.retry import Retry

from gamebuddies.outages import REDIS_ERRORS, Outage

_clients: dict = {}
_lock = threading.Lock()

BREAKER_SECONDS = 1.0
# One shared object, so the options (and the per-process client key below) stay the same.
_RETRY_ONCE = Retry(NoBackoff(), 1)
CONNECTION_OPTIONS = {
    "socket_connect_timeout": 1.0,
    "socket_timeout": 2.0,
    "retry": _RETRY_ONCE,
    "retry_on_error": [redis.exceptions.ConnectionError],
}

_outages: dict[tuple, Outage] = {}


def outage_of(servers) -> Outage:
    """This process's view of one Redis cache (one per server list)."""
    key = tuple(servers)
    with _lock:
        outage = _outages.get(key)
        if outage is None:
            outage = _outages[key] = Outage(
                "Redis cache", "cache reads miss and cache writes are skipped until it is back"
            )
    return outage


class CacheUnavailable(redis.exceptions.ConnectionError):
    """Redis failed less than BREAKER_SECONDS ago; not tried again yet."""


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
        self._options = {**CONNECTION_OPTIONS, **self._options}
        self._outage = outage_of(self._servers)

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    def _call(self, operation, *args):
        outage = self._outage
        if outage.down and outage.seconds_since_failure() < BREAKER_SECONDS:
            raise CacheUnavailable("Redis failed moments ago")
        try:
            result = operation(*args)
        except REDIS_ERRORS as exc:
            outage.failed(exc)
            raise
        outage.recovered()
        return result

    # -- optimisations: never fail the caller ---------------------------------------------
    def get(self, key, default=None, version=None):
        try:
            return self._call(super().get, key, default, version)
        except REDIS_ERRORS:
            return default

    def get_many(self, keys, version=None):
        try:
            return self._call(super().get_many, keys, version)
        except REDIS_ERRORS:
            return {}

    def get_many_or_raise(self, keys, version=None):
        """get_many for callers that must tell "not there" from "Redis could not say"."""
        return self._call(super().get_many, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            self._call(super().set, key, value, timeout, version)
        except REDIS_ERRORS:
            pass

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().set_many, data, timeout, version)
        except REDIS_ERRORS:
            return list(data)  # the keys that were not stored

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().touch, key, timeout, version)
        except REDIS_ERRORS:
            return False

    # -- coordination and invalidation: the caller must know --------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._call(super().incr, key, delta, version)

    def delete(self, key, version=None):
        return self._call(super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, key, version)

    def clear(self):
        return self._call(super().clear)
