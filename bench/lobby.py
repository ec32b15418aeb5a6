"""A lobby WebSocket client that records when each room version arrived.

Authenticates the way a game server or SDK does: no Origin header, then
{"type": "auth", "token": ...} as the first message. Every `roomStateUpdate` is
timestamped on arrival; acks resolve the `updateStatus` calls waiting on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from websockets.asyncio.client import connect

STATE_PREFIX = '{"type":"roomStateUpdate"'


def state_version(text: str) -> int | None:
    """The top-level version of a roomStateUpdate without parsing the whole snapshot.

    The serializer writes type, event, roomCode, timestamp, then version, so the first
    `"version":` is the message's own; anything else falls back to json.
    """
    if not text.startswith(STATE_PREFIX):
        return None
    at = text.find('"version":')
    if at < 0:
        return None
    end = text.find(",", at)
    try:
        return int(text[at + 10 : end])
    except ValueError:
        return json.loads(text).get("version")


class LobbySocket:
    __slots__ = ("code", "player_id", "conn", "arrivals", "max_version", "pending", "reader", "recording", "closed")

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

    async def open(self, ws_url: str, token: str, timeout: float = 15.0) -> None:
        """Connect, authenticate and wait for the first snapshot (proof the seat is live)."""
        self.conn = await connect(
            f"{ws_url}/ws/rooms/{self.code}/",
            compression=None,  # permessage-deflate off, as the servers are run
            ping_interval=None,
            open_timeout=timeout,
            close_timeout=2,
            max_size=2**22,
            max_queue=64,
        )
        await self.conn.send(json.dumps({"type": "auth", "token": token}))
        first = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read(first))
        await asyncio.wait_for(first, timeout)

    async def _read(self, first: asyncio.Future) -> None:
        try:
            async for text in self.conn:
                now = time.perf_counter()
                version = state_version(text)
                if version is not None:
                    if self.recording:
                        self.arrivals.append((now, version))
                    if version > self.max_version:
                        self.max_version = version
                    if not first.done():
                        first.set_result(version)
                    continue
                message = json.loads(text)
                if message.get("type") == "ack":
                    future = self.pending.pop(message.get("requestId"), None)
                    if future is not None and not future.done():
                        future.set_result((now, message))
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
