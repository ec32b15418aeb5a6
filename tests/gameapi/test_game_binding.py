"""A key bound to one game can never touch rooms that play another game, through any endpoint."""

from __future__ import annotations

import pytest

from rooms.models import Game, GameState, Room, RoomMember
from tests.factories import make_room

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_room(quiz_game):
    Game.objects.create(slug="draw", name="Draw", launch_url="https://games.example/draw")
    return make_room(players=2, game_slug="draw")


def binding_calls(client, code, pid):
    return [
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


def test_a_quiz_key_finds_no_room_on_any_route_of_a_draw_room(foreign_room):
    """A bound key gets for another game's room exactly what an unknown code gets (issue 18, info:
    403 against 404 told it which codes are live rooms of other games)."""
    room, seats = foreign_room
    raw, _ = make_key(game_slug="quiz")
    client = ApiClient(raw)
    pid = seats[1].player.pk
    for foreign, unknown in zip(
        binding_calls(client, room.room_code, pid), binding_calls(client, "QQQQQQ", pid), strict=True
    ):
        got, expected = foreign(), unknown()
        assert got.status_code == expected.status_code
        assert {k: v for k, v in got.json().items() if k not in ("timestamp", "requestId")} == {
            k: v for k, v in expected.json().items() if k not in ("timestamp", "requestId")
        }
        assert got.status_code in (403, 404)  # 403 only for a `game` parameter naming the other game
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


def test_another_games_rooms_count_toward_the_guessing_limit_like_unknown_codes(foreign_room, settings):
    settings.ROOM_CODE_GUESS_RATE = "3/m"
    room, _ = foreign_room
    own, _ = make_room(game_slug="quiz")
    raw, _ = make_key(game_slug="quiz")
    client = ApiClient(raw, ip="203.0.113.160")
    assert [client.get(f"/rooms/{room.room_code}").status_code for _ in range(3)] == [404] * 3
    assert_envelope(client.get(f"/rooms/{own.room_code}"), "RATE_LIMITED", 429)
