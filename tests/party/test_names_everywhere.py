"""One name per look in a room, the same rule and message on every entry point (issue 23):
the join page (in German too), the lobby socket (a rename), and the Game API; plus Play again
and avatars over the socket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from players.names import NameTakenError
from rooms import services
from rooms.models import Room
from tests.factories import SYSTEM, make_room
from tests.gameapi.client import ApiClient, assert_envelope, make_key
from tests.rooms.sockets import seated


@pytest.mark.django_db
def test_the_join_page_refuses_a_second_hal_with_the_services_message_in_either_language():
    room, _ = make_room()
    services.room_join(room=room.room_code, display_name="Hal", actor=SYSTEM)
    english = Client().post(f"/r/{room.room_code}", {"name": "HAL"}, headers={"accept-language": "en"})
    assert english.status_code == 409
    assert NameTakenError.default_message in english.content.decode()
    german = Client().post(f"/r/{room.room_code}", {"name": "ℋal"}, headers={"accept-language": "de"})
    assert german.status_code == 409
    assert "Jemand in diesem Raum hat schon diesen Namen" in german.content.decode()


@pytest.mark.django_db
def test_the_api_refuses_a_second_hal_with_the_same_message():
    room, _ = make_room()
    services.room_join(room=room.room_code, display_name="Hal", actor=SYSTEM)
    raw, _ = make_key()
    body = assert_envelope(ApiClient(raw).post(f"/rooms/{room.room_code}/players", {"name": "hal"}), "NAME_TAKEN", 409)
    assert body["error"] == NameTakenError.default_message


async def _ack(socket, request_id):
    while True:
        message = await socket.receive_json_from(timeout=3)
        if message.get("type") == "ack" and message.get("requestId") == request_id:
            return message


@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_a_rename_to_a_taken_name_and_takes_an_avatar():
    room, seats = await database_sync_to_async(make_room)(players=2)
    await database_sync_to_async(services.room_join)(room=room.room_code, display_name="Hal", actor=SYSTEM)
    socket, _ = await seated(room.room_code, seats[1].token)
    try:
        await socket.send_json_to({"type": "setProfile", "requestId": "r1", "name": "HAL"})
        refused = await _ack(socket, "r1")
        assert refused["success"] is False
        assert (refused["error"]["code"], refused["error"]["error"]) == ("NAME_TAKEN", NameTakenError.default_message)
        await socket.send_json_to({"type": "setProfile", "requestId": "r2", "avatar": "owl", "avatarColour": 1})
        taken = await _ack(socket, "r2")
        assert taken["success"] is True
        await socket.send_json_to({"type": "setProfile", "requestId": "r3", "avatar": "<img>"})
        assert (await _ack(socket, "r3"))["error"]["code"] == "VALIDATION_ERROR"
    finally:
        await socket.disconnect()
    state = await database_sync_to_async(lambda: services_snapshot(room))()
    me = next(p for p in state["players"] if p["id"] == str(seats[1].player.pk))
    assert (me["name"], me["avatar"], me["avatarColour"]) == ("Player 1", "owl", 1)


def services_snapshot(room):
    from rooms.selectors import room_snapshot

    return room_snapshot(room=Room.objects.get(pk=room.pk))


@pytest.mark.django_db(transaction=True)
async def test_play_again_over_the_socket_is_refused_to_a_guest(quiz_game):
    room, seats = await database_sync_to_async(make_room)(players=2)
    socket, _ = await seated(room.room_code, seats[1].token)
    try:
        await socket.send_json_to({"type": "playAgain", "requestId": "p1"})
        assert (await _ack(socket, "p1"))["error"]["code"] == "FORBIDDEN"
    finally:
        await socket.disconnect()
