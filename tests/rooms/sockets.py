"""Socket helpers shared by the room socket tests: a browser tab or a token client on the real
ASGI application, reading until a message arrives, acks and close codes, publishing snapshots."""

from __future__ import annotations

import asyncio
import json

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.http import HttpResponse

from gamebuddies.asgi import application
from players import cookies
from rooms.broadcast import STATE_MESSAGE_TYPE
from rooms.models import Room, RoomMember
from tests.factories import make_room


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


SAME_ORIGIN = b"http://testserver"


def cookie_header(room_code: str, token: str) -> bytes:
    response = HttpResponse()
    cookies.store(response, {room_code: token}, secure=False)
    return f"{settings.PLAYER_COOKIE_NAME}={response.cookies[settings.PLAYER_COOKIE_NAME].value}".encode()


def socket(code: str, *, origin: bytes | None = SAME_ORIGIN, cookie: bytes | None = None, ip: str = "127.0.0.1"):
    headers = [(b"host", b"testserver")]  # browsers always send Host; the origin check compares with it
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{code}/", headers=headers)
    communicator.scope["client"] = (ip, 50000)
    return communicator


async def browser(seat):
    """A same-origin browser tab holding the seat's cookie, connected and seated.

    The handshake is accepted before authentication finishes, so wait for the
    snapshot of this seat's own arrival: from then on the socket is in the room.
    """
    communicator = socket(seat.room.room_code, cookie=cookie_header(seat.room.room_code, seat.token))
    connected, _ = await communicator.connect()
    assert connected
    me = str(seat.player.pk)
    await receive_until(communicator, lambda m: m.get("event") == "player_connected" and m["changes"]["playerId"] == me)
    return communicator


async def receive_until(communicator, predicate, timeout: float = 3.0) -> dict:
    """Skip messages until one matches (snapshots and acks may interleave)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await communicator.receive_output(max(deadline - loop.time(), 0.01))
        if message["type"] == "websocket.close":
            raise AssertionError(f"socket closed with {message.get('code')} while waiting")
        body = json.loads(message["text"])
        if predicate(body):
            return body


async def ack_for(communicator, request_id) -> dict:
    return await receive_until(communicator, lambda m: m["type"] == "ack" and m["requestId"] == request_id)


async def request(communicator, request_id, message: dict) -> dict:
    await communicator.send_json_to({"requestId": request_id, **message})
    return await ack_for(communicator, request_id)


async def close_code(communicator, timeout: float = 3.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await communicator.receive_output(max(deadline - loop.time(), 0.01))
        if message["type"] == "websocket.close":
            return message.get("code")


make_room_async = database_sync_to_async(make_room)


@database_sync_to_async
def room_version(room) -> int:
    return Room.objects.get(pk=room.pk).version


@database_sync_to_async
def member(seat) -> RoomMember:
    return RoomMember.objects.get(pk=seat.member.pk)
