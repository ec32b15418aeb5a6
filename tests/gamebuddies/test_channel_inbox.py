"""A socket's channel inbox: messages in order, one reader, and next to no memory while idle."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from gamebuddies.channel_layer import ChannelInbox, ResilientRedisPubSubChannelLayer

pytestmark = pytest.mark.asyncio


async def test_messages_put_before_and_while_waiting_come_out_in_order():
    inbox = ChannelInbox()
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert [await inbox.get(), await inbox.get()] == [1, 2]
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait(3)
    inbox.put_nowait(4)  # arrives before the reader resumes: kept, not lost
    assert await reader == 3
    assert await inbox.get() == 4
    assert inbox.empty()


async def test_a_cancelled_reader_loses_nothing_and_leaves_the_inbox_usable():
    inbox = ChannelInbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("kept")
    reader.cancel()  # cancelled after the wake-up, before it resumed
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert await asyncio.wait_for(inbox.get(), 1) == "kept"


async def test_a_second_reader_is_refused():
    inbox = ChannelInbox()
    first = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        await inbox.get()
    first.cancel()


async def test_an_idle_inbox_is_far_smaller_than_an_asyncio_queue():
    def bytes_each(make) -> float:
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        made = [make() for _ in range(1000)]
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        assert made
        return sum(stat.size_diff for stat in after.compare_to(before, "filename")) / 1000

    inbox, queue = bytes_each(ChannelInbox), bytes_each(asyncio.Queue)
    assert inbox * 10 < queue


@pytest.mark.redis
async def test_the_redis_layer_gives_each_channel_an_inbox_and_delivers_through_it(settings):
    layer = ResilientRedisPubSubChannelLayer(hosts=[settings.REDIS_URL], prefix="inbox-test")
    try:
        channel = await layer.new_channel()
        assert isinstance(layer._get_layer().channels[channel], ChannelInbox)
        await layer.group_add("inbox-group", channel)
        await asyncio.sleep(0.1)  # the subscription reaches Redis
        await layer.group_send("inbox-group", {"type": "room.state", "n": 1})
        await layer.send(channel, {"type": "room.state", "n": 2})
        received = [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(2)]
        assert [message["n"] for message in received] == [1, 2]
    finally:
        await layer.flush()
