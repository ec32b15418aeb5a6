"""Room lifecycle (rooms/services/lifecycle.py): create and close, and what an anonymous visitor may do."""

from __future__ import annotations

import hashlib

import pytest

from gamebuddies.errors import (
    ForbiddenError,
    RoomClosedError,
    ValidationError,
)
from players.models import PlayerSession
from players.selectors import session_get_active
from rooms import services
from rooms.models import ROOM_CODE_ALPHABET, Room, RoomEvent
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


@pytest.mark.parametrize("name", ["", "   ", "x" * 25, "bad\x00name", "zero\u200bwidth"])
def test_invalid_names_are_refused(name):
    with pytest.raises(ValidationError):
        services.room_create(host_name=name, actor=SYSTEM)


def test_names_are_nfkc_normalised_and_markup_is_kept_as_plain_text():
    seat = services.room_create(host_name="<svg onload=alert(1)>", actor=SYSTEM)
    assert seat.player.display_name == "<svg onload=alert(1)>"
    assert services.room_create(host_name="Ｆｕｌｌ", actor=SYSTEM).player.display_name == "Full"


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
