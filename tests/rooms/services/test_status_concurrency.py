"""Concurrent status updates on real PostgreSQL: nothing lost, versions exact (issue: state core)."""

import msgpack
import pytest
import redis
from django.conf import settings

from gamebuddies.actors import Actor
from players.models import PlayerStatusHistory
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from tests.concurrency import run_concurrently
from tests.factories import make_room

SYSTEM = Actor.system("race")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_updates_to_one_member_all_succeed_and_none_is_lost():
    room, seats = make_room(players=2, in_game=True)
    target = RoomMember.objects.get(pk=seats[1].member.pk)
    room_version = Room.objects.get(pk=room.pk).version

    def update(index):
        services.update_player_status(
            room=room.room_code,
            player_id=target.player_id,
            actor=SYSTEM,
            status="in_game" if index % 2 else "connected",
            location="game" if index % 2 else "lobby",
            metadata={f"k{index}": index},
        )

    errors = run_concurrently(50, update)

    assert errors == []
    after = RoomMember.objects.get(pk=target.pk)
    assert after.version == target.version + 50
    assert PlayerStatusHistory.objects.filter(player_id=target.player_id).count() == 50
    # Every update's metadata merged: no update overwrote another's.
    assert {f"k{i}" for i in range(50)} <= set(after.game_data)
    assert Room.objects.get(pk=room.pk).version == room_version + 50


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_to_different_members_give_distinct_increasing_room_versions():
    room, seats = make_room(players=10, in_game=True)
    start = Room.objects.get(pk=room.pk).version
    received = []
    subscriber = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    subscriber.subscribe(f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}__group__{room.group_name}")
    subscriber.get_message(timeout=1)  # the subscribe confirmation

    def update(index):
        seat = seats[index % 10]
        services.update_player_status(
            room=room.pk, player_id=seat.player.pk, actor=SYSTEM, status="connected", metadata={"n": index}
        )

    errors = run_concurrently(30, update)
    assert errors == []
    final = Room.objects.get(pk=room.pk).version
    assert final == start + 30
    # The event log holds one version per change: distinct, gap-free.
    versions = list(RoomEvent.objects.filter(room=room, room_version__gt=start).values_list("room_version", flat=True))
    assert sorted(versions) == list(range(start + 1, final + 1))
    # What reached Redis: distinct, strictly increasing, ending at the final version.
    while True:
        message = subscriber.get_message(timeout=2)
        if message is None:
            break
        received.append(msgpack.unpackb(message["data"])["version"])
        if received[-1] == final:
            break
    subscriber.close()
    assert received, "no broadcast reached Redis"
    assert received == sorted(set(received))
    assert received[-1] == final
