"""Reconnect floods and socket piles (issue 18 #4): one seat opened, authenticated and closed a
socket 150 times in 3.5 s (226 events, 223 snapshots to everyone else) and kept 400 sockets."""

from __future__ import annotations

import asyncio

import pytest

from tests.rooms.sockets import (
    browser,
    close_code,
    cookie_header,
    make_room_async,
    member,
    receive_until,
    room_version,
    socket,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


async def tab_of(seat, *, ip="127.0.0.1"):
    """A browser tab of the seat: connected, and the first message it got (a snapshot or an error)."""
    communicator = socket(seat.room.room_code, ip=ip, cookie=cookie_header(seat.room.room_code, seat.token))
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=3)
    return communicator, first


async def test_a_reconnect_flood_makes_no_versions_or_broadcasts_and_is_cut_off_with_4429(settings):
    settings.WS_DISCONNECT_GRACE_SECONDS = 30
    room, seats = await make_room_async(players=2)
    host = await browser(seats[0])
    guest = await browser(seats[1])
    await receive_until(host, lambda m: m.get("event") == "player_connected")  # the guest's arrival
    before = await room_version(room)
    await guest.disconnect()
    answers = []
    for _ in range(30):  # the seat's connects this minute: 1 above, then these
        tab, first = await tab_of(seats[1])
        answers.append(first.get("code") or first["type"])
        if first["type"] == "error":
            assert await close_code(tab) == 4429
        await tab.disconnect()
    assert answers[:19] == ["roomStateUpdate"] * 19  # each tab gets the snapshot itself...
    assert set(answers[19:]) == {"RATE_LIMITED"}
    assert await room_version(room) == before  # ...and nothing changed: no version, no event
    assert await host.receive_nothing(timeout=0.3)  # nor anything sent to the others
    assert (await member(seats[1])).is_connected  # still within the grace
    await host.disconnect()


async def test_a_seat_whose_socket_closes_is_disconnected_only_after_the_grace(settings):
    settings.WS_DISCONNECT_GRACE_SECONDS = 0.5
    room, seats = await make_room_async(players=2)
    host = await browser(seats[0])
    guest = await browser(seats[1])
    await guest.disconnect()
    assert (await member(seats[1])).is_connected
    gone = await receive_until(host, lambda m: m.get("event") == "player_disconnected", timeout=3)
    assert gone["changes"]["playerId"] == str(seats[1].player.pk)
    assert not (await member(seats[1])).is_connected
    await host.disconnect()


async def test_connects_from_one_ip_past_the_rate_are_closed_4429(settings):
    settings.WS_CONNECT_RATE_PER_IP = "5/m"
    room, seats = await make_room_async(players=1)
    results = []
    for _ in range(6):
        tab, first = await tab_of(seats[0], ip="203.0.113.77")
        results.append(first.get("code") or first["type"])
        await tab.disconnect()
    assert results == ["roomStateUpdate"] * 5 + ["RATE_LIMITED"]
    other_ip, first = await tab_of(seats[0], ip="198.51.100.77")
    assert first["type"] == "roomStateUpdate"
    await other_ip.disconnect()


async def test_a_seat_keeps_at_most_the_cap_of_sockets_and_the_oldest_is_closed_4409(settings):
    settings.WS_MAX_SOCKETS_PER_SEAT = 2
    room, seats = await make_room_async(players=1)
    oldest, _ = await tab_of(seats[0])
    middle, _ = await tab_of(seats[0])
    before = await room_version(room)
    newest, first = await tab_of(seats[0])
    assert first["type"] == "roomStateUpdate"
    assert await close_code(oldest) == 4409
    assert await middle.receive_nothing(timeout=0.2) and await newest.receive_nothing(timeout=0.2)
    assert await room_version(room) == before
    for tab in (oldest, middle, newest):
        await tab.disconnect()
    await asyncio.sleep(0)
