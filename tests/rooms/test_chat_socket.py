"""Lobby chat over the room socket (issue 23): its own message types, never a room snapshot."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache

from rooms.services import chat
from tests.factories import make_room
from tests.rooms.sockets import browser, receive_until, request, room_version

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    chat._seat_buckets.clear()


async def no_snapshot_within(communicator, seconds: float) -> None:
    """Only non-snapshot messages (if any) arrive for `seconds`."""
    while not await communicator.receive_nothing(timeout=seconds):
        message = await communicator.receive_output()
        assert json.loads(message.get("text") or "{}").get("type") != "roomStateUpdate"


async def test_a_chat_line_reaches_every_socket_as_its_own_message_without_a_version_bump():
    room, (host, guest) = await database_sync_to_async(make_room)(players=2)
    host_tab, guest_tab = await browser(host), await browser(guest)
    version = await room_version(room)

    ack = await request(guest_tab, "c1", {"type": "chatSend", "text": "<img src=x onerror=alert(1)>"})
    assert ack["success"] is True

    seen = await receive_until(host_tab, lambda m: m["type"] == "chatMessage")
    assert seen["message"]["text"] == "<img src=x onerror=alert(1)>" and seen["message"]["name"] == "Player 1"
    await no_snapshot_within(host_tab, 0.3)
    assert await room_version(room) == version

    await host_tab.send_json_to({"type": "chatHistory", "requestId": "h1"})
    history = await receive_until(host_tab, lambda m: m["type"] == "chatHistory")
    assert [m["text"] for m in history["messages"]] == ["<img src=x onerror=alert(1)>"]
    await host_tab.disconnect()
    await guest_tab.disconnect()


async def test_a_muted_players_line_is_refused_with_chat_muted_and_everyone_hears_of_the_mute():
    room, (host, guest) = await database_sync_to_async(make_room)(players=2)
    host_tab, guest_tab = await browser(host), await browser(guest)
    ack = await request(host_tab, "m1", {"type": "chatMute", "playerId": str(guest.player.pk), "muted": True})
    assert ack["success"] is True
    notice = await receive_until(guest_tab, lambda m: m["type"] == "chatMuted")
    assert notice["muted"] is True and notice["playerId"] == str(guest.player.pk)

    refused = await request(guest_tab, "c1", {"type": "chatSend", "text": "hello?"})
    assert refused["success"] is False and refused["error"]["code"] == "CHAT_MUTED"
    await host_tab.disconnect()
    await guest_tab.disconnect()


async def test_a_burst_past_the_seats_chat_bucket_is_refused_before_the_database(monkeypatch):
    room, (host,) = await database_sync_to_async(make_room)(players=1)
    tab = await browser(host)
    answers = [await request(tab, f"c{n}", {"type": "chatSend", "text": f"line {n}"}) for n in range(7)]
    assert [a["success"] for a in answers] == [True] * 5 + [False] * 2
    assert answers[-1]["error"]["code"] == "RATE_LIMITED"
    await tab.disconnect()


async def test_the_host_lists_the_room_over_the_socket_and_every_page_gets_the_snapshot():
    room, (host, guest) = await database_sync_to_async(make_room)(players=2)
    host_tab, guest_tab = await browser(host), await browser(guest)
    assert (await request(host_tab, "p1", {"type": "setPublic", "public": True}))["success"] is True
    update = await receive_until(guest_tab, lambda m: m.get("event") == "room_visibility_changed")
    assert update["state"]["room"]["isPublic"] is True
    refused = await request(guest_tab, "p2", {"type": "setPublic", "public": False})
    assert refused["success"] is False and refused["error"]["code"] == "FORBIDDEN"
    await host_tab.disconnect()
    await guest_tab.disconnect()
