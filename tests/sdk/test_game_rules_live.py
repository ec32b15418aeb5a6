"""The Python SDK and issue 17's rules, against a live server: start_game, reports refused
outside a game (RoomNotInGameError), heartbeats that never revive (PlayerDisconnectedError),
and game end's `changed`."""

from __future__ import annotations

import pytest
from gamebuddies_sdk import (
    GameStartResult,
    InvalidRoomStateError,
    PlayerDisconnectedError,
    RoomNotInGameError,
    ValidationError,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_game_server_starts_the_game_plays_it_and_ends_it_once(client):
    created = client.create_room("Ana", game="reaction", settings={"rounds": 3})
    ben = client.add_player(created.room_code, "Ben")

    with pytest.raises(RoomNotInGameError) as early:
        client.update_player_status(created.room_code, ben.player_id, status="in_game", location="game")
    assert early.value.room_status == "lobby" and early.value.status == 409 and not early.value.retryable

    with pytest.raises(ValidationError) as bad_settings:
        client.start_game(created.room_code, {"rounds": 0})
    assert bad_settings.value.field == "settings.rounds"

    started = client.start_game(created.room_code.lower(), {"rounds": 5})
    assert isinstance(started, GameStartResult) and started.success and started.game == "reaction"
    assert sorted(started.players) == sorted([created.host.player_id, ben.player_id])
    room = client.get_room(created.room_code)
    assert (room.room.status, room.room.settings, room.version) == ("in_game", {"rounds": 5}, started.room_version)
    assert {p.id for p in room.players_in_game} == set(started.players)

    with pytest.raises(InvalidRoomStateError):
        client.start_game(created.room_code)

    ack = client.update_player_status(created.room_code, ben.player_id, status="in_game", metadata={"round": 1})
    assert ack.player.current_location == "game"

    ended = client.end_game(created.room_code, game_result={"winner": ben.player_id})
    assert (ended.changed, ended.players_returned) == (True, 2)
    again = client.end_game(created.room_code, game_result={"winner": ben.player_id})
    assert (again.changed, again.players_returned, again.room_version) == (False, 0, ended.room_version)

    with pytest.raises(RoomNotInGameError) as late:
        client.update_player_status(created.room_code, ben.player_id, status="in_game", metadata={"round": 2})
    assert late.value.room_status == "lobby"
    assert client.last_response.attempts == 1  # the end of the game, not something to retry
    assert client.get_room(created.room_code).version == ended.room_version


def test_heartbeat_for_a_disconnected_player_raises_player_disconnected_until_reported_connected(client):
    created = client.create_room("Ana", game="reaction")
    ben = client.add_player(created.room_code, "Ben")
    client.start_game(created.room_code)
    assert client.heartbeat(created.room_code, ben.player_id).success

    gone = client.update_player_status(created.room_code, ben.player_id, status="disconnected")
    with pytest.raises(PlayerDisconnectedError) as ghost:
        client.heartbeat(created.room_code, ben.player_id)
    assert ghost.value.status == 409 and ghost.value.code == "PLAYER_DISCONNECTED"
    assert client.last_response.attempts == 1
    assert client.get_room(created.room_code).version == gone.room_version

    back = client.update_player_status(created.room_code, ben.player_id, status="connected")
    assert back.player.current_location == "game"  # the room is still in the game: back where it is
    assert client.heartbeat(created.room_code, ben.player_id).success
