"""Game end, versioned game state and the paginated event log through the API."""

from __future__ import annotations

import pytest

from rooms import services
from rooms.models import GameState, Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room

from .client import assert_envelope

pytestmark = pytest.mark.django_db


def started_room(players=3):
    room, seats = make_room(players=players, game_slug="quiz")
    services.game_start(room=room.pk, actor=SYSTEM)
    return Room.objects.get(pk=room.pk), seats


def test_game_end_returns_every_in_game_player_to_the_lobby(api, quiz_game):
    room, seats = started_room()
    response = api.post(f"/rooms/{room.room_code}/game-end", {"gameResult": {"winner": str(seats[0].player.pk)}})
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "changed": True, "playersReturned": 3, "roomVersion": room.version + 1}
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"lobby"}
    room.refresh_from_db()
    assert room.status == "lobby" and room.metadata["lastGameResult"] == {"winner": str(seats[0].player.pk)}


def test_game_end_on_a_room_not_in_game_changes_nothing(api, quiz_game):
    room, _ = make_room(players=2, game_slug="quiz")
    response = api.post(f"/rooms/{room.room_code}/game-end")
    assert response.json() == {"success": True, "changed": False, "playersReturned": 0, "roomVersion": room.version}
    assert Room.objects.get(pk=room.pk).version == room.version


def test_game_end_validates_its_body(api, quiz_game):
    room, _ = started_room()
    for body, field in (({"gameResult": []}, "gameResult"), ({"returnPlayers": "no"}, "returnPlayers")):
        response = api.post(f"/rooms/{room.room_code}/game-end", body)
        assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == field
    response = api.post(f"/rooms/{room.room_code}/game-end", {"gameResult": {"x": "y" * 17000}})
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "gameResult"
    assert Room.objects.get(pk=room.pk).status == "in_game"


def test_game_state_is_saved_in_versions_and_read_back(api, quiz_game):
    room, _ = make_room(game_slug="quiz")
    path = f"/rooms/{room.room_code}/game-state"
    nothing = {"game": "quiz", "version": 0, "state": None, "createdAt": None, "gameRunId": None}
    assert api.get(path, game="quiz").json() == nothing
    # Saved outside a game run (none started yet): gameRunId is null.
    saved = api.put(path, {"game": "quiz", "state": {"round": 1}}).json()
    assert saved == {"game": "quiz", "version": 1, "gameRunId": None}
    assert api.put(path, {"game": "quiz", "state": [1, 2], "expectedVersion": 1}).json()["version"] == 2
    latest = api.get(path, game="quiz").json()
    assert (latest["version"], latest["state"]) == (2, [1, 2]) and latest["createdAt"].endswith("Z")


def test_stale_game_state_version_is_409_with_current_state(api, quiz_game):
    room, _ = make_room(game_slug="quiz")
    path = f"/rooms/{room.room_code}/game-state"
    api.put(path, {"game": "quiz", "state": {"round": 1}})
    body = assert_envelope(api.put(path, {"game": "quiz", "state": {}, "expectedVersion": 0}), "STATE_CONFLICT", 409)
    assert body["currentState"] == {"version": 1, "state": {"round": 1}}
    assert GameState.objects.filter(room=room).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"state": {}}, "game"),
        ({"game": "quiz"}, "state"),
        ({"game": "quiz", "state": "text"}, "state"),
        ({"game": "quiz", "state": 5}, "state"),
        ({"game": "quiz", "state": {}, "expectedVersion": "1"}, "expectedVersion"),
    ],
)
def test_game_state_put_validates_strictly(api, quiz_game, body, field):
    room, _ = make_room(game_slug="quiz")
    response = api.put(f"/rooms/{room.room_code}/game-state", body)
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == field


def test_game_state_for_unknown_game_is_404(api, quiz_game):
    room, _ = make_room(game_slug="quiz")
    path = f"/rooms/{room.room_code}/game-state"
    assert_envelope(api.put(path, {"game": "chess", "state": {}}), "GAME_NOT_FOUND", 404)
    assert_envelope(api.get(path, game="chess"), "GAME_NOT_FOUND", 404)
    assert assert_envelope(api.get(path), "VALIDATION_ERROR", 400)["field"] == "game"


def test_events_are_paginated_after_a_version(api):
    room, seats = make_room(in_game=True, players=2)
    for status in ("in_game", "lobby", "in_game"):
        services.update_player_status(room=room.pk, player_id=seats[1].player.pk, status=status, actor=SYSTEM)
    total = RoomEvent.objects.filter(room=room).count()
    path = f"/rooms/{room.room_code}/events"
    first = api.get(path, limit="2").json()
    assert [e["version"] for e in first["events"]] == [1, 2] and first["hasMore"] is True
    assert first["events"][0]["type"] == "room_created"
    rest = api.get(path, after=str(first["nextAfter"]), limit="50").json()
    stored = list(RoomEvent.objects.filter(room=room, room_version__gt=2).values_list("room_version", flat=True))
    assert [e["version"] for e in rest["events"]] == stored and len(stored) == total - 2
    last = stored[-1]
    assert rest["hasMore"] is False and rest["nextAfter"] == last
    assert rest["events"][-1]["type"] == "player_status_changed"
    assert rest["events"][-1]["playerId"] == str(seats[1].player.pk)
    empty = api.get(path, after=str(last)).json()
    assert empty == {"events": [], "nextAfter": last, "hasMore": False}


@pytest.mark.parametrize(
    ("query", "field"),
    [({"after": "x"}, "after"), ({"after": "-1"}, "after"), ({"limit": "0"}, "limit"), ({"limit": "500"}, "limit")],
)
def test_events_query_is_validated(api, query, field):
    room, _ = make_room()
    response = api.get(f"/rooms/{room.room_code}/events", **query)
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == field
