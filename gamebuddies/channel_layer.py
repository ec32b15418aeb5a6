"""The Redis pub/sub channel layer, told how to come back after Redis restarts.

What channels_redis 4.3 (with redis-py 8) does by itself, checked against a Redis server
stopped and started again: the subscriber's receive loop reconnects (it retries every
second) and redis-py's PubSub re-subscribes every channel and group it had, so sockets keep
their group membership. What it does not do: the first publish after the restart goes out on
the pooled connection the server closed and fails (one lost broadcast per process and
restart), and connection attempts have no timeout.

So every host gets: connection errors retried once on a fresh connection (the stale one is
dropped), and connect and read timeouts, so a hung Redis fails a publish instead of
blocking it. Broadcasts that still fail are dropped and counted by rooms/broadcast.py;
clients catch up through the version gap and `sync`. Sockets that try to join a group
while Redis is down are closed with 1013 (try again later) by rooms/consumers.py.
"""

from __future__ import annotations

import redis.exceptions
from channels_redis.pubsub import RedisPubSubChannelLayer
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

CONNECTION_OPTIONS = {
    "socket_connect_timeout": 1.0,
    # No read timeout: the subscriber's connection waits for messages as long as it likes.
    "retry_on_error": [redis.exceptions.ConnectionError],
}


def resilient_host(host) -> dict:
    """A channels_redis host entry (URL string or dict) with the reconnect options added."""
    if isinstance(host, str):
        entry = {"address": host}
    elif isinstance(host, tuple | list):
        entry = {"host": host[0], "port": host[1]}
    else:
        entry = dict(host)
    return {**CONNECTION_OPTIONS, "retry": Retry(NoBackoff(), 1), **entry}


class ResilientRedisPubSubChannelLayer(RedisPubSubChannelLayer):
    def __init__(self, *args, hosts=None, **kwargs):
        super().__init__(*args, hosts=[resilient_host(host) for host in hosts or ["redis://localhost:6379"]], **kwargs)
