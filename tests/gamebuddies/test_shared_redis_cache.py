"""One Redis client per process, whatever the number of requests and sockets (docs/performance.md)."""

import threading

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.redis


def test_every_cache_instance_and_call_shares_one_client():
    seen = []

    def use_cache():
        # A new thread (like a new ASGI context) gets its own cache backend instance.
        cache = caches["default"]
        cache.set("shared-client-probe", 1, 5)
        seen.append((cache._cache, cache._cache.get_client(), cache._cache.get_client(write=True)))

    threads = [threading.Thread(target=use_cache) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client, _, _ in seen}) == 1
    assert len({id(redis) for _, redis, _ in seen} | {id(redis) for _, _, redis in seen}) == 1
