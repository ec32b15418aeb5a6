"""Every API request is logged to ApiRequest in batches, and no key or token reaches a log or a row."""

from __future__ import annotations

import logging
import time

import pytest

from gameapi import request_log
from gameapi.models import ApiRequest
from tests.factories import make_room

from .client import ApiClient, make_key

pytestmark = pytest.mark.django_db


def test_requests_are_buffered_then_written_in_one_batch_with_key_path_status_and_request_id():
    raw, key = make_key()
    client = ApiClient(raw)
    room, _ = make_room()
    ok = client.get(f"/rooms/{room.room_code}", headers={"X-Request-Id": "trace-0001-abcdef"})
    missing = client.get("/rooms/ZZZZZZ")
    ApiClient().get("/keys/validate")  # without a key: counted in a metric, not a row (issue 18 #5)
    assert not ApiRequest.objects.exists()  # nothing written during the requests
    assert request_log.flush() == 2
    rows = list(ApiRequest.objects.order_by("id"))
    assert [(r.api_key_id, r.method, r.path, r.status_code) for r in rows] == [
        (key.pk, "GET", f"/api/v2/rooms/{room.room_code}", 200),
        (key.pk, "GET", "/api/v2/rooms/ZZZZZZ", 404),
    ]
    assert [r.request_id for r in rows] == ["trace-0001-abcdef", missing["X-Request-Id"]]
    assert ok["X-Request-Id"] == "trace-0001-abcdef"
    assert all(r.duration_ms >= 0 for r in rows)


def test_schema_and_docs_requests_without_a_key_are_counted_not_logged():
    from django.test import Client
    from prometheus_client import REGISTRY

    def counted() -> float:
        return REGISTRY.get_sample_value("gamebuddies_api_unauthenticated_requests_total", {"status": "200"}) or 0

    before = counted()
    Client().get("/api/v2/schema/")
    request_log.flush()
    assert counted() == before + 1
    assert not ApiRequest.objects.filter(path="/api/v2/schema/").exists()


def test_a_full_batch_is_written_without_waiting(settings):
    settings.GAME_API_REQUEST_LOG_BATCH = 3
    raw, _ = make_key()
    client = ApiClient(raw)
    for _ in range(3):
        client.get("/keys/validate")
    assert ApiRequest.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_writes_rows_without_a_request_waiting_for_it(settings):
    settings.GAME_API_REQUEST_LOG_BACKGROUND = True
    settings.GAME_API_REQUEST_LOG_INTERVAL_SECONDS = 0.05
    raw, _ = make_key()
    try:
        ApiClient(raw).get("/keys/validate")
        deadline = time.monotonic() + 10
        while not ApiRequest.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ApiRequest.objects.filter(path="/api/v2/keys/validate", status_code=200).count() == 1
    finally:
        request_log.buffer.stop()


def test_a_failing_flush_drops_rows_without_raising(monkeypatch):
    raw, _ = make_key()
    ApiClient(raw).get("/keys/validate")

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ApiRequest.objects, "bulk_create", broken)
    assert request_log.flush() == 0
    assert request_log.buffer.pending == 0


def test_no_key_or_token_reaches_logs_or_request_rows_in_a_full_flow(caplog, quiz_game):
    caplog.set_level(logging.DEBUG)
    raw, _ = make_key()
    client = ApiClient(raw)
    created = client.post("/rooms", {"hostName": "Mia", "game": "quiz"}, headers={"Idempotency-Key": "flow-1"})
    code = created.json()["roomCode"]
    host_token = created.json()["host"]["sessionToken"]
    seat = client.post(f"/rooms/{code}/players", {"name": "Jonas"}).json()
    secrets = [raw, host_token, seat["sessionToken"]]
    client.post("/sessions/validate", {"sessionToken": seat["sessionToken"]})
    client.post("/rooms", {"hostName": "Mia", "game": "quiz"}, headers={"Idempotency-Key": "flow-1"})  # replay
    client.post(f"/rooms/{code}/players/{seat['playerId']}/status", {"status": "in_game", "location": "game"})
    client.post(f"/rooms/{code}/players/{seat['playerId']}/heartbeat")
    client.post(f"/rooms/{code}/game-end", {"gameResult": {"winner": seat["playerId"]}})
    client.put(f"/rooms/{code}/game-state", {"game": "quiz", "state": {"round": 1}})
    client.get(f"/rooms/{code}/events")
    # Misuse: the key and a token in the query string, a bad key, a wrong-scope key.
    client.client.get(f"/api/v2/rooms/{code}?api_key={raw}&sessionToken={host_token}")
    ApiClient(raw[:-1] + "0").get("/keys/validate")
    client.post(f"/rooms/{code}/players", raw=b'{"name": "' + host_token.encode() + b'",')
    request_log.flush()
    rows = list(ApiRequest.objects.values_list("method", "path", "request_id", "status_code"))
    assert len(rows) >= 10  # every request made with the valid key
    row_text = repr(rows)
    assert all("?" not in path for _, path, _, _ in rows)
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in row_text
