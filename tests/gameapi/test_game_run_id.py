"""gameRunId (issue 20): a new id at every game start, so a game tells two runs in one room apart.

It reaches the game in the launch URL, the validate answers (ours and the original's) and
every game-state version, which records the run it was saved in.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from rooms import services
from rooms.launch import build_launch_url
from rooms.models import Room
from tests.factories import SYSTEM, make_room

from .client import ApiClient, make_key

pytestmark = pytest.mark.django_db


def run_id(room) -> str:
    value = Room.objects.get(pk=room.pk).game_run_id
    assert value is not None
    return str(value)


def start(room) -> str:
    services.game_start(room=room.pk, actor=SYSTEM)
    return run_id(room)


def end(room) -> None:
    services.game_end(room=room.pk, actor=SYSTEM)


def test_every_game_start_gets_a_new_run_id_and_game_end_keeps_the_last_one(quiz_game):
    room, _ = make_room(players=2, game_slug="quiz")
    assert Room.objects.get(pk=room.pk).game_run_id is None
    first = start(room)
    end(room)
    assert run_id(room) == first  # the finished run's state is still told apart from the next one's
    second = start(room)
    assert second != first and uuid.UUID(second)


def test_game_state_versions_carry_the_run_they_were_saved_in(quiz_game):
    raw, _ = make_key(game_slug="quiz")
    api = ApiClient(raw)
    room, _ = make_room(players=2, game_slug="quiz")
    first = start(room)
    saved = api.put(f"/rooms/{room.room_code}/game-state", {"game": "quiz", "state": {"round": 1}})
    assert saved.status_code == 200, saved.content
    assert saved.json() == {"game": "quiz", "version": 1, "gameRunId": first}
    end(room)
    second = start(room)
    latest = api.get(f"/rooms/{room.room_code}/game-state", game="quiz").json()
    # The state left over from the first run says so: the new run can start afresh.
    assert (latest["version"], latest["gameRunId"]) == (1, first) and first != second
    saved = api.put(f"/rooms/{room.room_code}/game-state", {"game": "quiz", "state": {"round": 1}})
    assert saved.json()["gameRunId"] == second


def test_sessions_validate_and_the_original_validate_answer_the_current_run(quiz_game):
    raw, _ = make_key(game_slug="quiz")
    api = ApiClient(raw)
    room, seats = make_room(players=2, game_slug="quiz")
    assert api.post("/sessions/validate", {"sessionToken": seats[1].token}).json()["gameRunId"] is None
    current = start(room)
    assert api.post("/sessions/validate", {"sessionToken": seats[1].token}).json()["gameRunId"] == current
    services.game_state_save(room=room.pk, game_slug="quiz", state={"round": 3}, actor=SYSTEM)
    original = api.client.get(
        f"/api/v2/game/rooms/{room.room_code}/validate", headers={"X-API-Key": raw}, REMOTE_ADDR="203.0.113.7"
    ).json()
    assert original["room"]["gameRunId"] == current
    assert original["gameState"]["gameRunId"] == current


def test_the_launch_url_carries_the_run_id_and_replaces_a_stale_one():
    url = build_launch_url(
        "https://g.example/play?gameRunId=old",
        room_code="K7Q2MX",
        player_id=uuid.uuid4(),
        session_token="gbs_x",
        role="player",
        return_url="https://gb.example/rooms/K7Q2MX/",
        game_run_id=uuid.UUID("0b7e6a52-3c1d-4f0e-9a8b-5d2c1e4f6a70"),
    )
    assert parse_qs(urlsplit(url).query)["gameRunId"] == ["0b7e6a52-3c1d-4f0e-9a8b-5d2c1e4f6a70"]
