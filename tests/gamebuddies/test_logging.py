"""Log lines: JSON in production, the request's context in every record, secrets never written,
Uvicorn's own lines included; error reporting only with SENTRY_DSN (issues: operations, security 18.9)."""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import zlib

import pytest
import websockets.sync.client
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model

from gamebuddies.asgi import application
from gamebuddies.logging import (
    ContextFilter,
    JsonLinesFormatter,
    ReadableFormatter,
    RedactSecretsFilter,
    log_context,
    logging_config,
)
from tests.factories import make_room
from tests.gameapi.client import ApiClient, make_key
from tests.gameapi.webhooks.receiver import Receiver
from tests.live import running_server

FAKE_TOKEN = "gbs_" + "T0kenThatMustNeverBeLogged" * 2


class Records(logging.Handler):
    """Keeps the records the console handler would write, after its filters."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RedactSecretsFilter())
        self.addFilter(ContextFilter())

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def records():
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)


def _line(formatter, message, *args, exc_info=None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecretsFilter())
    handler.addFilter(ContextFilter())
    handler.setFormatter(formatter)
    logger = logging.getLogger("gamebuddies.test_logging")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(message, *args, exc_info=exc_info)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_a_json_line_has_time_level_logger_message_and_the_known_context():
    with log_context(request_id="req-0123456789", room_code="ABC234", api_key_prefix="gb_1a2b3c4d", player_id="p-1"):
        line = _line(JsonLinesFormatter(), "seat taken with token=%s", FAKE_TOKEN)
    record = json.loads(line)
    assert {"time", "level", "logger", "message"} <= set(record)
    assert record["level"] == "WARNING" and record["logger"] == "gamebuddies.test_logging"
    assert record["message"] == "seat taken with token=[REDACTED]"
    assert record["request_id"] == "req-0123456789" and record["room_code"] == "ABC234"
    assert record["api_key_prefix"] == "gb_1a2b3c4d" and record["player_id"] == "p-1"
    assert line.count("\n") == 1 and FAKE_TOKEN not in line


def test_unknown_context_is_left_out_and_tracebacks_are_redacted_too():
    try:
        raise RuntimeError(f"bad session {FAKE_TOKEN}")
    except RuntimeError:
        line = _line(JsonLinesFormatter(), "failed", exc_info=True)
        readable = _line(ReadableFormatter(), "failed", exc_info=True)
    record = json.loads(line)
    assert "request_id" not in record and "room_code" not in record
    assert "RuntimeError" in record["exc_info"]
    assert FAKE_TOKEN not in line and FAKE_TOKEN not in readable
    assert " [-] failed" in readable


def test_production_settings_choose_json_lines_and_development_readable_ones():
    assert logging_config(level="INFO", json_lines=True)["handlers"]["console"]["formatter"] == "json"
    assert logging_config(level="INFO", json_lines=False)["handlers"]["console"]["formatter"] == "readable"
    config = logging_config(level="INFO", json_lines=True)
    # Uvicorn's lines go through the same redacting handler; its access log stays off.
    assert config["loggers"]["uvicorn"]["handlers"] == ["console"]
    assert config["loggers"]["uvicorn.access"] == {"handlers": [], "propagate": False}
    assert "redact_secrets" in config["handlers"]["console"]["filters"]


@pytest.mark.django_db
def test_every_record_of_a_page_request_carries_its_request_id(client, records):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right-password-123")
    client.post(
        "/admin/login/", {"username": "boss", "password": "wrong"}, headers={"X-Request-Id": "page-request-0001"}
    )
    failed = [r for r in records if "login failed" in r.getMessage()]
    assert failed and failed[0].request_id == "page-request-0001"
    # Nothing leaks into records logged after the request.
    logging.getLogger("gamebuddies.test_logging").warning("after")
    assert getattr(records[-1], "request_id", None) is None


@pytest.fixture
def no_request_log(settings):
    from gameapi import request_log

    settings.GAME_API_REQUEST_LOG_BACKGROUND = False
    request_log.buffer.discard()
    yield
    request_log.buffer.discard()


@pytest.mark.django_db
def test_api_records_carry_the_request_id_the_key_prefix_and_the_room_code(records, monkeypatch, no_request_log):
    import gameapi.authentication

    raw_key, key = make_key()
    room, _ = make_room()
    touch = gameapi.authentication.api_key_touch

    def touch_and_log(**kwargs):  # a log line from inside the request, after authentication
        logging.getLogger("gameapi.test").info("key used")
        return touch(**kwargs)

    monkeypatch.setattr(gameapi.authentication, "api_key_touch", touch_and_log)
    response = ApiClient(raw_key).get(f"/rooms/{room.room_code}", headers={"X-Request-Id": "api-request-0001"})
    assert response.status_code == 200
    record = next(r for r in records if r.getMessage() == "key used")
    assert record.request_id == "api-request-0001"
    assert record.api_key_prefix == key.key_prefix and record.room_code == room.room_code


@pytest.mark.django_db(transaction=True)
async def test_records_of_a_socket_message_carry_a_message_id_the_room_and_the_player(records, monkeypatch):
    import rooms.consumers

    room, seats = await database_sync_to_async(make_room)(players=1)

    def touch_and_log(**kwargs):  # runs on a database thread, like every socket service call
        logging.getLogger("rooms.test").info("ping handled")

    monkeypatch.setattr(rooms.consumers, "presence_touch", touch_and_log)
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.room_code}/")
    assert (await communicator.connect(timeout=3))[0]
    await communicator.send_json_to({"type": "auth", "token": seats[0].token})
    await communicator.send_json_to({"type": "ping"})
    while (await communicator.receive_json_from(timeout=3))["type"] != "pong":
        pass
    await communicator.disconnect()
    record = next(r for r in records if r.getMessage() == "ping handled")
    assert len(record.request_id) == 32
    assert record.room_code == room.room_code and record.player_id == str(seats[0].player.pk)


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.django_db(transaction=True)
def test_a_token_in_a_socket_query_string_never_reaches_the_server_output(log_format):
    room, seats = make_room()
    token = seats[0].token  # a game page's socket URL carries the player's real session token
    with running_server(env={"LOG_FORMAT": log_format}) as url:
        port = url.rsplit(":", 1)[1]
        socket_url = f"ws://127.0.0.1:{port}/ws/rooms/{room.room_code}/?client=game&token={token}"
        with websockets.sync.client.connect(socket_url, open_timeout=5) as socket:
            socket.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(socket.recv(timeout=5))["type"] in {"ack", "roomStateUpdate"}
    output = (settings.BASE_DIR / ".tmp" / f"live-server-{port}.log").read_text()
    handshake = [line for line in output.splitlines() if "WebSocket /ws/rooms/" in line]
    assert handshake, f"Uvicorn logged no handshake line:\n{output[-2000:]}"  # the line the test is about
    assert token not in output and token[4:24] not in output
    assert "token=[REDACTED]" in handshake[0]
    if log_format == "json":
        assert json.loads(handshake[0])["logger"].startswith("uvicorn")


def _run_django(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    environment.update(DJANGO_SETTINGS_MODULE="gamebuddies.settings", **env)
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_sentry_dsn_sentry_is_not_even_imported():
    result = _run_django("import sys\nprint('sentry_sdk' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def _decoded(headers: dict, body: bytes) -> str:
    encoding = headers.get("content-encoding", "")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    elif encoding == "br":
        import brotli

        body = brotli.decompress(body)
    return body.decode()


@pytest.mark.slow
def test_with_sentry_dsn_errors_are_reported_with_secrets_scrubbed():
    with Receiver() as receiver:
        dsn = receiver.url.replace("http://", "http://publickey@").replace("/hooks", "/1")
        result = _run_django(
            f"""
            import logging, sentry_sdk
            logging.getLogger("gamebuddies.test").error("seat lost for token=%s", {FAKE_TOKEN!r})
            try:
                raise ValueError("bad session {FAKE_TOKEN}")
            except ValueError:
                sentry_sdk.capture_exception()
            sentry_sdk.flush(timeout=10)
            """,
            SENTRY_DSN=dsn,
        )
        assert result.returncode == 0, result.stderr
        sent = "\n".join(_decoded(headers, body) for headers, body in receiver.received)
    assert "seat lost for token=[REDACTED]" in sent and "ValueError" in sent
    assert FAKE_TOKEN not in sent and FAKE_TOKEN[4:24] not in sent
