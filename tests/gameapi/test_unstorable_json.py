"""JSON the database cannot store is a 400 naming the field, never a 500 (found by schemathesis)."""

import json

import pytest

from rooms.models import RoomMember
from tests.factories import make_room
from tests.gameapi.client import assert_envelope

pytestmark = pytest.mark.django_db

NUL = "nul\u0000inside"
LONE_SURROGATE = "\ud8d1"


def _raw(value) -> bytes:
    # json.dumps escapes both as \\u0000 / \\ud8d1, exactly what a client would send.
    return json.dumps(value).encode()


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
def test_status_metadata_with_unstorable_text_is_refused(api, bad):
    room, seats = make_room(players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    response = api.post(path, raw=_raw({"status": "connected", "metadata": {"note": bad}}))
    body = assert_envelope(response, "VALIDATION_ERROR", 400)
    assert body["field"] == "metadata"
    assert RoomMember.objects.get(pk=seats[1].member.pk).game_data == {}


def test_bulk_game_data_with_a_nul_key_is_refused_and_nothing_changes(api):
    room, seats = make_room(in_game=True, players=2)
    rows = [{"playerId": str(seats[1].player.pk), "location": "game", "gameData": {NUL: 1}}]
    response = api.post(f"/rooms/{room.room_code}/bulk-status", raw=_raw({"players": rows, "reason": "x"}))
    assert_envelope(response, "VALIDATION_ERROR", 400)
    assert RoomMember.objects.get(pk=seats[1].member.pk).current_location == "lobby"


def test_game_state_and_game_result_with_nul_are_refused(api, quiz_game):
    room, _ = make_room(players=2, game_slug="quiz")
    state = api.put(f"/rooms/{room.room_code}/game-state", raw=_raw({"game": "quiz", "state": {"a": NUL}}))
    assert assert_envelope(state, "VALIDATION_ERROR", 400)["field"] == "state"
    end = api.post(f"/rooms/{room.room_code}/game-end", raw=_raw({"gameResult": {"a": [NUL]}}))
    assert assert_envelope(end, "VALIDATION_ERROR", 400)["field"] == "gameResult"
