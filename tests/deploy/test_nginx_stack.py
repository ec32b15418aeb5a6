"""`make run-real`'s set-up, started through the same launcher: nginx in front of two Uvicorn
processes on ports of their own, plus the background worker (issue: operations).

A room is created over HTTP through nginx, a socket upgraded through nginx receives the
broadcast of a change made by another request, static files come from nginx, bodies over
MAX_JSON_BODY_BYTES stop at nginx, and its access log never shows a query string.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
import urllib.error
import urllib.request

import pytest
import websockets.exceptions
import websockets.sync.client
from django.conf import settings

from deploy.stack import STATIC_ROOT, Stack, free_port
from tests.factories import make_room
from tests.gameapi.client import make_key
from tests.live import server_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SECRET_IN_QUERY = "gbs_" + "QueryStringSecretNeverLogged" * 2


def _request(url: str, *, body: bytes | None = None, headers: dict | None = None, method: str | None = None):
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _api(url: str, raw_key: str, path: str, payload: dict) -> dict:
    headers = {"X-API-Key": raw_key, "Content-Type": "application/json"}
    status, _, body = _request(f"{url}/api/v2{path}", body=json.dumps(payload).encode(), headers=headers)
    assert status == 201, body
    return json.loads(body)


def _next_state(ws) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] == "roomStateUpdate":
            return message


CONN_PER_IP = 4


@pytest.fixture
def stack(tmp_path):
    """Per test: a stack outliving one test would hold the test database while it is flushed."""
    assert settings.STATIC_ROOT == STATIC_ROOT  # what nginx serves is what collectstatic fills
    log = tmp_path / "stack.log"
    # Append mode: nginx reopens /dev/stdout for its access log, and appends must not be overwritten.
    output = open(log, "ab")  # noqa: SIM115 - closed below
    running = Stack(port=free_port(), workers=2, env=server_env(), output=output, conn_per_ip=CONN_PER_IP)
    running.log_path = log
    try:
        running.start()
        yield running
    finally:
        running.stop()
        output.close()


def test_a_room_created_through_nginx_is_broadcast_to_a_socket_upgraded_through_nginx(stack):
    raw_key, _ = make_key()
    assert len(stack.upstreams) == 2 and len(set(stack.upstreams)) == 2  # two processes, two ports

    created = _api(stack.url, raw_key, "/rooms", {"hostName": "Host"})
    code, token = created["roomCode"], created["host"]["sessionToken"]
    ws_url = stack.url.replace("http://", "ws://") + f"/ws/rooms/{code}/"
    with websockets.sync.client.connect(ws_url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        connected = _next_state(ws)
        assert connected["roomCode"] == code

        # Another request, on whichever process nginx picks: the change reaches the socket.
        for number in range(3):
            _api(stack.url, raw_key, f"/rooms/{code}/players", {"name": f"Guest {number}"})
        versions = [_next_state(ws)["version"] for _ in range(3)]
        assert versions == sorted(versions) and versions[-1] > connected["version"]


def test_nginx_serves_static_files_limits_bodies_and_logs_no_query_strings(stack):
    status, headers, body = _request(f"{stack.url}/static/gamebuddies/sdk.js")
    assert status == 200 and body
    assert headers.get("Access-Control-Allow-Origin") == "*"
    assert "javascript" in headers.get("Content-Type", "")
    assert headers.get("Server") == "nginx"  # not the app: it runs with SERVE_STATIC=0 here

    status, _, _ = _request(
        f"{stack.url}/api/v2/rooms", body=b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), method="POST"
    )
    assert status == 413

    status, headers, _ = _request(f"{stack.url}/r/ABCDEF?client=game&token={SECRET_IN_QUERY}")
    assert status in {200, 302, 404}
    assert len(headers.get("X-Request-Id", "")) == 32  # nginx's $request_id, kept by the app

    time.sleep(0.5)
    log = stack.log_path.read_text(errors="replace")
    assert '"GET /r/ABCDEF HTTP/1.1" ' in log  # the access line, with the path only
    assert SECRET_IN_QUERY not in log and SECRET_IN_QUERY[4:24] not in log


def test_connections_past_the_per_ip_cap_get_429_and_slow_headers_are_cut_off(stack):
    """Issue 18 #12: no per-IP cap, and 300 connections trickling their headers were all held."""
    room, _ = make_room()  # a real room: its sockets stay open, waiting for their auth message
    ws_url = stack.url.replace("http://", "ws://") + f"/ws/rooms/{room.room_code}/"
    with contextlib.ExitStack() as opened:
        for _ in range(CONN_PER_IP):
            opened.enter_context(websockets.sync.client.connect(ws_url, open_timeout=10))
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            opened.enter_context(websockets.sync.client.connect(ws_url, open_timeout=10))
        assert refused.value.response.status_code == 429

    # Headers never finished: nginx drops the connection after client_header_timeout (10 s).
    host, port = stack.url.removeprefix("http://").split(":")
    slow = []
    for _ in range(20):
        connection = socket.create_connection((host, int(port)), timeout=20)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow.append(connection)
    started = time.monotonic()
    try:
        for connection in slow:
            answer = connection.recv(1024)  # blocks until nginx gives up on the headers
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < 15
    finally:
        for connection in slow:
            connection.close()
