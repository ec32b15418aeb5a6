"""players/services.py: players, their sessions (one active per player and room, revoked on
the way out) and the status history rows the room services hand over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gamebuddies.errors import InvalidSessionError, ValidationError
from players import services
from players.avatars import AVATARS
from players.models import Player, PlayerSession, PlayerStatusHistory, SessionStatus
from players.selectors import session_get_active
from rooms.models import Location, PlayerStatus
from rooms.services.history import history_row
from tests.factories import make_room

pytestmark = pytest.mark.django_db


def _statuses(*issued) -> list[str]:
    """Stored statuses of IssuedSessions, or of the sessions of seats (a SeatResult holds one)."""
    sessions = [getattr(i.session, "session", i.session) for i in issued]
    return [PlayerSession.objects.get(pk=s.pk).status for s in sessions]


def test_a_player_is_created_with_a_cleaned_name_and_a_known_avatar_or_none():
    avatar = next(iter(AVATARS))
    player = services.player_create(display_name="  Ｆｕｌｌ  ", avatar=avatar, avatar_colour="3")
    assert (player.display_name, player.avatar, player.avatar_colour) == ("Full", avatar, 3)
    assert services.player_create(display_name="Bea", avatar="").avatar is None
    with pytest.raises(ValidationError):
        services.player_create(display_name="Cy", avatar="not-an-avatar")
    assert Player.objects.count() == 2


def test_a_new_session_replaces_the_players_active_one_in_that_room_and_its_token_works():
    room, (host,) = make_room(players=1)
    first = services.session_issue(player=host.player, room=room)
    second = services.session_issue(player=host.player, room=room)
    assert _statuses(first, second) == [SessionStatus.REVOKED, SessionStatus.ACTIVE]
    assert session_get_active(token=second.token).pk == second.session.pk
    with pytest.raises(InvalidSessionError):
        session_get_active(token=first.token)


def test_a_session_lasts_player_session_days(settings):
    settings.PLAYER_SESSION_DAYS = 2
    room, (host,) = make_room(players=1)
    issued = services.session_issue(player=host.player, room=room)
    left = issued.session.expires_at - timezone.now()
    assert timedelta(days=2) - timedelta(minutes=1) < left <= timedelta(days=2)


def test_revoking_a_players_sessions_leaves_other_players_and_rooms_alone():
    room, (host, guest) = make_room(players=2)
    other_room, _ = make_room(players=1)
    elsewhere = services.session_issue(player=host.player, room=other_room)
    assert services.session_revoke_all(player_id=host.player.pk, room_id=room.pk) == 1
    assert _statuses(host, guest, elsewhere) == [SessionStatus.REVOKED, SessionStatus.ACTIVE, SessionStatus.ACTIVE]


def test_closing_a_room_revokes_every_session_of_that_room_only():
    room, seats = make_room(players=3)
    other_room, (other,) = make_room(players=1)
    assert services.sessions_revoke_room(room_id=room.pk) == 3
    assert set(_statuses(*seats)) == {SessionStatus.REVOKED}
    assert _statuses(other) == [SessionStatus.ACTIVE]


def test_a_profile_update_writes_only_the_fields_given():
    room, (host,) = make_room(players=1)
    services.player_profile_update(player_id=host.player.pk, fields={"avatar_colour": 5})
    player = Player.objects.get(pk=host.player.pk)
    assert (player.display_name, player.avatar_colour) == ("Host", 5)


def test_history_rows_are_written_together_with_their_old_and_new_state():
    room, (host, guest) = make_room(players=2)
    rows = [
        history_row(
            player_id=seat.player.pk,
            room_id=room.pk,
            old_location=Location.LOBBY,
            old_status=PlayerStatus.CONNECTED,
            new_location=Location.GAME,
            new_status=PlayerStatus.IN_GAME,
            reason="r" * 300,  # kept to the column's 200 characters
        )
        for seat in (host, guest)
    ]
    services.status_history_record_many(rows)
    stored = PlayerStatusHistory.objects.filter(room=room).order_by("id")
    assert [(h.player_id, h.old_location, h.new_location, h.new_status) for h in stored] == [
        (host.player.pk, "lobby", "game", "in_game"),
        (guest.player.pk, "lobby", "game", "in_game"),
    ]
    assert {len(h.reason) for h in stored} == {200} and {str(h.metadata) for h in stored} == {"{}"}
