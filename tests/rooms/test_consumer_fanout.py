"""Forwarding a snapshot to a socket never waits for the process's single sync thread."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from tests.factories import make_room
from tests.rooms.sockets import publish, seated, versions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

BUSY_SECONDS = 1.5


async def test_a_snapshot_reaches_the_socket_while_the_sync_thread_is_busy():
    # Channels' stock dispatch hops to the sync thread before every message (to close stale
    # database connections); under load that one thread was the fan-out's queue.
    room, seats = await database_sync_to_async(make_room)(players=1)
    socket, version = await seated(room.room_code, seats[0].token)
    busy = asyncio.ensure_future(sync_to_async(time.sleep, thread_sensitive=True)(BUSY_SECONDS))
    await asyncio.sleep(0.05)  # the sleep now holds the sync thread
    await publish(room, version + 1)
    assert await versions(socket, 1) == [version + 1]
    assert not busy.done()  # delivered while the sync thread was still held, not after it
    await busy
    await socket.disconnect()
