"""Socket helpers shared by the consumer tests: seat a socket, publish a snapshot, read versions."""

from __future__ import annotations

import json

from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from gamebuddies.asgi import application
from rooms.broadcast import STATE_MESSAGE_TYPE


async def seated(code, token):
    socket = WebsocketCommunicator(application, f"/ws/rooms/{code}/")
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "auth", "token": token})
    version = None
    while version is None:  # the snapshot of its own arrival
        message = await socket.receive_json_from(timeout=3)
        if message["type"] == "roomStateUpdate":
            version = message["version"]
    return socket, version


async def publish(room, version: int) -> None:
    text = json.dumps({"type": "roomStateUpdate", "version": version})
    await get_channel_layer().group_send(
        room.group_name, {"type": STATE_MESSAGE_TYPE, "version": version, "text": text}
    )


async def versions(socket, count: int) -> list[int]:
    return [(await socket.receive_json_from(timeout=2))["version"] for _ in range(count)]
