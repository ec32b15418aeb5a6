"""Staff actions from the admin reach everyone in the room like any change: a socket in the
room sees each one's broadcast (issue 19)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from rooms import services
from rooms.models import Room
from tests.factories import SYSTEM, make_room, player_actor
from tests.rooms.sockets import browser, close_code, receive_until
from tests.staff import staff_client

pytestmark = [pytest.mark.django_db(transaction=True)]

SUPPORT = (
    "rooms.view_room",
    "rooms.view_roommember",
    "rooms.close_room",
    "rooms.kick_member",
    "rooms.transfer_host",
    "rooms.return_to_lobby",
)


@database_sync_to_async
def room_in_game_with_a_spectator():
    from rooms.models import Game

    Game.objects.create(slug="quiz", name="Quick Quiz", launch_url="https://games.example/quiz", max_players=8)
    room, seats = make_room(players=3, game_slug="quiz")
    watcher = services.room_join(room=room.pk, display_name="Watcher", actor=SYSTEM, role="spectator")
    return room, seats, watcher


@database_sync_to_async
def admin_post(client, name: str, room: Room, *args):
    response = client.post(reverse(f"admin:rooms_room_{name}", args=[room.pk, *args]))
    assert response.status_code == 302
    return response


async def test_each_staff_action_is_broadcast_to_the_room():
    room, seats, watcher = await room_in_game_with_a_spectator()
    tab = await browser(watcher)  # a spectator's lobby tab: it sees every change of the room
    await database_sync_to_async(services.game_start)(room=room.pk, actor=player_actor(seats[0]))
    await receive_until(tab, lambda m: m.get("event") == "game_started")
    staff = await database_sync_to_async(staff_client)("support", *SUPPORT)

    await admin_post(staff, "lobby", room)
    ended = await receive_until(tab, lambda m: m.get("event") == "game_ended")
    assert ended["state"]["room"]["status"] == "lobby" and ended["changes"]["playersReturned"] == 3

    await admin_post(staff, "host", room, seats[1].player.pk)
    moved = await receive_until(tab, lambda m: m.get("event") == "host_changed")
    assert moved["state"]["room"]["hostId"] == str(seats[1].player.pk)

    await admin_post(staff, "kick", room, seats[2].player.pk)
    kicked = await receive_until(tab, lambda m: m.get("event") == "player_kicked")
    assert str(seats[2].player.pk) not in {p["id"] for p in kicked["state"]["players"]}

    await admin_post(staff, "close", room)
    closed = await receive_until(tab, lambda m: m.get("event") == "room_closed")
    assert closed["state"]["room"]["status"] == "finished"
    assert await close_code(tab) == 4410
