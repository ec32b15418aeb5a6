"""Rooms through the API: create with the host seated, snapshot, seats, closed rooms, code guessing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from players.selectors import session_get_active
from rooms import services
from rooms.models import Room, RoomMember
from tests.factories import make_room

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def test_create_room_seats_the_host_and_returns_a_working_session_token(api, quiz_game):
    response = api.post("/rooms", {"hostName": "Mia", "game": "quiz", "maxPlayers": 6, "settings": {"rounds": 5}})
    assert response.status_code == 201, response.content
    body = response.json()
    room = Room.objects.get(room_code=body["roomCode"])
    assert (room.current_game_id, room.max_players, room.game_settings) == ("quiz", 6, {"rounds": 5})
    assert body["version"] == room.version == 1
    session = session_get_active(token=body["host"]["sessionToken"])
    assert str(session.player_id) == body["host"]["playerId"] == str(room.host_id)
    # A one-time claim code (never the token) rides in the fragment, which browsers never send to a server.
    assert body["host"]["lobbyUrl"].startswith("http")
    assert f"/rooms/{room.room_code}/claim#claim=gbc_" in body["host"]["lobbyUrl"]
    assert body["host"]["sessionToken"] not in body["host"]["lobbyUrl"]
    assert response["Cache-Control"] == "no-store"  # the answer holds a session token


def test_create_room_without_game_uses_defaults(api):
    response = api.post("/rooms", {"hostName": "Mia"})
    assert response.status_code == 201
    assert Room.objects.get(room_code=response.json()["roomCode"]).current_game_id is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "hostName"),
        ({"hostName": ""}, "hostName"),
        ({"hostName": 42}, "hostName"),
        ({"hostName": "x" * 25}, "hostName"),
        ({"hostName": "bad\u0007name"}, "hostName"),
        ({"hostName": "Mia", "maxPlayers": "8"}, "maxPlayers"),
        ({"hostName": "Mia", "maxPlayers": True}, "maxPlayers"),
        ({"hostName": "Mia", "maxPlayers": 0}, "maxPlayers"),
        ({"hostName": "Mia", "game": "quiz", "settings": "fast"}, "settings"),
        ({"hostName": "Mia", "game": "quiz", "settings": {"rounds": 99}}, "settings.rounds"),
        ({"hostName": "Mia", "game": "quiz", "settings": {"colour": "red"}}, "settings.colour"),
    ],
)
def test_create_room_validates_strictly_and_names_the_field(api, quiz_game, body, field):
    response = api.post("/rooms", body)
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == field
    assert not Room.objects.exists()


def test_create_room_with_unknown_game_is_404_game_not_found(api):
    response = api.post("/rooms", {"hostName": "Mia", "game": "chess"})
    assert assert_envelope(response, "GAME_NOT_FOUND", 404)["field"] == "game"


def test_game_bound_key_creates_rooms_for_its_game_only(quiz_game):
    from rooms.models import Game

    Game.objects.create(slug="draw", name="Draw", launch_url="https://games.example/draw")
    raw, _ = make_key(game_slug="quiz")
    client = ApiClient(raw)
    response = client.post("/rooms", {"hostName": "Mia"})
    assert Room.objects.get(room_code=response.json()["roomCode"]).current_game_id == "quiz"
    assert_envelope(client.post("/rooms", {"hostName": "Mia", "game": "draw"}), "FORBIDDEN", 403)
    assert Room.objects.count() == 1


def test_get_room_returns_the_standard_snapshot(api):
    room, seats = make_room(players=3)
    response = api.get(f"/rooms/{room.room_code.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == room.version == body["state"]["room"]["version"]
    assert body["state"]["room"]["code"] == room.room_code
    assert [p["id"] for p in body["state"]["players"]] == [str(s.player.pk) for s in seats]
    assert set(body["state"]["players"][0]) >= {"id", "name", "role", "isHost", "currentLocation", "status", "version"}


def test_get_room_query_count_does_not_grow_with_players(api):
    small, _ = make_room(players=2)
    large, _ = make_room(players=8)
    counts = []
    for room in (small, large):
        api.get(f"/rooms/{room.room_code}")  # warm the last-used stamp
        from django.core.cache import cache

        cache.delete(f"room-state:{room.pk}")
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/rooms/{room.room_code}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_unknown_room_is_404_room_not_found(api):
    assert_envelope(api.get("/rooms/ZZZZZZ"), "ROOM_NOT_FOUND", 404)
    assert_envelope(api.get("/rooms/not-a-code"), "ROOM_NOT_FOUND", 404)


def test_closed_room_is_410_room_closed(api, staff_actor):
    room, _ = make_room()
    services.room_close(room=room.pk, actor=staff_actor)
    assert_envelope(api.get(f"/rooms/{room.room_code}"), "ROOM_CLOSED", 410)


def test_seat_player_returns_id_token_and_version(api):
    room, _ = make_room()
    response = api.post(f"/rooms/{room.room_code}/players", {"name": "Jonas"})
    assert response.status_code == 201, response.content
    body = response.json()
    member = RoomMember.objects.get(room=room, player_id=body["playerId"])
    assert member.role == "player"
    assert body["version"] == Room.objects.get(pk=room.pk).version == room.version + 1
    assert str(session_get_active(token=body["sessionToken"]).player_id) == body["playerId"]


def test_seat_spectator_and_refuse_unknown_roles(api):
    room, _ = make_room()
    response = api.post(f"/rooms/{room.room_code}/players", {"name": "Eve", "role": "spectator"})
    assert RoomMember.objects.get(player_id=response.json()["playerId"]).role == "spectator"
    bad = api.post(f"/rooms/{room.room_code}/players", {"name": "Eve", "role": "host"})
    assert assert_envelope(bad, "VALIDATION_ERROR", 400)["field"] == "role"


def test_seat_in_a_full_room_is_409_room_full_and_changes_nothing(api):
    room, _ = make_room(players=2, max_players=2)
    response = api.post(f"/rooms/{room.room_code}/players", {"name": "Late"})
    assert_envelope(response, "ROOM_FULL", 409)
    assert RoomMember.objects.filter(room=room).count() == 2
    assert Room.objects.get(pk=room.pk).version == room.version


def test_unknown_code_lookups_from_one_ip_end_in_429_but_other_ips_still_work(api, settings):
    settings.ROOM_CODE_GUESS_RATE = "20/m"
    room, _ = make_room()
    statuses = [api.get(f"/rooms/ZZZZ{i:02d}").status_code for i in range(40)]
    assert statuses[:20] == [404] * 20
    assert set(statuses[20:]) == {429}
    # Every code route is closed to the guesser, known codes included, for the rest of the window.
    limited = api.get(f"/rooms/{room.room_code}")
    body = assert_envelope(limited, "RATE_LIMITED", 429)
    assert int(limited["Retry-After"]) == body["retryAfter"] >= 1
    assert_envelope(api.post(f"/rooms/{room.room_code}/players", {"name": "Guess"}), "RATE_LIMITED", 429)
    other = ApiClient(api.raw_key, ip="198.51.100.9")
    assert other.get(f"/rooms/{room.room_code}").status_code == 200


def test_every_code_route_counts_unknown_codes_toward_the_same_limit(api, settings):
    settings.ROOM_CODE_GUESS_RATE = "8/m"
    room, seats = make_room()
    pid = seats[0].player.pk
    misses = [
        api.post("/rooms/ZZZZZZ/players", {"name": "X"}),
        api.post(f"/rooms/ZZZZZZ/players/{pid}/status", {"status": "lobby"}),
        api.post(f"/rooms/ZZZZZZ/players/{pid}/heartbeat"),
        api.post("/rooms/ZZZZZZ/bulk-status", {"players": [{"playerId": str(pid), "location": "lobby"}]}),
        api.post("/rooms/ZZZZZZ/game-end"),
        api.put("/rooms/ZZZZZZ/game-state", {"game": "quiz", "state": {}}),
        api.get("/rooms/ZZZZZZ/game-state", game="quiz"),
        api.get("/rooms/ZZZZZZ/events"),
    ]
    assert [r.json()["code"] for r in misses] == ["ROOM_NOT_FOUND"] * 8
    assert_envelope(api.get(f"/rooms/{room.room_code}"), "RATE_LIMITED", 429)
