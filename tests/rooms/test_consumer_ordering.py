"""A socket forwards snapshots in version order, whichever worker's publish arrives first."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms import consumers
from tests.factories import make_room
from tests.rooms.sockets import publish, seated, versions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_snapshot_that_overtook_an_earlier_one_waits_for_it():
    room, seats = await database_sync_to_async(make_room)(players=1)
    socket, version = await seated(room.room_code, seats[0].token)
    await publish(room, version + 2)
    await publish(room, version + 1)
    assert await versions(socket, 2) == [version + 1, version + 2]
    await socket.disconnect()


async def test_an_older_snapshot_after_a_newer_one_is_dropped():
    room, seats = await database_sync_to_async(make_room)(players=1)
    socket, version = await seated(room.room_code, seats[0].token)
    await publish(room, version + 1)
    await publish(room, version)  # a late copy of what the socket already has
    await publish(room, version + 2)
    assert await versions(socket, 2) == [version + 1, version + 2]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_a_snapshot_after_a_version_that_never_comes_is_sent_after_a_short_wait(monkeypatch):
    # A wait ten times the real one, so a busy machine cannot end it before the check below.
    monkeypatch.setattr(consumers, "REORDER_WAIT_SECONDS", 0.5)
    room, seats = await database_sync_to_async(make_room)(players=1)
    socket, version = await seated(room.room_code, seats[0].token)
    await publish(room, version + 3)
    await publish(room, version + 2)
    # version + 1 never arrives (superseded at its publisher): the newest held one goes out alone.
    assert await socket.receive_nothing(timeout=0.1)
    assert await versions(socket, 1) == [version + 3]
    await publish(room, version + 2)
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()
