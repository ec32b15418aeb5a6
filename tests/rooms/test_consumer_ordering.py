"""A socket forwards snapshots in version order, whichever worker's publish arrives first."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from gamebuddies.asgi import application
from rooms.broadcast import STATE_MESSAGE_TYPE
from rooms.consumers import REORDER_WAIT_SECONDS
from tests.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def _seated(code, token):
    socket = WebsocketCommunicator(application, f"/ws/rooms/{code}/")
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "auth", "token": token})
    version = None
    while version is None:  # the snapshot of its own arrival
        message = await socket.receive_json_from(timeout=3)
        if message["type"] == "roomStateUpdate":
            version = message["version"]
    return socket, version


async def _publish(room, version: int) -> None:
    text = json.dumps({"type": "roomStateUpdate", "version": version})
    await get_channel_layer().group_send(
        room.group_name, {"type": STATE_MESSAGE_TYPE, "version": version, "text": text}
    )


async def _versions(socket, count: int) -> list[int]:
    return [(await socket.receive_json_from(timeout=2))["version"] for _ in range(count)]


async def test_a_snapshot_that_overtook_an_earlier_one_waits_for_it():
    room, seats = await database_sync_to_async(make_room)(players=1)
    socket, version = await _seated(room.room_code, seats[0].token)
    await _publish(room, version + 2)
    await _publish(room, version + 1)
    assert await _versions(socket, 2) == [version + 1, version + 2]
    await socket.disconnect()


async def test_an_older_snapshot_after_a_newer_one_is_dropped():
    room, seats = await database_sync_to_async(make_room)(players=1)
    socket, version = await _seated(room.room_code, seats[0].token)
    await _publish(room, version + 1)
    await _publish(room, version)  # a late copy of what the socket already has
    await _publish(room, version + 2)
    assert await _versions(socket, 2) == [version + 1, version + 2]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_a_snapshot_after_a_version_that_never_comes_is_sent_after_a_short_wait():
    room, seats = await database_sync_to_async(make_room)(players=1)
    socket, version = await _seated(room.room_code, seats[0].token)
    await _publish(room, version + 3)
    await _publish(room, version + 2)
    # version + 1 never arrives (superseded at its publisher): the newest held one goes out alone.
    assert await socket.receive_nothing(timeout=REORDER_WAIT_SECONDS / 2)
    assert await _versions(socket, 1) == [version + 3]
    await _publish(room, version + 2)
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()
