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

Every socket also has its own channel, and channels_redis gives each one an `asyncio.Queue`
(three deques, about 3.3 KB) for messages that almost never wait there: here it is a
`ChannelInbox` that holds nothing while the socket is idle (docs/performance.md, idle sockets).
"""

from __future__ import annotations

import asyncio
from collections import deque
from urllib.parse import urlparse

import redis.exceptions
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close
from django.conf import settings
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


def _same_server(host: dict, url: str | None) -> bool:
    """Whether a channels_redis host entry and a Redis URL name one server (pub/sub ignores the db)."""
    if not url:
        return False
    address = host.get("address")
    if address:
        return _server_of(address) == _server_of(url)
    return (host.get("host"), int(host.get("port", 6379))) == _server_of(url)


def _server_of(url: str) -> tuple[str | None, int]:
    parsed = urlparse(url)
    return parsed.hostname, parsed.port or 6379


class ChannelInbox:
    """The part of `asyncio.Queue` a channel uses (`put_nowait`, `get`), for one reader.

    Empty, it is two slots; the deque exists only while messages wait.
    """

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque | None = None
        self._waiter: asyncio.Future | None = None

    def put_nowait(self, item) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    async def get(self):
        while not self._items:
            if self._waiter is not None:
                raise RuntimeError("a channel has one reader")
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item


class _LoopLayer(RedisPubSubLoopLayer):
    async def _subscribe_to_channel(self, channel):
        # channels_redis 4.3's body, with the lighter inbox in place of asyncio.Queue.
        self.channels[channel] = ChannelInbox()
        await self._get_shard(channel).subscribe(channel)


class ResilientRedisPubSubChannelLayer(RedisPubSubChannelLayer):
    def __init__(self, *args, hosts=None, **kwargs):
        super().__init__(*args, hosts=[resilient_host(host) for host in hosts or ["redis://localhost:6379"]], **kwargs)

    def group_publication(self, group: str, message: dict) -> tuple[str, bytes] | None:
        """The Redis channel and bytes that `group_send(group, message)` would PUBLISH, for a
        caller that publishes in its own pipeline to the same server (settings.REDIS_URL);
        None unless this layer has exactly that one host."""
        layer = self._get_layer()
        shards = layer._shards
        if len(shards) != 1 or not _same_server(shards[0].host, settings.REDIS_URL):
            return None
        return layer._get_group_channel_name(group), self.serialize(message)

    def _get_layer(self):
        # channels_redis 4.3's per-loop layer cache (pinned in requirements.txt), building _LoopLayer.
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer
