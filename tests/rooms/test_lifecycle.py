"""Room lifecycle services: create, join, leave, kick, host changes, games (issue: state core)."""

import hashlib

import pytest

from gamebuddies.errors import (
    ForbiddenError,
    InvalidRoomStateError,
    InvalidSessionError,
    RoomClosedError,
    RoomFullError,
    ValidationError,
)
from players.models import PlayerSession
from players.selectors import session_get_active
from rooms import services
from rooms.models import ROOM_CODE_ALPHABET, Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def test_create_seats_the_creator_as_host_with_a_working_session():
    seat = services.room_create(host_name="  Ada  ", actor=SYSTEM)
    room = Room.objects.get(pk=seat.room.pk)
    assert len(room.room_code) == 6 and set(room.room_code) <= set(ROOM_CODE_ALPHABET)
    assert room.host_id == seat.player.pk and room.version == 1 and room.status == "lobby"
    assert seat.member.role == "host" and seat.player.display_name == "Ada"
    assert session_get_active(token=seat.token).player_id == seat.player.pk
    assert RoomEvent.objects.get(room=room).event_type == "room_created"


def test_session_tokens_are_stored_only_as_their_sha256():
    seat = services.room_create(host_name="Ada", actor=SYSTEM)
    stored = PlayerSession.objects.get(player=seat.player)
    assert stored.token_hash == hashlib.sha256(seat.token.encode()).hexdigest()
    # Nothing else in the row gives the token away either.
    assert not [f.name for f in PlayerSession._meta.concrete_fields if seat.token in str(getattr(stored, f.attname))]


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


@pytest.mark.parametrize("name", ["", "   ", "x" * 25, "bad\x00name", "zero\u200bwidth"])
def test_invalid_names_are_refused(name):
    with pytest.raises(ValidationError):
        services.room_create(host_name=name, actor=SYSTEM)


def test_names_are_nfkc_normalised_and_markup_is_kept_as_plain_text():
    seat = services.room_create(host_name="<svg onload=alert(1)>", actor=SYSTEM)
    assert seat.player.display_name == "<svg onload=alert(1)>"
    assert services.room_create(host_name="Ｆｕｌｌ", actor=SYSTEM).player.display_name == "Full"


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


def test_staff_close_ends_the_room_and_revokes_every_session():
    room, seats = make_room(players=2)
    with pytest.raises(ForbiddenError):
        services.room_close(room=room.pk, actor=player_actor(seats[0]))
    services.room_close(room=room.pk, actor=services_staff())
    assert Room.objects.get(pk=room.pk).status == "finished"
    assert not PlayerSession.objects.filter(room=room, status="active").exists()
    with pytest.raises(RoomClosedError):
        services.room_join(room=room.room_code, display_name="Late", actor=SYSTEM)


def services_staff():
    from gamebuddies.actors import Actor

    return Actor.staff(label="admin", permissions={"rooms.close_room"})


def test_an_anonymous_visitor_may_open_or_join_a_room_and_do_nothing_else(quiz_game):
    from gamebuddies.actors import Actor

    visitor = Actor.visitor()
    seat = services.room_create(host_name="Ada", actor=visitor)
    services.room_join(room=seat.room.pk, display_name="Bob", actor=visitor)
    attempts = [
        lambda: services.member_set_ready(room=seat.room.pk, player_id=seat.player.pk, ready=True, actor=visitor),
        lambda: services.game_select(room=seat.room.pk, game_slug="quiz", settings={}, actor=visitor),
        lambda: services.game_end(room=seat.room.pk, actor=visitor),
        lambda: services.member_kick(room=seat.room.pk, target_player_id=seat.player.pk, actor=visitor),
        lambda: services.room_close(room=seat.room.pk, actor=visitor),
        lambda: services.host_migrate_if_needed(room=seat.room.pk, actor=visitor),
    ]
    for attempt in attempts:
        with pytest.raises(ForbiddenError):
            attempt()


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
