"""A key bound to one game can never touch rooms that play another game, through any endpoint."""

from __future__ import annotations

import pytest

from rooms.models import Game, GameState, Room, RoomMember
from tests.factories import make_room

from .conftest import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_room(quiz_game):
    Game.objects.create(slug="draw", name="Draw", launch_url="https://games.example/draw")
    return make_room(players=2, game_slug="draw")


def test_quiz_key_is_forbidden_on_every_route_of_a_draw_room(foreign_room):
    room, seats = foreign_room
    raw, _ = make_key(game_slug="quiz")
    client = ApiClient(raw)
    code, pid = room.room_code, seats[1].player.pk
    calls = [
        lambda: client.get(f"/rooms/{code}"),
        lambda: client.post(f"/rooms/{code}/players", {"name": "Intruder"}),
        lambda: client.post(f"/rooms/{code}/players/{pid}/status", {"status": "in_game", "location": "game"}),
        lambda: client.post(f"/rooms/{code}/players/{pid}/heartbeat"),
        lambda: client.post(f"/rooms/{code}/bulk-status", {"players": [{"playerId": str(pid), "location": "game"}]}),
        lambda: client.post(f"/rooms/{code}/game-end"),
        lambda: client.put(f"/rooms/{code}/game-state", {"game": "draw", "state": {}}),
        lambda: client.put(f"/rooms/{code}/game-state", {"game": "quiz", "state": {}}),
        lambda: client.get(f"/rooms/{code}/game-state", game="draw"),
        lambda: client.get(f"/rooms/{code}/game-state"),
        lambda: client.get(f"/rooms/{code}/events"),
    ]
    for call in calls:
        assert_envelope(call(), "FORBIDDEN", 403)
    assert Room.objects.get(pk=room.pk).version == room.version
    assert RoomMember.objects.filter(room=room).count() == 2
    assert not GameState.objects.exists()


def test_unbound_key_may_touch_any_game(foreign_room):
    room, _ = foreign_room
    raw, _ = make_key()
    assert ApiClient(raw).get(f"/rooms/{room.room_code}").status_code == 200


def test_bound_key_works_on_its_own_game_rooms(quiz_game):
    room, seats = make_room(players=2, game_slug="quiz")
    raw, _ = make_key(game_slug="quiz")
    client = ApiClient(raw)
    assert client.get(f"/rooms/{room.room_code}").status_code == 200
    assert client.put(f"/rooms/{room.room_code}/game-state", {"game": "quiz", "state": {}}).status_code == 200
    assert client.get(f"/rooms/{room.room_code}/game-state").json()["version"] == 1
