"""Player status (rooms/services/status.py): single updates (validation, conflicts, history,
merge) and atomic bulk updates."""

from __future__ import annotations

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


def _locations(room):
    return dict(RoomMember.objects.filter(room=room).values_list("player_id", "current_location"))


def test_bulk_update_with_one_unknown_player_changes_nothing_and_names_the_row():
    room, seats = make_room(in_game=True, players=3)
    _, strangers = make_room()
    before = (_locations(room), Room.objects.get(pk=room.pk).version, PlayerStatusHistory.objects.count())
    rows = [
        services.BulkRow(player_id=seats[1].player.pk, location="game", status=None, game_data={}),
        services.BulkRow(player_id=strangers[0].player.pk, location="game", status=None, game_data={}),
    ]
    with pytest.raises(PlayerNotFoundError) as caught:
        services.bulk_update_status(room=room.pk, rows=rows, actor=SYSTEM, reason="round 2")
    assert caught.value.field == "players[1].playerId"
    assert (_locations(room), Room.objects.get(pk=room.pk).version, PlayerStatusHistory.objects.count()) == before


def test_bulk_update_with_one_invalid_row_changes_nothing():
    room, seats = make_room(in_game=True, players=3)
    rows = [
        services.BulkRow(player_id=seats[1].player.pk, location="game", status=None, game_data={}),
        services.BulkRow(player_id=seats[2].player.pk, location="moon", status=None, game_data={}),
    ]
    with pytest.raises(ValidationError) as caught:
        services.bulk_update_status(room=room.pk, rows=rows, actor=SYSTEM)
    assert caught.value.field == "players[1].location"
    assert set(_locations(room).values()) == {"lobby"}


def test_good_bulk_update_bumps_the_room_once_with_one_event_and_one_broadcast(django_capture_on_commit_callbacks):
    room, seats = make_room(in_game=True, players=4)
    rows = [
        services.BulkRow(player_id=s.player.pk, location="game", status=None, game_data={"team": i % 2})
        for i, s in enumerate(seats[1:])
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        change = services.bulk_update_status(room=room.pk, rows=rows, actor=SYSTEM, reason="teams")
    assert change.version == room.version + 1
    assert RoomEvent.objects.filter(room=room, room_version=change.version).count() == 1
    assert PlayerStatusHistory.objects.filter(room=room).count() == 3
    assert [s.player.pk for s in seats[1:] if _locations(room)[s.player.pk] == "game"] == [
        s.player.pk for s in seats[1:]
    ]
    # One broadcast callback (plus the metrics counter) for the whole bulk change.
    assert sum(1 for c in callbacks if "publish" in getattr(c, "__qualname__", "")) == 1
