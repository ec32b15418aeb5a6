"""sessions/validate: how a game trusts the player id it got in the launch URL."""

from __future__ import annotations

import pytest

from players.services import sessions_revoke_room
from rooms import services
from tests.factories import make_room, player_actor

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db

INVALID = {
    "valid": False,
    "playerId": None,
    "roomCode": None,
    "role": None,
    "isHost": None,
    "displayName": None,
    "gameRunId": None,
}


def test_valid_token_names_the_player_room_and_role(api):
    room, seats = make_room(players=2)
    response = api.post("/sessions/validate", {"sessionToken": seats[0].token})
    assert response.json() == {
        "valid": True,
        "playerId": str(seats[0].player.pk),
        "roomCode": room.room_code,
        "role": "host",
        "isHost": True,
        "displayName": "Host",
        "gameRunId": None,  # no game started in this room yet
    }
    assert api.post("/sessions/validate", {"sessionToken": seats[1].token}).json()["role"] == "player"


@pytest.mark.parametrize("token", ["gbs_" + "x" * 43, "nonsense", "gbs_"])
def test_unknown_tokens_are_not_valid(api, token):
    assert api.post("/sessions/validate", {"sessionToken": token}).json() == INVALID


def test_revoked_and_kicked_sessions_are_not_valid(api):
    room, seats = make_room(players=3)
    services.member_kick(room=room.pk, target_player_id=seats[2].player.pk, actor=player_actor(seats[0]))
    assert api.post("/sessions/validate", {"sessionToken": seats[2].token}).json() == INVALID
    sessions_revoke_room(room_id=room.pk)
    assert api.post("/sessions/validate", {"sessionToken": seats[1].token}).json() == INVALID


def test_session_validate_needs_rooms_read_and_a_string_token(db):
    raw, _ = make_key(scopes=["status:write"])
    assert_envelope(ApiClient(raw).post("/sessions/validate", {"sessionToken": "gbs_x"}), "INSUFFICIENT_SCOPE", 403)
    raw, _ = make_key(scopes=["rooms:read"])
    response = ApiClient(raw).post("/sessions/validate", {"sessionToken": 12})
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "sessionToken"
