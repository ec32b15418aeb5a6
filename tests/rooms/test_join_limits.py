"""Joining from one IP (issue 18 #11, issue 22 #4): a party on one Wi-Fi gets in, a script does not,
and a kicked browser cannot simply come back until the block ends or the host lifts it."""

from __future__ import annotations

import pytest
from django.test import Client

from gamebuddies.actors import Actor
from players import cookies
from rooms import services
from rooms.models import RoomMember
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db

WIFI = "198.51.100.20"


def browser(ip: str = WIFI) -> Client:
    client = Client(REMOTE_ADDR=ip)
    assert client.get("/").status_code == 200  # like a real browser: it has been on the site (CSRF cookie)
    return client


def join(client: Client, code: str, name: str):
    return client.post(f"/r/{code}", {"name": name})


def seated_in(client: Client, code: str) -> bool:
    return client.get(f"/rooms/{code}/").status_code == 200


def test_twenty_friends_on_one_wifi_all_join_within_a_minute():
    rooms = [services.room_create(host_name=f"Host {n}", actor=SYSTEM).room for n in range(3)]
    friends = [browser() for _ in range(20)]
    answers = [join(friend, rooms[n % 3].room_code, f"Friend {n}") for n, friend in enumerate(friends)]
    assert [a.status_code for a in answers] == [302] * 20
    assert all(seated_in(friend, rooms[n % 3].room_code) for n, friend in enumerate(friends))


def test_a_script_filling_rooms_from_one_ip_is_cut_off():
    rooms = [services.room_create(host_name=f"Host {n}", actor=SYSTEM).room for n in range(8)]
    script = Client(REMOTE_ADDR="203.0.113.66")
    statuses = []
    for n in range(60):  # 168 joins in 8 s was the attack; a fresh cookie jar for every join
        script.cookies.clear()
        statuses.append(join(script, rooms[n % 8].room_code, f"Bot {n}").status_code)
    assert statuses[:40] == [302] * 40
    assert set(statuses[40:]) == {429}
    assert RoomMember.objects.filter(player__display_name__startswith="Bot").count() == 40


def test_a_kicked_browser_cannot_rejoin_until_the_host_lets_it_back_in():
    host_browser = browser()
    assert host_browser.post("/rooms/new", {"create-name": "Host"}).status_code == 302
    code = next(iter(cookies.decode(host_browser.cookies["gb_player"].value)))
    guest_browser = browser()
    assert join(guest_browser, code, "Guest").status_code == 302
    guest = RoomMember.objects.get(player__display_name="Guest")
    host = RoomMember.objects.get(player__display_name="Host")
    actor = Actor.player(player_id=host.player_id, room_id=host.room_id)
    services.member_kick(room=host.room_id, target_player_id=guest.player_id, actor=actor)

    again = join(guest_browser, code, "Guest again")
    assert again.status_code == 403
    assert "The host removed you from this room" in again.content.decode()
    assert not seated_in(guest_browser, code)
    assert join(browser(), code, "Friend on the same wifi").status_code == 302  # the party is not blocked

    # The host's lobby lists the removed player with a way to let them back in; nobody else's does.
    host_lobby = host_browser.get(f"/rooms/{code}/").content.decode()
    assert "Removed players" in host_lobby and f'name="playerId" value="{guest.player_id}"' in host_lobby
    assert "Let Guest back in" in host_lobby
    # Only the host may lift it.
    friend = browser()
    assert join(friend, code, "Friend").status_code == 302
    friend.post(f"/rooms/{code}/unblock", {"playerId": str(guest.player_id)})
    assert join(guest_browser, code, "Guest again").status_code == 403
    lifted = host_browser.post(f"/rooms/{code}/unblock", {"playerId": str(guest.player_id)})
    assert lifted.status_code == 302
    assert join(guest_browser, code, "Guest again").status_code == 302
    assert seated_in(guest_browser, code)
    assert "Removed players" not in host_browser.get(f"/rooms/{code}/").content.decode()
    assert "Removed players" not in friend.get(f"/rooms/{code}/").content.decode()


def test_a_kick_block_ends_by_itself(settings):
    settings.KICK_BLOCK_SECONDS = 0
    seat = services.room_create(host_name="Host", actor=SYSTEM)
    guest_browser = browser()
    assert join(guest_browser, seat.room.room_code, "Guest").status_code == 302
    guest = RoomMember.objects.get(player__display_name="Guest")
    services.member_kick(room=seat.room, target_player_id=guest.player_id, actor=SYSTEM)
    assert join(guest_browser, seat.room.room_code, "Guest").status_code == 302
