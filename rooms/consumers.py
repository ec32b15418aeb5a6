"""The lobby WebSocket: `/ws/rooms/<CODE>/`.

Thin by design: authenticate, then translate each client message into a service call
and answer it with an `ack`. Room snapshots arrive from the channel layer already
serialised (one JSON text per change for the whole room) and are forwarded as-is.
Per-connection state is kept to a few attributes so idle sockets stay cheap.

Close codes: 4401 not authenticated (no valid session, or no `auth` within the
timeout), 4403 session for another room, 4003 seat removed (kicked or left), 4404
unknown room code, 4410 room closed, 4429 rate limited (message flood, code
guessing, or too many connects from the IP or for the seat), 4409 superseded (the seat
opened more than WS_MAX_SOCKETS_PER_SEAT sockets; this was the oldest: do not reconnect),
4009 message too large (Uvicorn's --ws-max-size closes with 1009 first),
4503 PostgreSQL or Redis briefly unavailable while seating the socket (reconnect later).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from gamebuddies import metrics
from gamebuddies.actors import Actor
from gamebuddies.errors import (
    ForbiddenError,
    GameBuddiesError,
    InvalidSessionError,
    RateLimitedError,
    RoomClosedError,
    RoomNotFoundError,
    ValidationError,
    as_platform_error,
)
from gamebuddies.logging import log_context
from gamebuddies.outages import outage_cause
from gamebuddies.ratelimits import (
    TokenBucket,
    browser_id_from_scope,
    client_ip_from_scope,
    socket_connect_for_seat,
    socket_connect_from_ip,
)
from gamebuddies.validation import loads_json
from players.cookies import tokens_from_scope
from players.selectors import session_get_active

from . import services
from .broadcast import STATE_MESSAGE_TYPE
from .chat_selectors import chat_history_message
from .lookup import room_for_browser
from .models import Location
from .permissions import require_session_in_room
from .protocol import parse_client_message
from .selectors import normalize_room_code, room_get, room_state_update_json
from .services import chat
from .services.chat import seat_chat_bucket
from .services.listing import room_set_public
from .services.sockets import SocketSeated, socket_closed, socket_disconnect_after_grace, socket_seat
from .services.status import presence_touch

logger = logging.getLogger(__name__)


def in_db_thread(function):
    """Run database work off the event loop on any pool thread.

    Each call is one complete service transaction, so it needs no thread affinity; with
    asgiref's default (thread_sensitive) every socket of a worker would queue on one
    thread for its connects, disconnects and messages (docs/performance.md).
    """
    return database_sync_to_async(function, thread_sensitive=False)


CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_KICKED = 4003
CLOSE_NOT_FOUND = 4404
CLOSE_ROOM_CLOSED = 4410
CLOSE_RATE_LIMITED = 4429
CLOSE_TOO_LARGE = 4009  # 1009 where the server can send it; Daphne only allows 1000/3000-4999
CLOSE_UNAVAILABLE = 4503  # the client's usual reconnect (with backoff, then sync) is the answer
CLOSE_SUPERSEDED = 4409  # the seat opened more sockets than allowed and this was the oldest: do not reconnect
# How long a snapshot that overtook an earlier one (published by another worker) waits for it.
REORDER_WAIT_SECONDS = 0.05


class RoomConsumer(AsyncWebsocketConsumer):
    room = None
    player_id = None
    member_pk = None
    group = None
    location = Location.LOBBY
    seat_removed = False
    closing = False
    # The last snapshot version this socket sent, and snapshots held back until their turn.
    sent_version: int | None = None
    held: dict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held = {}

    async def __call__(self, scope, receive, send):
        try:
            return await super().__call__(scope, receive, send)
        except Exception as exc:
            # Redis refused the socket's own channel before `connect` ran: answer the handshake
            # with the 503 envelope and 4503 (the client reconnects) rather than an HTTP 500.
            if outage_cause(exc) is None or hasattr(self, "room_code"):
                raise
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            error = {"type": "error", **as_platform_error(exc).envelope()}
            await send({"type": "websocket.send", "text": json.dumps(error)})
            await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})

    async def connect(self):
        self.room_code = normalize_room_code(self.scope["url_route"]["kwargs"]["code"])
        self.bucket = TokenBucket(settings.WS_MESSAGES_PER_SECOND, settings.WS_MESSAGE_BURST)
        self.location = Location.GAME if _query_flag(self.scope, "client") == "game" else Location.LOBBY
        await self.accept()
        try:
            await self._seat_from_scope()
        except Exception as exc:
            if not await self._closed_for_outage(exc):
                raise

    async def _seat_from_scope(self):
        # The socket route is a code lookup like the pages: same guessing limit (a seat's own room is not behind it).
        token = tokens_from_scope(self.scope).get(self.room_code) if self.scope.get("browser_origin_verified") else None
        ip, browser = client_ip_from_scope(self.scope), browser_id_from_scope(self.scope)
        refusal = await in_db_thread(_room_code_refusal)(code=self.room_code, ip=ip, browser=browser, token=token)
        if refusal is not None:
            error, close_code = refusal
            await self._send_json({"type": "error", **error.envelope()})
            await self._close(close_code)
            return
        if token:
            await self._authenticate(token)
        else:
            # Non-cookie clients must say who they are first, promptly.
            self._auth_timer = asyncio.get_running_loop().call_later(
                settings.WS_AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
            )

    async def _closed_for_outage(self, exc) -> bool:
        """PostgreSQL or Redis failed while seating this socket: send the 503 envelope and close
        with 4503, so the client reconnects after a pause. False for anything else (a bug)."""
        if outage_cause(exc) is None:
            return False
        await self._send_json({"type": "error", **as_platform_error(exc).envelope()})
        await self._close(CLOSE_UNAVAILABLE)
        return True

    def _stop_auth_timer(self) -> None:
        timer = getattr(self, "_auth_timer", None)
        if timer:
            timer.cancel()

    async def _auth_timeout(self):
        if self.player_id is None and not self.closing:
            await self._close(CLOSE_UNAUTHENTICATED)

    async def _authenticate(self, token) -> int | None:
        """Seat this socket for the token's player; the room version after connecting, or None (closed)."""
        try:
            session = await in_db_thread(session_get_active)(token=token)
        except InvalidSessionError:
            await self._close(CLOSE_UNAUTHENTICATED)
            return None
        try:
            require_session_in_room(session, room_code=self.room_code)
        except ForbiddenError:
            await self._close(CLOSE_FORBIDDEN)
            return None
        if not session.room.is_live:  # its code now names a newer room
            await self._close(CLOSE_FORBIDDEN)
            return None
        self._stop_auth_timer()
        actor = Actor.player(player_id=session.player_id, room_id=session.room_id)
        # Join the group first, so this socket also gets the snapshot of its own arrival.
        self.group = session.room.group_name
        await self.channel_layer.group_add(self.group, self.channel_name)
        try:
            seated = await in_db_thread(_seat_socket)(
                room_id=session.room_id,
                player_id=session.player_id,
                channel_name=self.channel_name,
                actor=actor,
                location=self.location,
            )
        except RateLimitedError as exc:  # this seat reconnects too often
            await self._send_json({"type": "error", **exc.envelope()})
            await self._close(CLOSE_RATE_LIMITED)
            return None
        except GameBuddiesError:  # e.g. the seat was removed a moment ago
            await self._close(CLOSE_FORBIDDEN)
            return None
        self.room_id, self.player_id, self.actor = session.room_id, session.player_id, actor
        self.member_pk = seated.member_pk
        metrics.websocket_connections.inc()
        for channel in seated.evicted:  # past WS_MAX_SOCKETS_PER_SEAT: the oldest go
            await self.channel_layer.send(channel, {"type": "seat.superseded"})
        if seated.quiet:  # another tab or a quick reconnect: nothing was broadcast, so sync this one
            return await self.on_sync({})
        return seated.version

    async def disconnect(self, code):
        self._stop_auth_timer()
        if self.group:
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception as exc:  # Redis away: the seat is still marked disconnected below
                if outage_cause(exc) is None:
                    raise
        if self.player_id is None:
            return
        metrics.websocket_connections.dec()
        if self.seat_removed:
            return
        seat = {"room_id": self.room_id, "player_id": self.player_id, "channel_name": self.channel_name}
        await in_db_thread(socket_closed)(**seat)
        # A game page's socket closing says nothing about the lobby seat (the game may have just
        # ended and sent everyone back); in-game presence is the heartbeats' and the sweep's job.
        if self.location == Location.GAME:
            return
        # Marked disconnected only if no socket of the seat is open after the grace (issue 18 #4).
        await _disconnect_after_grace(**seat, actor=self.actor)

    async def seat_superseded(self, event):
        """A newer socket of this seat pushed this, the oldest, past WS_MAX_SOCKETS_PER_SEAT."""
        await self._close(CLOSE_SUPERSEDED)

    async def dispatch(self, message):
        """Channels' dispatch without its per-message `aclose_old_connections()`.

        Since Channels 4.2 every message a consumer handles (each snapshot to each socket
        included) first hops to the process's single sync thread to close stale database
        connections: at 200 updates/s to 8 sockets a room that queued 1,600 hops a second on
        one thread and was most of the fan-out's cost. Handlers here never touch the database
        on the event loop; their database work runs in `in_db_thread`, which closes stale
        connections itself, before and after each call.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # -- client -> server ------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        with log_context(request_id=uuid.uuid4().hex, room_code=self.room_code, player_id=self.player_id):
            await self._receive(text_data, bytes_data)

    async def _receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return  # frames already in flight after we decided to close
        size = len(text_data.encode("utf-8")) if text_data else len(bytes_data or b"")
        if size > settings.WS_MAX_MESSAGE_BYTES:
            # Uvicorn (--ws-max-size) closes with 1009 before we see it; this is the in-app guard.
            await self._close(CLOSE_TOO_LARGE)
            return
        if not self.bucket.take():
            error = RateLimitedError("Too many messages; slow down", retry_after=1)
            metrics.rate_limited.labels("socket_messages").inc()
            await self._send_json({"type": "ack", "requestId": None, "success": False, "error": error.envelope()})
            await self._close(CLOSE_RATE_LIMITED)
            return
        try:
            message = parse_client_message(text_data)
        except ValidationError as exc:
            await self._ack(_request_id(text_data), error=exc)
            return
        if self.player_id is None:
            if message.type != "auth":
                await self._close(CLOSE_UNAUTHENTICATED)
                return
            # The client said who it is in time; how long checking that takes is ours (under a
            # reconnect storm the database thread queues), so the deadline ends with the frame.
            self._stop_auth_timer()
            try:
                version = await self._authenticate(message.data.get("token"))
            except Exception as exc:
                if not await self._closed_for_outage(exc):
                    raise
                return
            if version is not None:
                await self._ack(message.request_id, version=version)
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
        await in_db_thread(presence_touch)(member_id=self.member_pk)
        await self._send_json({"type": "pong", "serverTime": int(time.time() * 1000)})
        return None

    async def on_auth(self, data):
        # A page authenticated by cookie may still send its token (the browser SDK does):
        # fine if it is the same player's, refused otherwise.
        try:
            session = await in_db_thread(session_get_active)(token=data.get("token"))
        except InvalidSessionError:
            session = None
        if session is None or session.player_id != self.player_id:
            raise ValidationError("This socket is already signed in as another player", field="token")
        return None

    async def on_sync(self, data):
        version, payload = await in_db_thread(self._sync_payload)(data.get("lastKnownVersion"))
        if payload is not None:
            await self.send(text_data=payload)  # the snapshot first, then its ack
        if self.sent_version is None or version > self.sent_version:
            self.sent_version = version  # a held older snapshot must not follow this one
            for stale in [v for v in self.held if v <= version]:
                del self.held[stale]
        return version

    def _sync_payload(self, last_known) -> tuple[int, str | None]:
        """The room version, and the full snapshot unless the client already has exactly it."""
        room = room_get(room_id=self.room_id)
        if isinstance(last_known, int) and not isinstance(last_known, bool) and last_known == room.version:
            return room.version, None
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

    async def on_playAgain(self, data):
        return (await self._call(services.game_play_again)).version

    async def on_setProfile(self, data):
        # Only the fields sent change: {"avatar": null} clears the picture, no "avatar" keeps it.
        fields = {key: data[wire] for wire, key in _PROFILE_FIELDS.items() if wire in data}
        return (await self._call(services.member_set_profile, player_id=self.player_id, **fields)).version

    async def on_kick(self, data):
        return (await self._call(services.member_kick, target_player_id=_uuid(data.get("playerId")))).version

    async def on_transferHost(self, data):
        return (await self._call(services.host_transfer, new_host_id=_uuid(data.get("playerId")))).version

    async def on_endGame(self, data):
        # Host only (checked by the service): brings everyone back when a game cannot end itself.
        return (await self._call(services.game_end, result={"endedBy": "host"})).version

    async def on_leave(self, data):
        return (await self._call(services.room_leave, player_id=self.player_id)).version

    # -- lobby chat and the public flag (issue 23) -------------------------------------
    # Chat never changes the room's version: its services return the socket message for the
    # room, sent to the group here once the service's transaction has committed.
    async def on_chatSend(self, data):
        if not seat_chat_bucket(room_id=self.room_id, player_id=self.player_id):
            raise RateLimitedError("Too many chat messages; slow down", retry_after=1)
        await self._chat(await self._call(chat.chat_send, text=data.get("text")))

    async def on_chatDelete(self, data):
        await self._chat(await self._call(chat.chat_delete, message_id=data.get("messageId")))

    async def on_chatMute(self, data):
        target = _uuid(data.get("playerId"))
        await self._chat(await self._call(chat.chat_mute, target_player_id=target, muted=data.get("muted")))

    async def on_chatSpectators(self, data):
        await self._chat(await self._call(chat.chat_set_spectators, allowed=data.get("allowed")))

    async def on_chatHistory(self, data):
        """The kept messages, the mutes and the spectator rule; pages ask on every (re)connect."""
        await self._send_json(await in_db_thread(chat_history_message)(room_id=self.room_id))

    async def on_setPublic(self, data):
        return (await self._call(room_set_public, public=data.get("public"))).version

    async def _chat(self, message: dict) -> None:
        await self.channel_layer.group_send(self.group, {"type": "room.chat", "text": _compact(message)})

    async def room_chat(self, event):
        if not self.closing:
            await self.send(text_data=event["text"])

    async def _call(self, service, **kwargs):
        return await in_db_thread(service)(room=self.room_id, actor=self.actor, **kwargs)

    # -- server -> client --------------------------------------------------------
    async def room_state(self, event):
        """Forward snapshots in version order, whichever worker published them.

        Each worker hands its snapshots over in order, but two workers' publishes of one room
        can cross on the way. A snapshot that arrives ahead of a missing one waits (at most
        REORDER_WAIT_SECONDS) for it; one older than what this socket already sent is dropped,
        since the newer snapshot contains it. The client never sees a version go backwards.
        """
        if self.closing:
            return
        version = event.get("version")
        if version is None or self.sent_version is None or version == self.sent_version + 1:
            await self._forward(event)
            while self.held and self.sent_version is not None and self.sent_version + 1 in self.held:
                await self._forward(self.held.pop(self.sent_version + 1))
            return
        if version <= self.sent_version:
            return
        if not self.held:
            self._release_later()
        self.held[version] = event

    def _release_later(self):
        def release():
            if self.held and not self.closing:
                newest = max(self.held)
                event = self.held.pop(newest)
                self.held.clear()  # the newest contains every version before it
                asyncio.ensure_future(self._forward(event))

        asyncio.get_running_loop().call_later(REORDER_WAIT_SECONDS, release)

    async def _forward(self, event):
        version = event.get("version")
        if version is not None:
            if self.sent_version is not None and version <= self.sent_version:
                return
            self.sent_version = version
            for stale in [v for v in self.held if v <= version]:
                del self.held[stale]
        await self.send(text_data=event["text"])
        if str(self.player_id) in event.get("removed", ()):
            self.seat_removed = True  # the seat is gone: nothing to mark disconnected
            await self._close(CLOSE_KICKED)
        elif event.get("closed"):
            await self._close(CLOSE_ROOM_CLOSED)

    async def _close(self, code: int):
        self.closing = True
        await self.close(code=code)

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


_PROFILE_FIELDS = {"name": "name", "avatar": "avatar", "avatarColour": "avatar_colour"}


def _room_code_refusal(*, code: str, ip: str, browser: str, token: str | None) -> tuple[GameBuddiesError, int] | None:
    """Why a socket for `code` is refused (rate limit, unknown or closed room), or None."""
    try:
        socket_connect_from_ip(ip=ip)
        room_for_browser(code=code, ip=ip, browser=browser, seat_token=token)
    except RateLimitedError as exc:
        return exc, CLOSE_RATE_LIMITED
    except RoomNotFoundError as exc:
        return exc, CLOSE_NOT_FOUND
    except RoomClosedError as exc:
        return exc, CLOSE_ROOM_CLOSED
    return None


def _seat_socket(*, room_id, player_id, **seat) -> SocketSeated:
    socket_connect_for_seat(room_id=room_id, player_id=player_id)
    return socket_seat(room_id=room_id, player_id=player_id, **seat)


_pending_disconnects: set = set()  # strong references: the loop keeps only weak ones to tasks


async def _disconnect_after_grace(**seat) -> None:
    async def apply():
        try:
            await in_db_thread(socket_disconnect_after_grace)(**seat)
        except GameBuddiesError:
            pass  # the room is gone or the seat was removed: nothing to mark
        except Exception as exc:
            if outage_cause(exc) is None:
                raise
            logger.warning("seat disconnect not applied (outage); the presence sweep will")

    def start():
        task = asyncio.ensure_future(apply())
        _pending_disconnects.add(task)
        task.add_done_callback(_pending_disconnects.discard)

    grace = settings.WS_DISCONNECT_GRACE_SECONDS
    if grace > 0:
        asyncio.get_running_loop().call_later(grace, start)
    else:
        await apply()


def _query_flag(scope, name) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else None


def _request_id(text):
    try:
        value = loads_json(text).get("requestId")  # nesting-checked: never a RecursionError
        return value if isinstance(value, str | int) else None
    except Exception:
        return None


def _compact(body: dict) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        raise ValidationError("playerId must be a player id", field="playerId") from None
