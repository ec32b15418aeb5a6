"""A minimal keep-alive HTTP/1.1 JSON client for the load generator.

Why not only httpx: on this 2-core box the generator shares the CPU with the server.
httpx cost about 4 ms of generator CPU per request, and under an open-loop backlog its
connection pool rescans every queued request on each assignment, so the generator
itself became the bottleneck (measured; docs/performance.md). This client does only
what the benchmark needs: POST/GET JSON over a fixed pool of persistent connections,
Content-Length or chunked bodies. `--http-client httpx` switches back.
"""

from __future__ import annotations

import asyncio
import json

_dumps = json.dumps


class RawResponse:
    __slots__ = ("status_code", "body")

    def __init__(self, status_code: int, body: bytes):
        self.status_code = status_code
        self.body = body

    def json(self):
        return json.loads(self.body)


class RawHttpClient:
    def __init__(self, host: str, port: int, headers: dict[str, str], max_connections: int = 64, timeout=10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._idle: asyncio.Queue = asyncio.Queue()
        self._slots = asyncio.Semaphore(max_connections)
        self._all: list[asyncio.StreamWriter] = []

    async def post(self, path: str, json: dict) -> RawResponse:  # noqa: A002 - httpx's keyword
        body = _dumps(json, separators=(",", ":")).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self._fixed}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return await asyncio.wait_for(self._request(head.encode() + body), self.timeout)

    async def _request(self, raw: bytes) -> RawResponse:
        async with self._slots:
            reader, writer = await self._connection()
            try:
                writer.write(raw)
                response, keep = await _read_response(reader)
            except BaseException:
                writer.close()
                raise
            if keep:
                self._idle.put_nowait((reader, writer))
            else:
                writer.close()
            return response

    async def _connection(self):
        while not self._idle.empty():
            reader, writer = self._idle.get_nowait()
            if not writer.is_closing() and not reader.at_eof():
                return reader, writer
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._all.append(writer)
        return reader, writer

    async def aclose(self) -> None:
        for writer in self._all:
            writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[RawResponse, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.read()
        return RawResponse(status, body), False
    keep = headers.get("connection", "").lower() != "close"
    return RawResponse(status, body), keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
