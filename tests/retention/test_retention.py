"""Old data goes, recent and live data stays (issue: operations, retention)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gameapi.models import ApiRequest
from gameapi.retention import prune_api_requests
from players.models import Player, PlayerSession, PlayerStatusHistory, SessionStatus
from rooms.management.commands.run_worker import retention_sweep
from rooms.models import GameState, Room, RoomEvent, RoomMember, RoomStatus
from rooms.services.retention import expire_sessions, prune_rooms
from tests.factories import make_room
from tests.retention.old_rows import ended_rooms, expired_sessions, old_api_requests

pytestmark = pytest.mark.django_db


def test_old_finished_and_abandoned_rooms_go_with_everything_that_belongs_to_them(quiz_game):
    old = ended_rooms(2) + ended_rooms(1, status=RoomStatus.ABANDONED)
    GameState.objects.create(room_id=old[0], game=quiz_game, version=1, state={"round": 1})
    players = set(RoomMember.objects.filter(room_id__in=old).values_list("player_id", flat=True))
    assert RoomEvent.objects.filter(room_id__in=old).exists()
    member = RoomMember.objects.filter(room_id=old[1]).first()
    PlayerStatusHistory.objects.create(
        player_id=member.player_id, room_id=old[1], new_location="game", new_status="in_game"
    )

    assert prune_rooms() == 3

    assert not Room.objects.filter(pk__in=old).exists()
    for model in (RoomMember, RoomEvent, PlayerSession, PlayerStatusHistory, GameState):
        assert not model.objects.filter(room_id__in=old).exists(), model.__name__
    assert not Player.objects.filter(pk__in=players).exists()  # seated nowhere else: gone too


def test_recent_ended_rooms_and_old_live_rooms_stay():
    recent = ended_rooms(1, age=timedelta(days=29))
    live, _ = make_room()
    Room.objects.filter(pk=live.pk).update(updated_at=timezone.now() - timedelta(days=90))
    assert prune_rooms() == 0
    assert Room.objects.filter(pk__in=[*recent, live.pk]).count() == 2


def test_a_room_created_before_the_cutoff_that_ended_after_it_stays():
    # The sweep narrows by created_at (its index) but decides by when the room ended.
    long_lived = ended_rooms(1, age=timedelta(days=2))[0]
    Room.objects.filter(pk=long_lived).update(created_at=timezone.now() - timedelta(days=60))
    assert prune_rooms() == 0
    assert Room.objects.filter(pk=long_lived).exists()


def test_a_player_still_seated_in_another_room_is_kept():
    old_room = ended_rooms(1, players=1)[0]
    player = RoomMember.objects.get(room_id=old_room).player
    other, _ = make_room()
    RoomMember.objects.create(room=other, player=player)
    assert prune_rooms() == 1
    assert Player.objects.filter(pk=player.pk).exists()


def test_retention_days_come_from_the_setting_or_the_argument(settings):
    ended_rooms(1, age=timedelta(days=10))
    settings.ROOM_RETENTION_DAYS = 30
    assert prune_rooms() == 0
    settings.ROOM_RETENTION_DAYS = 7
    assert prune_rooms(older_than_days=14) == 0
    assert prune_rooms() == 1


def test_sessions_past_their_expiry_are_marked_expired_and_others_stay_active():
    expired = expired_sessions(2)
    room, _ = make_room()
    assert expire_sessions() == 2
    assert set(PlayerSession.objects.filter(pk__in=expired).values_list("status", flat=True)) == {SessionStatus.EXPIRED}
    assert PlayerSession.objects.get(room=room).status == SessionStatus.ACTIVE


def test_old_api_request_rows_go_and_recent_ones_stay():
    old = old_api_requests(3)
    recent = old_api_requests(2, age=timedelta(days=1))
    assert prune_api_requests(batch_size=2) == 3
    assert set(ApiRequest.objects.values_list("pk", flat=True)) == set(recent)
    assert not ApiRequest.objects.filter(pk__in=old).exists()


def test_the_commands_prune_for_cron(capsys):
    ended_rooms(1, age=timedelta(days=3))
    old_api_requests(1, age=timedelta(days=3))
    expired_sessions(1)
    call_command("prune_rooms", "--older-than-days", "2")
    call_command("prune_api_requests", "--older-than-days", "2")
    call_command("expire_sessions")
    out = capsys.readouterr().out
    assert "Deleted 1 room(s)" in out and "Deleted 1 API request row(s)" in out and "Expired 1 session(s)" in out


def test_the_background_worker_sweep_runs_all_three():
    ended_rooms(1)
    old_api_requests(2)
    expired_sessions(1)
    assert retention_sweep() == {"roomsDeleted": 1, "sessionsExpired": 1, "apiRequestsDeleted": 2}
    assert retention_sweep() == {"roomsDeleted": 0, "sessionsExpired": 0, "apiRequestsDeleted": 0}
