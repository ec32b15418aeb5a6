"""Drive the ASGI application in this process, on this test's event loop (the lean path's tests)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from gamebuddies import aredis, pg
from rooms.broadcast import broadcaster


@dataclass
class AsgiResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    def json(self):
        return json.loads(self.content)

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]


async def asgi_request(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict | None = None,
    client_ip: str = "203.0.113.7",
    content_type: str | None = "application/json",
) -> AsgiResponse:
    from gamebuddies.asgi import application

    raw_path, _, query = path.partition("?")
    all_headers = {"host": "testserver", **({"content-type": content_type} if content_type else {})}
    if body:
        all_headers["content-length"] = str(len(body))
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in all_headers.items()],
        "client": (client_ip, 50000),
        "server": ("testserver", 80),
    }
    sent = False
    response = AsgiResponse(status=0)

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a server: the client stays until the answer is sent

    async def send(message):
        if message["type"] == "http.response.start":
            response.status = message["status"]
            for key, value in message.get("headers", []):
                name = key.decode("latin-1").lower()
                if name in response.headers:  # several Vary or Set-Cookie lines read as one
                    response.headers[name] += ", " + value.decode("latin-1")
                else:
                    response.headers[name] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            response.content += message.get("body", b"")

    await application(scope, receive, send)
    return response


async def settle() -> None:
    """Let pending broadcasts finish, then close this loop's pools (the test's loop ends next)."""
    await broadcaster.drain()
    await pg.close_pools()
    await aredis.close_clients()
