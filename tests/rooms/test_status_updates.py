"""Player status updates: validation, conflicts, history, merge (issue: state core)."""

import pytest

from gamebuddies.actors import Actor
from gamebuddies.errors import ForbiddenError, PlayerNotFoundError, StateConflictError, ValidationError
from players.models import PlayerStatusHistory
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def test_status_update_moves_member_records_history_and_event_and_bumps_room_once():
    room, seats = make_room(in_game=True, players=2)
    result = services.update_player_status(
        room=room.room_code,
        player_id=seats[1].player.pk,
        status="in_game",
        location="game",
        metadata={"score": 3},
        actor=SYSTEM,
    )
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    assert (member.current_location, member.in_game, member.is_connected) == ("game", True, True)
    assert member.game_data == {"score": 3}
    assert result.change.version == room.version + 1 == Room.objects.get(pk=room.pk).version
    history = PlayerStatusHistory.objects.get(player=seats[1].player)
    assert (history.old_location, history.new_location, history.new_status) == ("lobby", "game", "in_game")
    assert RoomEvent.objects.filter(
        room=room, event_type="player_status_changed", room_version=result.change.version
    ).exists()


def test_metadata_merges_into_game_data_instead_of_replacing_it():
    room, seats = make_room(players=2)
    for metadata in ({"a": 1}, {"b": 2}, {"a": 3}):
        services.update_player_status(
            room=room.pk, player_id=seats[1].player.pk, status="connected", metadata=metadata, actor=SYSTEM
        )
    assert RoomMember.objects.get(pk=seats[1].member.pk).game_data == {"a": 3, "b": 2}


def test_stale_expected_version_raises_conflict_with_current_state_and_changes_nothing():
    room, seats = make_room(players=2)
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    services.update_player_status(room=room.pk, player_id=member.player_id, status="connected", actor=SYSTEM)
    before = Room.objects.get(pk=room.pk)
    with pytest.raises(StateConflictError) as caught:
        services.update_player_status(
            room=room.pk,
            player_id=member.player_id,
            status="in_game",
            location="game",
            expected_version=member.version,
            actor=SYSTEM,
        )
    state = caught.value.current_state
    assert state["playerVersion"] == member.version + 1
    assert state["version"] == before.version
    assert {p["id"] for p in state["players"]} == {str(s.player.pk) for s in seats}
    assert Room.objects.get(pk=room.pk).version == before.version
    assert RoomMember.objects.get(pk=member.pk).current_location == "lobby"


def test_matching_expected_version_is_accepted():
    room, seats = make_room(in_game=True, players=2)
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    result = services.update_player_status(
        room=room.pk,
        player_id=member.player_id,
        status="in_game",
        location="game",
        expected_version=member.version,
        actor=SYSTEM,
    )
    assert result.member.version == member.version + 1


@pytest.mark.parametrize(
    ("status", "location", "field"),
    [
        ("dancing", "lobby", "status"),
        ("connected", "moon", "location"),
        ("disconnected", "game", "location"),
        ("in_game", "lobby", "location"),
    ],
)
def test_invalid_status_or_location_is_refused_naming_the_field(status, location, field):
    room, seats = make_room(players=2)
    with pytest.raises(ValidationError) as caught:
        services.update_player_status(
            room=room.pk, player_id=seats[1].player.pk, status=status, location=location, actor=SYSTEM
        )
    assert caught.value.field == field
    assert Room.objects.get(pk=room.pk).version == room.version


def test_oversized_metadata_is_refused():
    room, seats = make_room(players=2)
    with pytest.raises(ValidationError) as caught:
        services.update_player_status(
            room=room.pk, player_id=seats[1].player.pk, status="connected", metadata={"blob": "x" * 17000}, actor=SYSTEM
        )
    assert caught.value.field == "metadata"


def test_unknown_player_is_not_found():
    room, _ = make_room()
    other_room, other_seats = make_room()
    with pytest.raises(PlayerNotFoundError):
        services.update_player_status(
            room=room.pk, player_id=other_seats[0].player.pk, status="connected", actor=SYSTEM
        )


def test_a_player_can_change_only_their_own_status():
    room, seats = make_room(players=2)
    with pytest.raises(ForbiddenError):
        services.update_player_status(
            room=room.pk, player_id=seats[1].player.pk, status="connected", actor=player_actor(seats[0])
        )


def test_a_session_for_one_room_cannot_act_on_another():
    room_a, seats_a = make_room()
    room_b, _ = make_room()
    intruder = Actor.player(player_id=seats_a[0].player.pk, room_id=room_a.pk)
    with pytest.raises(ForbiddenError):
        services.member_set_ready(room=room_b.pk, player_id=seats_a[0].player.pk, ready=True, actor=intruder)
