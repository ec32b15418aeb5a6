"""Issue 22 #4: a party shares one IP. One guest mistyping codes must not lock the others out,
while anything that guesses codes is still cut off (issue 18's code-guessing limit)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from players import cookies
from rooms.models import RoomMember
from tests.rooms.sockets import close_code, cookie_header, make_room_async, socket

pytestmark = pytest.mark.django_db(transaction=True)

WIFI = "198.51.100.44"


def unknown_codes(n: int) -> list[str]:
    return [f"ZZZ{index:03d}".replace("0", "Q").replace("1", "W") for index in range(n)]


def party_browser() -> Client:
    client = Client(REMOTE_ADDR=WIFI)
    assert client.get("/").status_code == 200  # has been on the site: holds a CSRF cookie
    return client


def code_of(client: Client) -> str:
    return next(iter(cookies.decode(client.cookies["gb_player"].value)))


def test_a_mistyping_guest_does_not_lock_out_the_party_but_guessers_are_cut_off():
    host = party_browser()
    assert host.post("/rooms/new", {"create-name": "Host"}).status_code == 302
    code = code_of(host)
    seated = party_browser()
    assert seated.post(f"/r/{code}", {"name": "Seated"}).status_code == 302

    typo = party_browser()
    statuses = [typo.post("/join", {"join-code": c, "join-name": "Typo"}).status_code for c in unknown_codes(25)]
    assert statuses[:20] == [404] * 20 and set(statuses[20:]) == {429}  # this browser is cut off...
    assert typo.get(f"/r/{code}").status_code == 429  # ...even for a real code: no oracle

    # Another browser on the same IP joins by the valid invite link.
    late = party_browser()
    assert late.get(f"/r/{code}").status_code == 200
    assert late.post(f"/r/{code}", {"name": "Late"}).status_code == 302
    # The seated players' lobbies keep working.
    for player in (host, seated, late):
        assert player.get(f"/rooms/{code}/").status_code == 200

    # A script that keeps no cookies shares one bucket per IP: cut off after 20 unknown codes.
    script = Client(REMOTE_ADDR=WIFI)
    answers = [script.get(f"/r/{c}").status_code for c in unknown_codes(21)]
    assert answers[:20] == [404] * 20 and answers[20] == 429
    assert script.get(f"/r/{code}").status_code == 429


def test_a_script_inventing_a_new_cookie_for_every_guess_meets_the_per_ip_backstop(settings):
    assert settings.ROOM_CODE_GUESS_IP_RATE == "100/m"
    script = Client(REMOTE_ADDR="203.0.113.80")
    answers = []
    for index, code in enumerate(unknown_codes(101)):
        script.cookies[settings.CSRF_COOKIE_NAME] = f"invented-{index:04d}-" + "x" * 20
        answers.append(script.get(f"/r/{code}").status_code)
    assert answers[:100] == [404] * 100 and answers[100] == 429


async def test_a_seated_players_socket_is_never_behind_the_guessing_limit(settings):
    settings.ROOM_CODE_GUESS_RATE = "3/m"
    room, seats = await make_room_async(players=2)
    for code in unknown_codes(4):  # this IP (no cookie) is now over its limit
        guess = socket(code, ip=WIFI)
        await guess.connect()
        await close_code(guess)
    stranger = socket(room.room_code, ip=WIFI)
    await stranger.connect()
    assert await close_code(stranger) == 4429
    tab = await seated_socket_on(seats[1], ip=WIFI)
    await tab.disconnect()
    assert await database_sync_to_async(RoomMember.objects.filter(room=room).count)() == 2


async def seated_socket_on(seat, *, ip):
    communicator = socket(seat.room.room_code, ip=ip, cookie=cookie_header(seat.room.room_code, seat.token))
    connected, _ = await communicator.connect()
    assert connected
    message = await communicator.receive_json_from(timeout=3)
    assert message["type"] == "roomStateUpdate", message
    return communicator
