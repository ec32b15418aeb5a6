"""Status updates, the write under test: over the REST API, or over the lobby socket.

The REST path (POST /api/v2/rooms/{code}/players/{id}/status with X-API-Key) is what game
servers use. While that API does not exist, the same service (update_player_status)
is driven through the lobby WebSocket `updateStatus` message, and the JSON says so.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from .lobby import LobbySocket
from .rawhttp import RawHttpClient


@dataclass(slots=True)
class WriteResult:
    index: int
    room: str
    sent: float
    acked: float
    ok: bool
    version: int | None
    error: str | None = None


def status_body(index: int) -> dict:
    return {"status": "connected", "metadata": {"n": index}}


class HttpWriter:
    mode = "http"

    def __init__(self, base_url: str, api_key: str, max_connections: int = 256, client: str = "raw"):
        self.client_kind = client
        if client == "httpx":
            self.client = httpx.AsyncClient(
                base_url=base_url,
                headers={"X-API-Key": api_key},
                limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
                timeout=httpx.Timeout(10.0),
            )
            self.errors = (httpx.HTTPError,)
        else:
            url = urlsplit(base_url)
            self.client = RawHttpClient(url.hostname, url.port, {"X-API-Key": api_key}, max_connections)
            self.errors = (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError)

    async def update(self, index: int, room: str, player_id: str) -> WriteResult:
        sent = time.perf_counter()  # includes any wait for a free connection: open-loop honest
        path = f"/api/v2/rooms/{room}/players/{player_id}/status"
        try:
            response = await self.client.post(path, json=status_body(index))
        except self.errors as exc:
            return WriteResult(index, room, sent, time.perf_counter(), False, None, type(exc).__name__)
        acked = time.perf_counter()
        if response.status_code != 200:
            return WriteResult(index, room, sent, acked, False, None, f"http_{response.status_code}")
        version = response.json().get("roomVersion")
        return WriteResult(index, room, sent, acked, isinstance(version, int), version, None)

    async def aclose(self) -> None:
        await self.client.aclose()


class SocketWriter:
    """Each player writes over their own lobby socket (the per-socket budget is 10 msg/s)."""

    mode = "websocket"

    def __init__(self, sockets: dict[str, LobbySocket]):
        self.sockets = sockets

    async def update(self, index: int, room: str, player_id: str) -> WriteResult:
        sock = self.sockets.get(player_id)
        sent = time.perf_counter()
        if sock is None or sock.closed:
            return WriteResult(index, room, sent, sent, False, None, "socket_closed")
        try:
            acked, ack = await sock.update_status(index, status_body(index))
        except Exception as exc:
            return WriteResult(index, room, sent, time.perf_counter(), False, None, type(exc).__name__)
        if not ack.get("success"):
            code = (ack.get("error") or {}).get("code", "error")
            return WriteResult(index, room, sent, acked, False, None, f"ack_{code}")
        return WriteResult(index, room, sent, acked, True, ack.get("version"), None)

    async def aclose(self) -> None:
        return None


async def probe_http_api(base_url: str, api_key: str | None, room: str, player_id: str) -> tuple[bool, str]:
    """Can status updates go over the REST API? (False, why) when not (yet)."""
    if not api_key:
        return False, "no API key (manage.py create_api_key not available)"
    writer = HttpWriter(base_url, api_key, max_connections=1)
    try:
        result = await writer.update(0, room, player_id)
    finally:
        await writer.aclose()
    if result.ok:
        return True, "REST API"
    return False, f"REST status endpoint answered {result.error}"
