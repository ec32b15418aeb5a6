"""Seats in a room (rooms/services/membership.py): join, leave, kick and host changes."""

from __future__ import annotations

import pytest

from gamebuddies.errors import (
    ForbiddenError,
    InvalidSessionError,
    RoomFullError,
)
from players.models import PlayerSession
from players.selectors import session_get_active
from rooms import services
from rooms.models import Room, RoomMember
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def test_join_adds_a_player_and_bumps_the_version_once():
    room, seats = make_room(players=1)
    joined = services.room_join(room=room.room_code, display_name="Bob", actor=SYSTEM)
    assert joined.change.version == room.version + 1
    assert RoomMember.objects.filter(room=room).count() == 2


def test_full_room_refuses_players_but_accepts_spectators():
    room, _ = make_room(players=2, max_players=2)
    with pytest.raises(RoomFullError):
        services.room_join(room=room.room_code, display_name="Late", actor=SYSTEM)
    watcher = services.room_join(room=room.room_code, display_name="Eve", role="spectator", actor=SYSTEM)
    assert watcher.member.role == "spectator"


def test_spectators_cannot_change_anything():
    room, _ = make_room(players=1)
    watcher = services.room_join(room=room.room_code, display_name="Eve", role="spectator", actor=SYSTEM)
    with pytest.raises(ForbiddenError):
        services.member_set_ready(room=room.pk, player_id=watcher.player.pk, ready=True, actor=player_actor(watcher))
    with pytest.raises(ForbiddenError):
        services.update_player_status(
            room=room.pk, player_id=watcher.player.pk, status="connected", actor=player_actor(watcher)
        )


def test_host_leaving_hands_the_role_to_the_earliest_joined_connected_player():
    room, seats = make_room(players=3)
    change = services.room_leave(room=room.pk, player_id=seats[0].player.pk, actor=player_actor(seats[0]))
    assert change.room.host_id == seats[1].player.pk
    assert RoomMember.objects.get(room=room, player=seats[1].player).role == "host"
    assert not PlayerSession.objects.filter(player=seats[0].player, status="active").exists()


def test_last_player_leaving_abandons_the_room():
    room, seats = make_room(players=1)
    services.room_leave(room=room.pk, player_id=seats[0].player.pk, actor=player_actor(seats[0]))
    assert Room.objects.get(pk=room.pk).status == "abandoned"


def test_only_the_host_can_kick_and_a_kicked_players_session_is_revoked():
    room, seats = make_room(players=3)
    with pytest.raises(ForbiddenError):
        services.member_kick(room=room.pk, target_player_id=seats[2].player.pk, actor=player_actor(seats[1]))
    services.member_kick(room=room.pk, target_player_id=seats[2].player.pk, actor=player_actor(seats[0]))
    assert not RoomMember.objects.filter(room=room, player=seats[2].player).exists()
    with pytest.raises(InvalidSessionError):
        session_get_active(token=seats[2].token)


def test_host_transfer_moves_the_badge():
    room, seats = make_room(players=2)
    change = services.host_transfer(room=room.pk, new_host_id=seats[1].player.pk, actor=player_actor(seats[0]))
    roles = dict(RoomMember.objects.filter(room=room).values_list("player_id", "role"))
    assert roles == {seats[0].player.pk: "player", seats[1].player.pk: "host"}
    assert change.room.host_id == seats[1].player.pk
