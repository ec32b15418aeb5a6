"""Tiered rate limits per API key: 429 RATE_LIMITED with Retry-After, per-key overrides."""

from __future__ import annotations

import pytest

from gameapi.throttles import rate_for
from rooms.models import Room
from tests.factories import make_room

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def assert_limited(response) -> None:
    body = assert_envelope(response, "RATE_LIMITED", 429)
    assert body["retryable"] is True
    assert 1 <= body["retryAfter"] <= 60
    assert response["Retry-After"] == str(body["retryAfter"])


def test_default_tiers_are_the_documented_ones():
    _, key = make_key()
    assert {t: rate_for(key, t) for t in ("validation", "status", "bulk", "heartbeat")} == {
        "validation": "100/m",
        "status": "60/m",
        "bulk": "10/m",
        "heartbeat": "120/m",
    }


def test_a_key_override_replaces_its_tier_and_bad_overrides_are_refused():
    _, key = make_key(rate_limits={"status": "120/m"})
    assert rate_for(key, "status") == "120/m" and rate_for(key, "bulk") == "10/m"
    from gamebuddies.errors import ValidationError

    with pytest.raises(ValidationError):
        make_key(rate_limits={"status": "lots"})
    with pytest.raises(ValidationError):
        make_key(rate_limits={"everything": "1/m"})


def test_validation_tier_allows_100_a_minute_per_key_then_429():
    raw, _ = make_key()
    client = ApiClient(raw)
    assert {client.get("/keys/validate").status_code for _ in range(100)} == {200}
    assert_limited(client.get("/keys/validate"))
    other, _ = make_key()
    assert ApiClient(other).get("/keys/validate").status_code == 200


def test_status_tier_counts_per_room():
    raw, _ = make_key(rate_limits={"status": "2/m"})
    client = ApiClient(raw)
    room_a, seats_a = make_room(in_game=True, players=2)
    room_b, seats_b = make_room(in_game=True, players=2)
    path_a = f"/rooms/{room_a.room_code}/players/{seats_a[1].player.pk}/status"
    for status in ("in_game", "lobby"):
        assert client.post(path_a, {"status": status}).status_code == 200
    version = Room.objects.get(pk=room_a.pk).version
    assert_limited(client.post(path_a, {"status": "in_game"}))
    assert Room.objects.get(pk=room_a.pk).version == version
    path_b = f"/rooms/{room_b.room_code}/players/{seats_b[1].player.pk}/status"
    assert client.post(path_b, {"status": "in_game"}).status_code == 200


def test_heartbeat_tier_counts_per_player():
    raw, _ = make_key(rate_limits={"heartbeat": "2/m"})
    client = ApiClient(raw)
    room, seats = make_room(players=2)
    first = f"/rooms/{room.room_code}/players/{seats[0].player.pk}/heartbeat"
    assert [client.post(first).status_code for _ in range(2)] == [200, 200]
    assert_limited(client.post(first))
    assert client.post(f"/rooms/{room.room_code}/players/{seats[1].player.pk}/heartbeat").status_code == 200


def test_bulk_tier_limits_bulk_updates_per_key():
    raw, _ = make_key(rate_limits={"bulk": "1/m"})
    client = ApiClient(raw)
    room, seats = make_room(in_game=True, players=2)
    body = {"players": [{"playerId": str(seats[1].player.pk), "location": "game"}]}
    assert client.post(f"/rooms/{room.room_code}/bulk-status", body).status_code == 200
    assert_limited(client.post(f"/rooms/{room.room_code}/bulk-status", body))


def test_api_room_creation_is_limited_per_key(settings):
    settings.GAME_API_RATE_LIMITS = {**settings.GAME_API_RATE_LIMITS, "room_create": "2/m"}
    raw, _ = make_key()
    client = ApiClient(raw)
    assert [client.post("/rooms", {"hostName": "A"}).status_code for _ in range(2)] == [201, 201]
    assert_limited(client.post("/rooms", {"hostName": "A"}))
    assert Room.objects.count() == 2
    other, _ = make_key()
    assert ApiClient(other).post("/rooms", {"hostName": "B"}).status_code == 201
