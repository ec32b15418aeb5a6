"""A lobby WebSocket client that records when each room version arrived.

Authenticates the way a game server or SDK does: no Origin header, then
{"type": "auth", "token": ...} as the first message. Every `roomStateUpdate` is
timestamped on arrival; acks resolve the `updateStatus` calls waiting on them.
`SocketIOSocket` does the same with the Socket.IO peer (bench/peers/socketio/), speaking
Engine.IO v4 / Socket.IO v5 framing over the same websockets client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from websockets.asyncio.client import connect

STATE_PREFIX = '{"type":"roomStateUpdate"'
SIO_STATE_PREFIX = '42["roomStateUpdate",' + STATE_PREFIX


def state_version(text: str, prefix: str = STATE_PREFIX) -> int | None:
    """The top-level version of a roomStateUpdate without parsing the whole snapshot.

    The serializer writes type, event, roomCode, timestamp, then version, so the first
    `"version":` is the message's own; anything else falls back to json.
    """
    if not text.startswith(prefix):
        return None
    at = text.find('"version":')
    if at < 0:
        return None
    end = text.find(",", at)
    try:
        return int(text[at + 10 : end])
    except ValueError:
        body = json.loads(text[len(prefix) - len(STATE_PREFIX) :].removesuffix("]"))
        return body.get("version")


class LobbySocket:
    __slots__ = (
        "code", "player_id", "conn", "arrivals", "max_version", "pending", "reader", "recording", "closed",
        "state_bytes",
    )  # fmt: skip
    state_prefix = STATE_PREFIX

    def __init__(self, code: str, player_id: str):
        self.code = code
        self.player_id = player_id
        self.conn = None
        self.arrivals: list[tuple[float, int]] = []  # (perf_counter, version) while recording
        self.max_version = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.reader: asyncio.Task | None = None
        self.recording = False
        self.closed = False
        self.state_bytes = 0  # size of the last roomStateUpdate received

    def url(self, ws_url: str) -> str:
        return f"{ws_url}/ws/rooms/{self.code}/"

    async def open(self, ws_url: str, token: str, timeout: float = 15.0) -> None:
        """Connect, authenticate and wait for the first snapshot (proof the seat is live)."""
        self.conn = await connect(
            self.url(ws_url),
            compression=None,  # permessage-deflate off, as the servers are run
            ping_interval=None,
            open_timeout=timeout,
            close_timeout=2,
            max_size=2**22,
            max_queue=64,
        )
        await asyncio.wait_for(self.authenticate(token), timeout)
        first = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read(first))
        await asyncio.wait_for(first, timeout)

    async def authenticate(self, token: str) -> None:
        await self.conn.send(json.dumps({"type": "auth", "token": token}))

    async def on_other(self, text: str, now: float) -> None:
        """A message that is not a roomStateUpdate: acks resolve their updateStatus calls."""
        message = json.loads(text)
        if message.get("type") == "ack":
            future = self.pending.pop(message.get("requestId"), None)
            if future is not None and not future.done():
                future.set_result((now, message))

    async def _read(self, first: asyncio.Future) -> None:
        prefix = self.state_prefix
        try:
            async for text in self.conn:
                now = time.perf_counter()
                version = state_version(text, prefix)
                if version is not None:
                    if self.recording:
                        self.arrivals.append((now, version))
                    if version > self.max_version:
                        self.max_version = version
                    self.state_bytes = len(text)
                    if not first.done():
                        first.set_result(version)
                    continue
                await self.on_other(text, now)
        except Exception as exc:  # a dropped socket is counted by the scenario, not raised here
            if not first.done():
                first.set_exception(exc)
        finally:
            self.closed = True
            if not first.done():
                first.set_exception(ConnectionError(f"closed: {getattr(self.conn, 'close_code', None)}"))
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("socket closed"))

    async def update_status(self, request_id: int, body: dict, timeout: float = 10.0) -> tuple[float, dict]:
        """Send updateStatus over this socket; returns (ack arrival time, ack)."""
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self.conn.send(json.dumps({"type": "updateStatus", "requestId": request_id, **body}))
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader


class SocketIOSocket(LobbySocket):
    """The Socket.IO peer's client: Engine.IO v4 over a plain WebSocket (no polling upgrade).

    Server "0{...}" opens; "40" joins the default namespace (answered "40{...}"); an event is
    "42[name, data]"; the server's ping "2" is answered "3". The room is joined with the
    event "join" {room, token}, answered with the room's snapshot as a "roomStateUpdate" event.
    """

    __slots__ = ()
    state_prefix = SIO_STATE_PREFIX

    def url(self, ws_url: str) -> str:
        return f"{ws_url}/socket.io/?EIO=4&transport=websocket"

    async def authenticate(self, token: str) -> None:
        opened = await self.conn.recv()
        if not opened.startswith("0"):
            raise ConnectionError(f"no Engine.IO open packet: {opened[:40]!r}")
        await self.conn.send("40")
        while True:
            text = await self.conn.recv()
            if text.startswith("40"):
                break
            if text == "2":
                await self.conn.send("3")
            elif text.startswith("44"):
                raise ConnectionError(f"namespace refused: {text[:80]}")
        await self.conn.send("42" + json.dumps(["join", {"room": self.code, "token": token}], separators=(",", ":")))

    async def on_other(self, text: str, now: float) -> None:
        if text == "2":
            await self.conn.send("3")

    async def update_status(self, request_id: int, body: dict, timeout: float = 10.0) -> tuple[float, dict]:
        raise NotImplementedError("the Socket.IO peer takes status updates over HTTP only")


async def open_many(sockets_and_tokens, ws_url: str, concurrency: int = 100, timeout: float = 15.0) -> dict:
    """Open sockets with bounded concurrency; returns timing and failures."""
    gate = asyncio.Semaphore(concurrency)
    failures: dict[str, int] = {}

    async def one(sock: LobbySocket, token: str) -> None:
        async with gate:
            try:
                await sock.open(ws_url, token, timeout)
            except Exception as exc:
                name = type(exc).__name__
                failures[name] = failures.get(name, 0) + 1
                await sock.close()
                sock.closed = True

    started = time.perf_counter()
    await asyncio.gather(*(one(sock, token) for sock, token in sockets_and_tokens))
    elapsed = time.perf_counter() - started
    opened = sum(1 for sock, _ in sockets_and_tokens if not sock.closed)
    return {
        "opened": opened,
        "failed": sum(failures.values()),
        "failures": failures,
        "seconds": round(elapsed, 3),
        "per_second": round(opened / elapsed, 1) if elapsed else None,
    }
