"""Idempotency-Key replays, key reuse, in-flight duplicates, and deduplication without the header."""

from __future__ import annotations

import hashlib
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection

from gameapi import idempotency_store
from gameapi.models import ApiKey, IdempotencyRecord
from rooms import services
from rooms.models import Room, RoomMember
from tests.factories import make_room

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def test_retry_with_same_key_and_body_replays_without_changing_anything(api):
    headers = {"Idempotency-Key": "create-1"}
    first = api.post("/rooms", {"hostName": "Mia", "maxPlayers": 4}, headers=headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    # Same JSON, other key order: the same request.
    again = api.send("POST", "/rooms", raw=b'{"maxPlayers": 4,  "hostName": "Mia"}', headers=headers)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Room.objects.count() == 1


def test_status_update_replay_keeps_update_id_and_version(api):
    room, seats = make_room(in_game=True, players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    headers = {"Idempotency-Key": "status-7"}
    first = api.post(path, {"status": "in_game", "location": "game"}, headers=headers).json()
    replay = api.post(path, {"status": "in_game", "location": "game"}, headers=headers)
    assert replay.json() == first and replay["Idempotent-Replayed"] == "true"
    assert Room.objects.get(pk=room.pk).version == first["roomVersion"]


def test_same_key_with_another_body_is_422_and_changes_nothing(api):
    headers = {"Idempotency-Key": "create-2"}
    api.post("/rooms", {"hostName": "Mia"}, headers=headers)
    response = api.post("/rooms", {"hostName": "Someone else"}, headers=headers)
    assert assert_envelope(response, "IDEMPOTENCY_KEY_REUSED", 422)["retryable"] is False
    assert Room.objects.count() == 1


def test_same_key_on_another_path_is_422(api):
    room, _ = make_room()
    headers = {"Idempotency-Key": "k"}
    api.post(f"/rooms/{room.room_code}/players", {"name": "A"}, headers=headers)
    assert_envelope(api.post("/rooms", {"name": "A"}, headers=headers), "IDEMPOTENCY_KEY_REUSED", 422)


def test_idempotency_keys_belong_to_one_api_key(api):
    headers = {"Idempotency-Key": "shared"}
    api.post("/rooms", {"hostName": "Mia"}, headers=headers)
    other_raw, _ = make_key()
    response = ApiClient(other_raw).post("/rooms", {"hostName": "Mia"}, headers=headers)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Room.objects.count() == 2


def test_retryable_errors_are_not_stored_so_the_retry_really_runs(db):
    raw, key = make_key(rate_limits={"room_create": "1/m"})
    client = ApiClient(raw)
    assert client.post("/rooms", {"hostName": "A"}).status_code == 201
    headers = {"Idempotency-Key": "after-429"}
    assert_envelope(client.post("/rooms", {"hostName": "B"}, headers=headers), "RATE_LIMITED", 429)
    key.rate_limits = {"room_create": "10/m"}
    key.save(update_fields=["rate_limits"])
    retry = client.post("/rooms", {"hostName": "B"}, headers=headers)
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert Room.objects.count() == 2


def test_stored_responses_do_not_reveal_session_tokens_in_the_cache(api):
    response = api.post("/rooms", {"hostName": "Mia"}, headers={"Idempotency-Key": "secret-check"})
    token = response.json()["host"]["sessionToken"]
    key_id = ApiKey.objects.get().pk
    record = cache.get(f"gameapi:idem:{key_id}:{hashlib.sha256(b'secret-check').hexdigest()}")
    assert record is not None and record["state"] == "done"
    assert token.encode() not in pickle.dumps(record)


@pytest.mark.parametrize("value", ["x" * 256, ""])
def test_malformed_idempotency_key_is_400(api, value):
    response = api.post("/rooms", {"hostName": "Mia"}, headers={"Idempotency-Key": value})
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "Idempotency-Key"
    assert not Room.objects.exists()


class BlockingStatusUpdate:
    """Wraps the real service so the first call waits until the test releases it."""

    def __init__(self, real):
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls == 1:
            self.entered.set()
            assert self.release.wait(10), "test never released the first request"
        return self.real(**kwargs)


def in_thread(executor, fn):
    def run():
        try:
            return fn()
        finally:
            connection.close()

    return executor.submit(run)


@pytest.fixture
def blocked(monkeypatch):
    blocker = BlockingStatusUpdate(services.update_player_status)
    monkeypatch.setattr(services, "update_player_status", blocker)
    return blocker


@pytest.mark.django_db(transaction=True)
def test_duplicate_while_the_first_is_in_flight_is_409_duplicate_request_then_replays(blocked):
    raw, _ = make_key()
    client = ApiClient(raw)
    room, seats = make_room(in_game=True, players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    body, headers = {"status": "in_game", "location": "game"}, {"Idempotency-Key": "slow-1"}
    with ThreadPoolExecutor(1) as executor:
        first = in_thread(executor, lambda: ApiClient(raw).post(path, body, headers=headers))
        assert blocked.entered.wait(10)
        duplicate = client.post(path, body, headers=headers)
        blocked.release.set()
        first_response = first.result(10)
    assert assert_envelope(duplicate, "DUPLICATE_REQUEST", 409)["retryable"] is True
    assert first_response.status_code == 200
    replay = client.post(path, body, headers=headers)
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first_response.json()
    assert blocked.calls == 1
    assert RoomMember.objects.get(pk=seats[1].member.pk).version == seats[1].member.version + 1


@pytest.mark.django_db(transaction=True)
def test_identical_requests_without_the_header_are_deduplicated_only_while_in_flight(blocked):
    raw, _ = make_key()
    client = ApiClient(raw)
    room, seats = make_room(in_game=True, players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    body = {"status": "in_game", "location": "game", "metadata": {"n": 1}}
    with ThreadPoolExecutor(1) as executor:
        first = in_thread(executor, lambda: ApiClient(raw).post(path, body))
        assert blocked.entered.wait(10)
        duplicate = client.post(path, body)
        different = client.post(path, {**body, "metadata": {"n": 2}})
        blocked.release.set()
        assert first.result(10).status_code == 200
    assert_envelope(duplicate, "DUPLICATE_REQUEST", 409)
    assert different.status_code == 200
    # Once the first has answered, the same request is new again (no header: no replay).
    again = client.post(path, body)
    assert again.status_code == 200 and "Idempotent-Replayed" not in again
    assert blocked.calls == 3


# -- the durable record (PostgreSQL or SQLite, with the change) -------------------------------------
def _forget_in_redis(key_id: int, idempotency_key: str) -> None:
    """What a Redis restart (or a 503 first answer, which Redis never keeps) leaves: no record there."""
    cache.delete(f"gameapi:idem:{key_id}:{hashlib.sha256(idempotency_key.encode()).hexdigest()}")


def test_a_change_with_an_idempotency_key_is_recorded_durably_and_replayed_from_there_when_redis_forgot(api):
    headers = {"Idempotency-Key": "durable-1"}
    first = api.post("/rooms", {"hostName": "Mia"}, headers=headers)
    assert first.status_code == 201
    key_id = ApiKey.objects.get().pk
    record = IdempotencyRecord.objects.get(api_key_id=key_id)
    assert record.status_code == 201
    # Sealed like the Redis record: the session token is not in the table.
    assert first.json()["host"]["sessionToken"].encode() not in bytes(record.response)

    _forget_in_redis(key_id, "durable-1")
    replay = api.post("/rooms", {"hostName": "Mia"}, headers=headers)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Room.objects.count() == 1
    # The replay went back into Redis: the next retry is answered from there.
    assert cache.get(f"gameapi:idem:{key_id}:{hashlib.sha256(b'durable-1').hexdigest()}")["state"] == "done"


def test_the_durable_record_refuses_the_key_for_another_body_when_redis_forgot(api):
    headers = {"Idempotency-Key": "durable-2"}
    assert api.post("/rooms", {"hostName": "Mia"}, headers=headers).status_code == 201
    key_id = ApiKey.objects.get().pk
    _forget_in_redis(key_id, "durable-2")
    reused = api.post("/rooms", {"hostName": "Someone else"}, headers=headers)
    assert_envelope(reused, "IDEMPOTENCY_KEY_REUSED", 422)
    # The slot is free again: the original request still replays its own answer.
    replay = api.post("/rooms", {"hostName": "Mia"}, headers=headers)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert Room.objects.count() == 1


def test_requests_without_the_key_and_refused_changes_leave_no_durable_record(api):
    room, seats = make_room(in_game=True, players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    assert api.post(path, {"status": "in_game", "location": "game"}).status_code == 200
    refused = api.post(path, {"status": "lobby", "expectedVersion": 0}, headers={"Idempotency-Key": "stale"})
    assert refused.status_code == 409
    assert not IdempotencyRecord.objects.exists()


def test_a_record_written_by_another_request_first_makes_the_change_roll_back_as_a_duplicate(api):
    """Redis lost the in-flight claim (restarted) while two requests with one key ran: the
    record's unique key lets only one change commit; the other answers 409, changing nothing."""
    room, seats = make_room(in_game=True, players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    headers = {"Idempotency-Key": "racing"}
    key = ApiKey.objects.get()
    digest = hashlib.sha256(b"racing").hexdigest()
    real_find = idempotency_store.find

    def other_request_commits_meanwhile(**kwargs):
        found = real_find(**kwargs)  # nothing yet, as the second request saw it
        IdempotencyRecord.objects.create(
            api_key=key, key_hash=digest, fingerprint="0" * 64, status_code=200, response=b"x"
        )
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(idempotency_store, "find", other_request_commits_meanwhile)
        response = api.post(path, {"status": "in_game", "location": "game", "metadata": {"n": 9}}, headers=headers)
    assert assert_envelope(response, "DUPLICATE_REQUEST", 409)["retryable"] is True
    assert RoomMember.objects.get(pk=seats[1].member.pk).version == seats[1].member.version


def test_the_retention_sweep_deletes_idempotency_records_past_the_window_and_keeps_recent_ones(api, settings):
    from datetime import timedelta

    from django.utils import timezone

    from gameapi.retention import prune_api_requests

    settings.GAME_API_IDEMPOTENCY_TTL_SECONDS = 3600
    for n in range(3):
        assert api.post("/rooms", {"hostName": f"H{n}"}, headers={"Idempotency-Key": f"old-{n}"}).status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert api.post("/rooms", {"hostName": "New"}, headers={"Idempotency-Key": "recent"}).status_code == 201
    prune_api_requests(batch_size=2)
    assert list(IdempotencyRecord.objects.values_list("key_hash", flat=True)) == [
        hashlib.sha256(b"recent").hexdigest()
    ]
