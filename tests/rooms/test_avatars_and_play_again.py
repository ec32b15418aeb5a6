"""Avatars in the snapshot and the API, one name rule for lobby renames, and Play again (issue 23)."""

from __future__ import annotations

import pytest
from django.test import Client

from gamebuddies.errors import ForbiddenError, InvalidRoomStateError, ValidationError
from players.names import NameTakenError
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from rooms.selectors import room_snapshot
from tests.factories import SYSTEM, make_room, player_actor
from tests.gameapi.client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def _player(room, player_id):
    return next(p for p in room_snapshot(room=Room.objects.get(pk=room.pk))["players"] if p["id"] == str(player_id))


def test_an_avatar_picked_at_join_is_in_the_snapshot_and_unpicked_fields_are_null():
    room, [host] = make_room()
    seat = services.room_join(room=room.room_code, display_name="Mia", actor=SYSTEM, avatar="owl", avatar_colour=5)
    mine = _player(room, seat.player.pk)
    assert (mine["avatar"], mine["avatarColour"]) == ("owl", 5)
    unset = _player(room, host.player.pk)
    assert (unset["avatar"], unset["avatarColour"]) == (None, None)


@pytest.mark.parametrize(("avatar", "colour"), [("dragon", None), ("<b>", None), (None, 8), (None, -1), (None, True)])
def test_an_unknown_avatar_or_colour_is_refused_and_seats_nobody(avatar, colour):
    room, _ = make_room()
    with pytest.raises(ValidationError):
        services.room_join(room=room.room_code, display_name="Mia", actor=SYSTEM, avatar=avatar, avatar_colour=colour)
    assert RoomMember.objects.filter(room=room).count() == 1


def test_a_player_changes_only_their_own_avatar_and_the_change_is_versioned():
    room, [host, guest] = make_room(players=2)
    change = services.member_set_profile(
        room=room.room_code, player_id=guest.player.pk, actor=player_actor(guest), avatar="robot", avatar_colour=2
    )
    assert change.version > room.version
    assert _player(room, guest.player.pk)["avatar"] == "robot"
    with pytest.raises(ForbiddenError):
        services.member_set_profile(
            room=room.room_code, player_id=guest.player.pk, actor=player_actor(host), avatar="cat"
        )
    # Only what is sent changes: the colour stays when the picture is cleared.
    services.member_set_profile(room=room.room_code, player_id=guest.player.pk, actor=player_actor(guest), avatar=None)
    assert (_player(room, guest.player.pk)["avatar"], _player(room, guest.player.pk)["avatarColour"]) == (None, 2)


def test_a_lobby_rename_follows_the_join_rule_but_keeping_your_own_name_is_fine():
    room, [host, guest] = make_room(players=2)
    services.room_join(room=room.room_code, display_name="Hal", actor=SYSTEM)
    with pytest.raises(NameTakenError):
        services.member_set_profile(
            room=room.room_code, player_id=guest.player.pk, actor=player_actor(guest), name="HAL"
        )
    services.member_set_profile(room=room.room_code, player_id=host.player.pk, actor=player_actor(host), name=" host ")
    assert _player(room, host.player.pk)["name"] == "host"


def test_the_api_takes_and_shows_avatars_and_refuses_an_unknown_one():
    room, _ = make_room()
    raw, _ = make_key()
    api = ApiClient(raw)
    seated = api.post(f"/rooms/{room.room_code}/players", {"name": "Mia", "avatar": "fox", "avatarColour": 1})
    assert seated.status_code == 201, seated.content
    players = api.get(f"/rooms/{room.room_code}").json()["state"]["players"]
    assert {"avatar": "fox", "avatarColour": 1}.items() <= players[-1].items()
    refused = api.post(f"/rooms/{room.room_code}/players", {"name": "Zed", "avatar": "dragon"})
    assert_envelope(refused, "VALIDATION_ERROR", 400)


def test_the_join_page_seats_with_the_avatar_chosen_in_the_form():
    room, _ = make_room()
    response = Client().post(f"/r/{room.room_code}", {"name": "Mia", "avatar": "ghost", "avatar_colour": "6"})
    assert response.status_code == 302
    member = RoomMember.objects.select_related("player").get(room=room, player__display_name="Mia")
    assert (member.player.avatar, member.player.avatar_colour) == ("ghost", 6)


# -- Play again --------------------------------------------------------------------
def _played_once(quiz_game, players=3):
    room, seats = make_room(players=players)
    host = player_actor(seats[0])
    services.game_select(room=room.room_code, game_slug="quiz", settings={"rounds": 7}, actor=host)
    services.game_start(room=room.room_code, actor=host)
    services.game_end(room=room.room_code, actor=host)
    return room, seats, host


def test_players_back_from_a_game_are_ready_and_play_again_starts_the_same_game_and_settings(quiz_game):
    room, seats, host = _played_once(quiz_game)
    late = services.room_join(room=room.room_code, display_name="Late", actor=SYSTEM)
    members = {m.player_id: m for m in RoomMember.objects.filter(room=room)}
    assert all(members[s.player.pk].is_ready for s in seats)
    assert not members[late.player.pk].is_ready  # joins as usual
    # The host looks at other settings meanwhile; Play again still means the last game.
    services.game_select(room=room.room_code, game_slug="quiz", settings={"rounds": 2}, actor=host)
    change = services.game_play_again(room=room.room_code, actor=host)
    started = Room.objects.get(pk=room.pk)
    assert (started.status, started.current_game_id, started.game_settings) == ("in_game", "quiz", {"rounds": 7})
    event = RoomEvent.objects.get(pk=change.event_id)
    assert (event.event_type, event.event_data["playAgain"]) == ("game_started", True)
    assert set(event.event_data["players"]) == {str(s.player.pk) for s in [*seats, late]}


def test_play_again_is_for_the_host_and_only_after_a_game_ended(quiz_game):
    room, seats = make_room(players=2)
    with pytest.raises(InvalidRoomStateError):
        services.game_play_again(room=room.room_code, actor=player_actor(seats[0]))
    room, seats, host = _played_once(quiz_game)
    with pytest.raises(ForbiddenError):
        services.game_play_again(room=room.room_code, actor=player_actor(seats[1]))
    assert Room.objects.get(pk=room.pk).status == "lobby"
