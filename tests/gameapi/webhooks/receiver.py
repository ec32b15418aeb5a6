"""A real HTTP receiver on loopback that records webhook deliveries.

`trickle` makes it a hostile receiver: it accepts the POST, then sends its answer one
byte at a time (`trickle_every` seconds apart) and never finishes, the way a receiver
stalled a worker in issue 18 #2. `delay` holds every answer that long before replying.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRICKLE_LIMIT_SECONDS = 60.0  # a trickling handler gives up by itself, so no thread outlives a test run


class Receiver:
    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.received_at: list[float] = []  # time.monotonic() of each POST
        self.status = 200
        self.delay = 0.0
        self.trickle: str | None = None  # "headers" or "body"
        self.trickle_every = 0.2
        self.hung_up: list[float] = []  # seconds each trickled answer lasted before the client hung up
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    receiver.received_at.append(time.monotonic())
                    receiver.active += 1
                    receiver.max_active = max(receiver.max_active, receiver.active)
                try:
                    if receiver.trickle:
                        self._trickle(receiver.trickle)
                        return
                    time.sleep(receiver.delay)
                    reply = b"ok" if receiver.status < 300 else b"nope"
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", str(len(reply)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply)
                finally:
                    with receiver._lock:
                        receiver.active -= 1

            def _trickle(self, part: str):
                started = time.monotonic()
                self.close_connection = True
                if part == "body":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                else:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while time.monotonic() - started < TRICKLE_LIMIT_SECONDS:
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        break
                    time.sleep(receiver.trickle_every)
                receiver.hung_up.append(time.monotonic() - started)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]
