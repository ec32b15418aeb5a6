"""A PostgreSQL TCP proxy that counts what the server under test asks the database.

Runs in its own thread (the server connects through it while the harness's own loop is
not running). It forwards bytes unchanged and parses only the client-to-server stream of
the v3 wire protocol: untyped startup packets (SSLRequest, GSSENCRequest, StartupMessage),
then typed messages. Counted: `Q` (simple query) and `E` (Execute) as statements; `Q` and
`S` (Sync, which ends an extended-protocol batch) as round trips. This counts whatever
talks to PostgreSQL, Django's ORM or a raw psycopg pool alike, which a Django-side query
counter would not. Plain TCP only: with TLS negotiated the counts would be meaningless
(the bench's PostgreSQL has ssl off; a TLS session is reported as `tls_sessions`).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

PROTOCOL_3 = 196608  # StartupMessage's version code; SSL/GSS/cancel requests use other codes
TLS_HANDSHAKE = 0x16  # first byte of a TLS record: the server accepted an SSLRequest


class QueryCountingProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.simple = self.execute = self.sync = self.tls_sessions = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # -- control (from the harness's thread) -------------------------------------------
    def start(self) -> int:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="pg-counting-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.port

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shutdown() -> None:
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def counts(self) -> dict:
        return {
            "statements": self.simple + self.execute,
            "round_trips": self.simple + self.sync,
            "tls_sessions": self.tls_sessions,
        }

    # -- proxy (on its own loop) --------------------------------------------------------
    async def _handle(self, client_reader, client_writer) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        pumps = [
            asyncio.ensure_future(self._count_and_forward(client_reader, upstream_writer)),
            asyncio.ensure_future(_forward(upstream_reader, client_writer)),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # stop(): the proxy is going away
        finally:
            for task in pumps:
                task.cancel()
            for writer in (client_writer, upstream_writer):
                writer.close()

    async def _count_and_forward(self, reader, writer) -> None:
        buffer = bytearray()
        startup = True
        while data := await reader.read(65536):
            writer.write(data)
            if startup and not buffer and data[0] == TLS_HANDSHAKE:
                self.tls_sessions += 1
                await _forward(reader, writer)  # encrypted: nothing more to count here
                return
            buffer += data
            while True:
                if startup:
                    if len(buffer) < 8:
                        break
                    length = int.from_bytes(buffer[0:4], "big")
                    if len(buffer) < length:
                        break
                    code = int.from_bytes(buffer[4:8], "big")
                    del buffer[:length]
                    startup = code != PROTOCOL_3
                    continue
                if len(buffer) < 5:
                    break
                size = 1 + int.from_bytes(buffer[1:5], "big")
                if len(buffer) < size:
                    break
                kind = buffer[0]
                if kind == 0x51:  # Q
                    self.simple += 1
                elif kind == 0x45:  # E
                    self.execute += 1
                elif kind == 0x53:  # S
                    self.sync += 1
                del buffer[:size]
            await writer.drain()


async def _forward(reader, writer) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
