"""Games in a room (rooms/services/gameplay.py): select and start, game end (one statement,
retried safely), and the changes reserved for the game's server."""

from __future__ import annotations

import pytest

from gamebuddies.errors import (
    ForbiddenError,
    InvalidRoomStateError,
    ValidationError,
)
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def _locations(room):
    return dict(RoomMember.objects.filter(room=room).values_list("player_id", "current_location"))


def test_start_game_needs_the_host_a_game_and_enough_players(quiz_game):
    room, seats = make_room(players=1)
    with pytest.raises(InvalidRoomStateError):
        services.game_start(room=room.pk, actor=player_actor(seats[0]))
    services.game_select(room=room.pk, game_slug="quiz", settings={"rounds": 5}, actor=player_actor(seats[0]))
    with pytest.raises(InvalidRoomStateError):  # quiz needs two players
        services.game_start(room=room.pk, actor=player_actor(seats[0]))
    second = services.room_join(room=room.pk, display_name="Bob", actor=SYSTEM)
    with pytest.raises(ForbiddenError):
        services.game_start(room=room.pk, actor=player_actor(second))
    change = services.game_start(room=room.pk, actor=player_actor(seats[0]))
    assert change.room.status == "in_game"
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"game"}


def test_game_settings_are_validated_against_the_catalog_schema(quiz_game):
    room, seats = make_room(players=1)
    with pytest.raises(ValidationError) as caught:
        services.game_select(room=room.pk, game_slug="quiz", settings={"rounds": 99}, actor=player_actor(seats[0]))
    assert caught.value.field == "settings.rounds"
    with pytest.raises(ValidationError):
        services.game_select(room=room.pk, game_slug="quiz", settings={"cheat": True}, actor=player_actor(seats[0]))
    change = services.game_select(room=room.pk, game_slug="quiz", settings={}, actor=player_actor(seats[0]))
    assert change.room.game_settings == {"rounds": 3}


def test_players_cannot_make_changes_reserved_for_the_games_server(quiz_game):
    room, seats = make_room(players=2, game_slug="quiz")
    me = player_actor(seats[0])
    with pytest.raises(ForbiddenError):
        services.bulk_update_status(
            room=room.pk,
            actor=me,
            rows=[services.BulkRow(player_id=seats[1].player.pk, location="game", status=None, game_data={})],
        )
    with pytest.raises(ForbiddenError):
        services.game_state_save(room=room.pk, game_slug="quiz", state={"cheat": True}, actor=me)


def test_game_end_returns_connected_in_game_players_and_records_one_event(quiz_game):
    room, seats = make_room(players=3, game_slug="quiz")
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    services.update_player_status(room=room.pk, player_id=seats[2].player.pk, status="disconnected", actor=SYSTEM)
    result = services.game_end(room=room.pk, actor=SYSTEM, result={"winner": str(seats[1].player.pk)})
    assert result.players_returned == 2
    assert _locations(room) == {
        seats[0].player.pk: "lobby",
        seats[1].player.pk: "lobby",
        seats[2].player.pk: "disconnected",
    }
    final = Room.objects.get(pk=room.pk)
    assert final.status == "lobby" and final.metadata["lastGameResult"]["winner"] == str(seats[1].player.pk)
    assert RoomEvent.objects.filter(room=room, event_type="game_ended").count() == 1


def test_game_end_retried_after_success_changes_nothing(quiz_game):
    room, seats = make_room(players=2, game_slug="quiz")
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    first = services.game_end(room=room.pk, actor=SYSTEM)
    again = services.game_end(room=room.pk, actor=SYSTEM)
    assert again.players_returned == 0 and again.change is None and again.version == first.version
