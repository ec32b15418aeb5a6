"""The lobby WebSocket: `/ws/rooms/<CODE>/`.

Thin by design: authenticate, then translate each client message into a service call
and answer it with an `ack`. Room snapshots arrive from the channel layer already
serialised (one JSON text per change for the whole room) and are forwarded as-is.
Per-connection state is kept to a few attributes so idle sockets stay cheap.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from gamebuddies import metrics
from gamebuddies.actors import Actor
from gamebuddies.errors import (
    GameBuddiesError,
    InvalidSessionError,
    RateLimitedError,
    ValidationError,
    as_platform_error,
)
from players.cookies import tokens_from_scope
from players.selectors import session_get_active

from . import services
from .broadcast import STATE_MESSAGE_TYPE
from .models import Location
from .protocol import parse_client_message
from .selectors import normalize_room_code, room_get, room_state_update_json
from .services.status import presence_touch

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_KICKED = 4003
CLOSE_ROOM_CLOSED = 4410
CLOSE_RATE_LIMITED = 4429
CLOSE_TOO_LARGE = 4009  # 1009 where the server can send it; Daphne only allows 1000/3000-4999


class TokenBucket:
    """Per-socket message budget, checked before any database work."""

    __slots__ = ("rate", "capacity", "tokens", "stamp")

    def __init__(self, rate: float, capacity: float):
        self.rate, self.capacity, self.tokens, self.stamp = rate, capacity, capacity, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RoomConsumer(AsyncWebsocketConsumer):
    room = None
    player_id = None
    member_pk = None
    group = None
    location = Location.LOBBY
    seat_removed = False

    async def connect(self):
        self.room_code = normalize_room_code(self.scope["url_route"]["kwargs"]["code"])
        self.bucket = TokenBucket(settings.WS_MESSAGES_PER_SECOND, settings.WS_MESSAGE_BURST)
        self.location = Location.GAME if _query_flag(self.scope, "client") == "game" else Location.LOBBY
        await self.accept()
        token = tokens_from_scope(self.scope).get(self.room_code) if self.scope.get("browser_origin_verified") else None
        if token:
            await self._authenticate(token)
        else:
            # Non-cookie clients must say who they are first, promptly.
            self._auth_timer = asyncio.get_running_loop().call_later(
                settings.WS_AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
            )

    async def _auth_timeout(self):
        if self.player_id is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _authenticate(self, token) -> bool:
        try:
            session = await database_sync_to_async(session_get_active)(token=token)
        except InvalidSessionError:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        if session.room.room_code != self.room_code or not session.room.is_live:
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        timer = getattr(self, "_auth_timer", None)
        if timer:
            timer.cancel()
        self.room_id, self.player_id = session.room_id, session.player_id
        self.group = session.room.group_name
        self.actor = Actor.player(player_id=self.player_id, room_id=self.room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        try:
            change = await database_sync_to_async(services.member_connect)(
                room=self.room_id,
                player_id=self.player_id,
                channel_name=self.channel_name,
                actor=self.actor,
                location=self.location,
            )
        except GameBuddiesError:
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        self.member_pk = change.member(self.player_id).pk
        metrics.websocket_connections.inc()
        return True

    async def disconnect(self, code):
        timer = getattr(self, "_auth_timer", None)
        if timer:
            timer.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.player_id is None:
            return
        metrics.websocket_connections.dec()
        if self.seat_removed:
            return
        try:
            await database_sync_to_async(services.member_disconnect)(
                room=self.room_id,
                player_id=self.player_id,
                channel_name=self.channel_name,
                actor=self.actor,
            )
        except GameBuddiesError:
            pass  # the room is gone or the seat was removed: nothing to mark

    # -- client -> server ------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        size = len(text_data or "") + len(bytes_data or b"")
        if size > settings.WS_MAX_MESSAGE_BYTES:
            await self.close(code=CLOSE_TOO_LARGE)
            return
        if not self.bucket.take():
            await self._send_json(
                {
                    "type": "ack",
                    "requestId": None,
                    "success": False,
                    "error": RateLimitedError("Too many messages").envelope(),
                }
            )
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        try:
            message = parse_client_message(text_data)
        except ValidationError as exc:
            await self._ack(_request_id(text_data), error=exc)
            return
        if self.player_id is None:
            if message.type == "auth":
                await self._authenticate(message.data.get("token"))
            else:
                await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self._dispatch(message)

    async def _dispatch(self, message):
        handler = getattr(self, f"on_{message.type}", None)
        if handler is None:
            await self._ack(
                message.request_id, error=ValidationError(f"Unknown message type {message.type}", field="type")
            )
            return
        try:
            version = await handler(message.data)
        except Exception as exc:  # every request gets an answer, never a dropped socket
            error = as_platform_error(exc)
            if error.status >= 500:
                logger.exception("lobby message %s failed", message.type)
            await self._ack(message.request_id, error=error)
            return
        await self._ack(message.request_id, version=version)

    async def on_ping(self, data):
        await database_sync_to_async(presence_touch)(member_id=self.member_pk)
        await self._send_json({"type": "pong", "serverTime": int(time.time() * 1000)})
        return None

    async def on_auth(self, data):
        raise ValidationError("Already authenticated", field="type")

    async def on_sync(self, data):
        last_known = data.get("lastKnownVersion")
        payload = await database_sync_to_async(self._sync_payload)(last_known)
        if payload is not None:
            await self.send(text_data=payload[1])
        return payload[0] if payload else last_known

    def _sync_payload(self, last_known):
        room = room_get(room_id=self.room_id)
        if isinstance(last_known, int) and not isinstance(last_known, bool) and last_known >= room.version:
            return None
        return room.version, room_state_update_json(room=room, event="sync")

    async def on_updateStatus(self, data):
        result = await self._call(
            services.update_player_status,
            player_id=self.player_id,
            status=data.get("status"),
            location=data.get("location"),
            metadata=data.get("metadata"),
            expected_version=data.get("expectedVersion"),
            reason="lobby",
        )
        return result.change.version

    async def on_setReady(self, data):
        return (await self._call(services.member_set_ready, player_id=self.player_id, ready=data.get("ready"))).version

    async def on_selectGame(self, data):
        return (
            await self._call(services.game_select, game_slug=data.get("game"), settings=data.get("settings"))
        ).version

    async def on_startGame(self, data):
        return (await self._call(services.game_start)).version

    async def on_kick(self, data):
        return (await self._call(services.member_kick, target_player_id=_uuid(data.get("playerId")))).version

    async def on_transferHost(self, data):
        return (await self._call(services.host_transfer, new_host_id=_uuid(data.get("playerId")))).version

    async def on_leave(self, data):
        return (await self._call(services.room_leave, player_id=self.player_id)).version

    async def _call(self, service, **kwargs):
        return await database_sync_to_async(service)(room=self.room_id, actor=self.actor, **kwargs)

    # -- server -> client --------------------------------------------------------
    async def room_state(self, event):
        await self.send(text_data=event["text"])
        if str(self.player_id) in event.get("removed", ()):
            self.seat_removed = True  # the seat is gone: nothing to mark disconnected
            await self.close(code=CLOSE_KICKED)
        elif event.get("closed"):
            await self.close(code=CLOSE_ROOM_CLOSED)

    async def _ack(self, request_id, *, version=None, error: GameBuddiesError | None = None):
        body = {"type": "ack", "requestId": request_id, "success": error is None, "version": version}
        if error is not None:
            body["error"] = error.envelope()
            if hasattr(error, "current_state") and error.current_state is not None:
                body["currentState"] = error.current_state
        await self._send_json(body)

    async def _send_json(self, body):
        await self.send(text_data=json.dumps(body, separators=(",", ":"), default=str))


assert RoomConsumer.room_state.__name__ == STATE_MESSAGE_TYPE.replace(".", "_")


def _query_flag(scope, name) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else None


def _request_id(text):
    try:
        value = json.loads(text).get("requestId")
        return value if isinstance(value, str | int) else None
    except Exception:
        return None


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        raise ValidationError("playerId must be a player id", field="playerId") from None
