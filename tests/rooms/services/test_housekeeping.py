"""Host migration, presence timeouts and abandonment run by the worker's sweep (issue: state core)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rooms import services
from rooms.models import Room, RoomMember
from rooms.services.housekeeping import sweep
from rooms.services.status import presence_touch
from tests.factories import SYSTEM, make_room

pytestmark = pytest.mark.django_db


def _disconnect(room, seat):
    services.update_player_status(room=room.pk, player_id=seat.player.pk, status="disconnected", actor=SYSTEM)


def _touch_all(room, at):
    for member in RoomMember.objects.filter(room=room):
        presence_touch(member_id=member.pk, at=at.timestamp())


def test_host_disconnected_within_grace_keeps_the_role(settings):
    room, seats = make_room(players=3)
    _disconnect(room, seats[0])
    later = timezone.now() + timedelta(seconds=settings.HOST_GRACE_SECONDS - 5)
    _touch_all(room, later)
    sweep(now=later)
    assert Room.objects.get(pk=room.pk).host_id == seats[0].player.pk


def test_host_disconnected_past_grace_hands_over_to_earliest_connected_player(settings):
    room, seats = make_room(players=3)
    _disconnect(room, seats[0])
    _disconnect(room, seats[1])  # the earliest joiner is gone too: skip them
    later = timezone.now() + timedelta(seconds=settings.HOST_GRACE_SECONDS + 1)
    _touch_all(room, later)
    result = sweep(now=later)
    assert result["hostsMigrated"] == 1
    room = Room.objects.get(pk=room.pk)
    assert room.host_id == seats[2].player.pk
    roles = dict(RoomMember.objects.filter(room=room).values_list("player_id", "role"))
    assert roles[seats[0].player.pk] == "player" and roles[seats[2].player.pk] == "host"


def test_host_migration_is_one_version_bump():
    room, seats = make_room(players=2)
    _disconnect(room, seats[0])
    before = Room.objects.get(pk=room.pk).version
    change = services.host_migrate_if_needed(room=room.pk, actor=SYSTEM, now=timezone.now() + timedelta(hours=1))
    assert change.version == before + 1 == Room.objects.get(pk=room.pk).version


def test_lobby_seat_that_stopped_pinging_is_disconnected_but_a_pinging_one_stays(settings):
    room, seats = make_room(players=2)
    later = timezone.now() + timedelta(seconds=settings.LOBBY_PRESENCE_TIMEOUT_SECONDS + 1)
    presence_touch(member_id=seats[0].member.pk, at=later.timestamp() - 5)
    result = sweep(now=later)
    assert result["membersTimedOut"] == 1
    locations = dict(RoomMember.objects.filter(room=room).values_list("player_id", "current_location"))
    assert locations == {seats[0].player.pk: "lobby", seats[1].player.pk: "disconnected"}


def test_room_with_nobody_connected_past_the_timeout_is_abandoned(settings):
    room, seats = make_room(players=2)
    for seat in seats:
        _disconnect(room, seat)
    sweep(now=timezone.now() + timedelta(seconds=60))
    assert Room.objects.get(pk=room.pk).status == "lobby"
    sweep(now=timezone.now() + timedelta(seconds=settings.ROOM_ABANDON_SECONDS + 1))
    assert Room.objects.get(pk=room.pk).status == "abandoned"


@pytest.mark.redis
def test_a_cache_that_cannot_be_read_disconnects_nobody_for_silence(settings):
    # Redis away: "no heartbeat found" is not "no heartbeat sent", so the sweep waits.
    room, seats = make_room(players=2)
    later = timezone.now() + timedelta(seconds=settings.LOBBY_PRESENCE_TIMEOUT_SECONDS + 1)
    settings.CACHES = {
        "default": {"BACKEND": "gamebuddies.cache.SharedRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    result = sweep(now=later)
    assert result["membersTimedOut"] == 0
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"lobby"}
