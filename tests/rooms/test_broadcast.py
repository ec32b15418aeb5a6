"""One standard roomStateUpdate after commit, nothing for a rollback (issue: state core)."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from gamebuddies.asgi import application
from rooms import services
from rooms.broadcast import RoomStateBroadcaster
from tests.factories import SYSTEM, make_room, player_actor

STANDARD_KEYS = {"type", "event", "roomCode", "timestamp", "version", "state", "changes"}


async def _connect(code, token):
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{code}/")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "auth", "token": token})
    return communicator


async def _next_state(communicator, timeout=3):
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == "roomStateUpdate":
            return message


@pytest.mark.django_db(transaction=True)
async def test_socket_gets_the_standard_snapshot_after_commit_and_nothing_for_a_rollback():
    room, seats = await database_sync_to_async(make_room)(players=2)
    communicator = await _connect(room.room_code, seats[1].token)
    connected = await _next_state(communicator)
    assert connected["event"] == "player_connected" and set(connected) >= STANDARD_KEYS

    def ready_then_fail():
        with transaction.atomic():
            services.member_set_ready(
                room=room.pk, player_id=seats[0].player.pk, ready=True, actor=player_actor(seats[0])
            )
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(ready_then_fail)()
    assert await communicator.receive_nothing(timeout=0.5)

    await database_sync_to_async(services.member_set_ready)(
        room=room.pk, player_id=seats[0].player.pk, ready=True, actor=player_actor(seats[0])
    )
    update = await _next_state(communicator)
    assert update["event"] == "player_ready" and update["version"] == connected["version"] + 1
    assert update["changes"] == {"playerId": str(seats[0].player.pk), "isReady": True}
    host = next(p for p in update["state"]["players"] if p["id"] == str(seats[0].player.pk))
    assert host["isReady"] is True and host["isHost"] is True
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_every_socket_of_the_room_gets_the_same_snapshot_and_other_rooms_get_none():
    room, seats = await database_sync_to_async(make_room)(in_game=True, players=3)
    other_room, other_seats = await database_sync_to_async(make_room)(in_game=True, players=1)
    sockets = [await _connect(room.room_code, seat.token) for seat in seats]
    outsider = await _connect(other_room.room_code, other_seats[0].token)
    await _next_state(outsider)
    for socket in sockets:  # drain the connect snapshots
        while (await _next_state(socket))["version"] < room.version + 3:
            pass
    change = await database_sync_to_async(services.update_player_status)(
        room=room.pk, player_id=seats[2].player.pk, status="in_game", location="game", actor=SYSTEM
    )
    received = [await _next_state(socket) for socket in sockets]
    assert {r["version"] for r in received} == {change.change.version}
    assert all(r == received[0] for r in received)
    assert await outsider.receive_nothing(timeout=0.3)
    for socket in [*sockets, outsider]:
        await socket.disconnect()


def test_within_a_process_an_older_snapshot_arriving_after_a_newer_one_is_dropped(monkeypatch):
    sent = []

    class RecordingLayer:
        async def group_send(self, group, message):
            sent.append(message["version"])

    monkeypatch.setattr("rooms.broadcast.get_channel_layer", RecordingLayer)
    broadcaster = RoomStateBroadcaster()
    loop = asyncio.new_event_loop()
    try:
        for version in (3, 5, 4, 6):
            loop.run_until_complete(broadcaster._send("room.x", version, {"version": version}, 0.0))
    finally:
        loop.close()
    assert sent == [3, 5, 6]


@pytest.mark.django_db(transaction=True)
def test_redis_down_at_broadcast_time_keeps_the_committed_write(settings):
    # No Redis needed: the layer points at a port where none listens, on either test pass.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        room, seats = make_room(players=2)
        change = services.member_set_ready(
            room=room.pk, player_id=seats[1].player.pk, ready=True, actor=player_actor(seats[1])
        )
        assert change.ticket.wait(5) is False
    finally:
        channel_layers.backends.clear()
    from rooms.models import RoomMember

    assert RoomMember.objects.get(pk=seats[1].member.pk).is_ready is True
