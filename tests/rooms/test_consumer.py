"""The lobby WebSocket protocol (issue 5) and its attack surface (issue 12).

Driven through the real ASGI application (origin guard + router + consumer) with
Channels' WebsocketCommunicator; the last test uses a real Uvicorn server.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from rooms import consumers, services
from rooms.models import RoomMember
from tests.factories import SYSTEM, make_room, player_actor
from tests.rooms.sockets import (
    browser,
    close_code,
    cookie_header,
    make_room_async,
    member,
    receive_until,
    request,
    room_version,
    socket,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


# -- authentication and origin --------------------------------------------------------
async def test_same_origin_browser_with_cookie_is_seated_and_receives_its_own_arrival():
    room, seats = await make_room_async(players=2)
    tab = socket(room.room_code, cookie=cookie_header(room.room_code, seats[1].token))
    assert (await tab.connect())[0]
    update = await receive_until(tab, lambda m: m["type"] == "roomStateUpdate")
    assert update["event"] == "player_connected" and update["changes"]["playerId"] == str(seats[1].player.pk)
    seated = await member(seats[1])
    assert seated.is_connected and seated.current_location == "lobby" and seated.socket_id
    await tab.disconnect()


async def test_foreign_origin_is_refused_before_any_room_data():
    room, seats = await make_room_async()
    cookie = cookie_header(room.room_code, seats[0].token)
    communicator = socket(room.room_code, origin=b"https://evil.example", cookie=cookie)
    connected, _ = await communicator.connect()
    assert connected is False
    assert await communicator.receive_nothing(0.2)


async def test_cookie_without_origin_is_not_trusted_so_the_client_must_authenticate(settings):
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    room, seats = await make_room_async()
    communicator = socket(room.room_code, origin=None, cookie=cookie_header(room.room_code, seats[0].token))
    assert (await communicator.connect())[0]
    assert await close_code(communicator) == 4401


async def test_token_sent_as_first_message_authenticates_a_non_browser_client():
    room, seats = await make_room_async(players=2)
    communicator = socket(room.room_code, origin=None)
    assert (await communicator.connect())[0]
    ack = await request(communicator, "a1", {"type": "auth", "token": seats[1].token})
    assert ack["success"] is True and ack["version"] == await room_version(room)
    sync_ack = await request(communicator, "s1", {"type": "sync", "lastKnownVersion": 0})
    assert sync_ack["success"] and sync_ack["version"] == ack["version"]
    await communicator.disconnect()


async def test_no_auth_within_the_timeout_closes_4401(settings):
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    room, _ = await make_room_async()
    communicator = socket(room.room_code, origin=None)
    assert (await communicator.connect())[0]
    assert await close_code(communicator) == 4401


async def test_an_auth_frame_sent_in_time_is_not_cut_off_while_the_server_is_slow_to_check_it(settings, monkeypatch):
    # A reconnect storm queues the database thread: a client that sent its token promptly must
    # not be closed 4401 because checking it took longer than the deadline.
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    room, seats = await make_room_async(players=2)
    real_lookup = consumers.session_get_active

    def slow_lookup(**kwargs):
        time.sleep(0.5)
        return real_lookup(**kwargs)

    monkeypatch.setattr(consumers, "session_get_active", slow_lookup)
    communicator = socket(room.room_code, origin=None)
    assert (await communicator.connect())[0]
    ack = await request(communicator, "a1", {"type": "auth", "token": seats[1].token})
    assert ack["success"] is True
    await asyncio.sleep(0.3)  # well past the deadline: the socket is still open and seated
    sync_ack = await request(communicator, "s1", {"type": "sync", "lastKnownVersion": 0})
    assert sync_ack["success"] is True
    await communicator.disconnect()


async def test_invalid_token_closes_4401():
    room, _ = await make_room_async()
    communicator = socket(room.room_code, origin=None)
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "requestId": "a", "token": "gbs_not-a-real-token"})
    assert await close_code(communicator) == 4401


async def test_any_other_first_message_closes_4401():
    room, _ = await make_room_async()
    communicator = socket(room.room_code, origin=None)
    await communicator.connect()
    await communicator.send_json_to({"type": "setReady", "requestId": "r", "ready": True})
    assert await close_code(communicator) == 4401


async def test_session_for_another_room_closes_4403():
    room_a, seats_a = await make_room_async()
    room_b, _ = await make_room_async()
    communicator = socket(room_b.room_code, origin=None)
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "requestId": "a", "token": seats_a[0].token})
    assert await close_code(communicator) == 4403
    # The cookie route holds the same rule: a tab for room B with room A's token is refused.
    forged = socket(room_b.room_code, cookie=cookie_header(room_b.room_code, seats_a[0].token))
    await forged.connect()
    assert await close_code(forged) == 4403


async def test_kicked_players_socket_is_closed_and_their_token_is_dead():
    room, seats = await make_room_async(players=2)
    tab = await browser(seats[1])
    await database_sync_to_async(services.member_kick)(
        room=room, target_player_id=seats[1].player.pk, actor=player_actor(seats[0])
    )
    assert await close_code(tab) == 4003
    again = socket(room.room_code, origin=None)
    await again.connect()
    await again.send_json_to({"type": "auth", "requestId": "a", "token": seats[1].token})
    assert await close_code(again) == 4401


# -- code guessing on the socket route ------------------------------------------------
async def test_unknown_code_closes_4404_and_guessing_ends_in_4429(settings):
    settings.ROOM_CODE_GUESS_RATE = "3/m"
    room, seats = await make_room_async()
    codes = []
    for code in ("QQQQQ2", "QQQQQ3", "QQQQQ4", "QQQQQ5"):
        communicator = socket(code, ip="203.0.113.5")
        await communicator.connect()
        error = await communicator.receive_json_from()
        codes.append((error["code"], await close_code(communicator)))
    assert codes[:3] == [("ROOM_NOT_FOUND", 4404)] * 3
    assert codes[3] == ("RATE_LIMITED", 4429)
    # A real room is refused to this IP too (unless it holds a seat there), and still works from another.
    blocked = socket(room.room_code, ip="203.0.113.5")
    await blocked.connect()
    assert (await blocked.receive_json_from())["retryAfter"] >= 1
    assert await close_code(blocked) == 4429
    fine = socket(room.room_code, ip="198.51.100.5", cookie=cookie_header(room.room_code, seats[0].token))
    assert (await fine.connect())[0]
    await receive_until(fine, lambda m: m["type"] == "roomStateUpdate")
    await fine.disconnect()


# -- requests and acks ---------------------------------------------------------------
async def test_every_request_is_acked_and_changes_reach_every_socket():
    room, seats = await make_room_async(players=2)
    host, guest = await browser(seats[0]), await browser(seats[1])
    ack = await request(guest, "ready-1", {"type": "setReady", "ready": True})
    assert ack == {"type": "ack", "requestId": "ready-1", "success": True, "version": ack["version"]}
    for tab in (host, guest):
        update = await receive_until(tab, lambda m: m["type"] == "roomStateUpdate" and m["version"] == ack["version"])
        mine = next(p for p in update["state"]["players"] if p["id"] == str(seats[1].player.pk))
        assert mine["isReady"] is True
    pong = await guest.send_json_to({"type": "ping", "requestId": "p"})
    pong = await receive_until(guest, lambda m: m["type"] == "pong")
    assert isinstance(pong["serverTime"], int)
    await host.disconnect()
    await guest.disconnect()


async def test_sync_sends_a_snapshot_only_when_the_client_is_behind():
    room, seats = await make_room_async()
    tab = await browser(seats[0])
    current = await room_version(room)
    ack = await request(tab, "s-current", {"type": "sync", "lastKnownVersion": current})
    assert ack["version"] == current
    assert await tab.receive_nothing(0.2)
    await tab.send_json_to({"type": "sync", "requestId": "s-old", "lastKnownVersion": current - 1})
    snapshot = await tab.receive_json_from()
    # The full snapshot of the current version (its `event` names the change that made it).
    assert (snapshot["type"], snapshot["version"]) == ("roomStateUpdate", current)
    assert len(snapshot["state"]["players"]) == 1
    assert (await tab.receive_json_from())["requestId"] == "s-old"
    await tab.disconnect()


async def test_host_only_actions_are_forbidden_for_other_players_and_change_nothing(quiz_game):
    room, seats = await make_room_async(players=2)
    guest = await browser(seats[1])
    before = await room_version(room)
    for index, message in enumerate(
        [
            {"type": "selectGame", "game": "quiz", "settings": {}},
            {"type": "startGame"},
            {"type": "kick", "playerId": str(seats[0].player.pk)},
            {"type": "transferHost", "playerId": str(seats[1].player.pk)},
            {"type": "endGame"},
        ]
    ):
        ack = await request(guest, f"h{index}", message)
        assert ack["success"] is False and ack["error"]["code"] == "FORBIDDEN", message
    assert await room_version(room) == before
    await guest.disconnect()


async def test_spectators_act_on_nothing():
    room, _ = await make_room_async()
    spectator = await database_sync_to_async(services.room_join)(
        room=room.room_code, display_name="Watcher", actor=SYSTEM, role="spectator"
    )
    tab = await browser(spectator)
    ready = await request(tab, "r", {"type": "setReady", "ready": True})
    status = await request(tab, "s", {"type": "updateStatus", "status": "in_game", "location": "game"})
    assert ready["error"]["code"] == status["error"]["code"] == "FORBIDDEN"
    await tab.disconnect()


async def test_host_selects_and_starts_a_game_and_every_player_is_moved_to_it(quiz_game):
    room, seats = await make_room_async(players=2)
    host, guest = await browser(seats[0]), await browser(seats[1])
    selected = await request(host, "g", {"type": "selectGame", "game": "quiz", "settings": {"rounds": 5}})
    assert selected["success"]
    started = await request(host, "start", {"type": "startGame"})
    assert started["success"] and started["version"] == selected["version"] + 1
    update = await receive_until(guest, lambda m: m.get("event") == "game_started")
    assert sorted(update["changes"]["players"]) == sorted(str(s.player.pk) for s in seats)
    assert update["state"]["room"]["settings"] == {"rounds": 5}
    assert "sessionToken" not in json.dumps(update) and "gbs_" not in json.dumps(update)
    ended = await request(host, "end", {"type": "endGame"})
    assert ended["success"]
    back = await receive_until(guest, lambda m: m.get("event") == "game_ended")
    assert back["state"]["room"]["status"] == "lobby"
    await host.disconnect()
    await guest.disconnect()


async def test_host_can_transfer_host_and_kick():
    room, seats = await make_room_async(players=3)
    host = await browser(seats[0])
    moved = await request(host, "t", {"type": "transferHost", "playerId": str(seats[1].player.pk)})
    assert moved["success"]
    again = await request(host, "k", {"type": "kick", "playerId": str(seats[2].player.pk)})
    assert again["error"]["code"] == "FORBIDDEN"  # no longer the host
    assert (await member(seats[1])).role == "host"
    await host.disconnect()


# -- malformed input, conflicts, floods, size -----------------------------------------
@pytest.mark.parametrize(
    ("text", "request_id", "field"),
    [
        ("not json", None, "body"),
        ("[1, 2]", None, "body"),
        ('{"type": "fly", "requestId": "m1"}', "m1", "type"),
        ('{"type": "sync", "requestId": {"nested": 1}}', None, "requestId"),
        ('{"type": "setReady", "requestId": "m2", "ready": "yes"}', "m2", "ready"),
        ('{"type": "kick", "requestId": "m3", "playerId": "not-a-uuid"}', "m3", "playerId"),
        ('{"type": "updateStatus", "requestId": "m4", "status": "sleeping"}', "m4", "status"),
    ],
)
async def test_malformed_messages_get_a_validation_error_and_the_socket_stays_open(text, request_id, field):
    room, seats = await make_room_async(players=2)
    tab = await browser(seats[0])
    await tab.send_to(text_data=text)
    ack = await receive_until(tab, lambda m: m["type"] == "ack")
    assert ack["success"] is False and ack["requestId"] == request_id
    assert ack["error"]["code"] == "VALIDATION_ERROR" and ack["error"]["field"] == field
    assert (await request(tab, "still-open", {"type": "ping"}))["success"] is True
    await tab.disconnect()


async def test_stale_expected_version_is_a_conflict_carrying_the_current_state():
    room, seats = await make_room_async(players=2)
    tab = await browser(seats[1])
    stale = (await member(seats[1])).version
    first = await request(tab, "u1", {"type": "updateStatus", "status": "connected", "expectedVersion": stale})
    assert first["success"]
    conflict = await request(tab, "u2", {"type": "updateStatus", "status": "connected", "expectedVersion": stale})
    assert conflict["success"] is False and conflict["error"]["code"] == "STATE_CONFLICT"
    assert conflict["error"]["retryable"] is True
    current = conflict["currentState"]
    assert current["version"] == first["version"] == await room_version(room)
    assert current["playerVersion"] == stale + 1
    assert {p["id"] for p in current["players"]} == {str(s.player.pk) for s in seats}
    await tab.disconnect()


async def test_a_flooding_client_is_told_rate_limited_and_disconnected(settings):
    settings.WS_DISCONNECT_GRACE_SECONDS = 0  # the seat is marked at once (no reconnect grace)
    settings.WS_MESSAGE_BURST = 5
    settings.WS_MESSAGES_PER_SECOND = 0.5
    room, seats = await make_room_async()
    tab = await browser(seats[0])
    for index in range(12):
        await tab.send_json_to({"type": "ping", "requestId": f"f{index}"})
    limited = await receive_until(tab, lambda m: m["type"] == "ack" and m["success"] is False)
    assert limited["error"]["code"] == "RATE_LIMITED"
    assert await close_code(tab) == 4429
    await tab.disconnect()  # the server's side of the close: the consumer marks the seat
    assert not (await member(seats[0])).is_connected


async def test_oversized_message_closes_the_socket_and_changes_nothing(settings):
    settings.WS_DISCONNECT_GRACE_SECONDS = 0  # the seat is marked at once (no reconnect grace)
    room, seats = await make_room_async(players=2)
    tab = await browser(seats[1])
    before = await room_version(room)
    padding = "x" * settings.WS_MAX_MESSAGE_BYTES
    await tab.send_to(text_data=json.dumps({"type": "setReady", "requestId": "big", "ready": True, "pad": padding}))
    assert await close_code(tab) == 4009
    await tab.disconnect()
    assert not (await member(seats[1])).is_ready
    # Only the disconnect itself was recorded.
    assert await room_version(room) == before + 1


# -- presence ---------------------------------------------------------------------------
async def test_closing_the_socket_marks_the_player_disconnected_and_reconnecting_brings_them_back(settings):
    settings.WS_DISCONNECT_GRACE_SECONDS = 0.5  # the seat is marked once this grace has passed
    room, seats = await make_room_async(players=2)
    host = await browser(seats[0])
    guest = await browser(seats[1])
    await guest.disconnect()
    gone = await receive_until(host, lambda m: m.get("event") == "player_disconnected")
    assert gone["changes"]["playerId"] == str(seats[1].player.pk)
    assert (await member(seats[1])).current_location == "disconnected"
    guest = await browser(seats[1])
    back = await receive_until(host, lambda m: m.get("event") == "player_connected")
    assert back["changes"]["reconnected"] is True
    assert (await member(seats[1])).current_location == "lobby"
    await host.disconnect()
    await guest.disconnect()


# -- the real server ----------------------------------------------------------------------
def test_uvicorn_closes_oversized_messages_with_1009_and_refuses_foreign_origins(live_server_url):
    import websockets.exceptions
    from websockets.sync.client import connect

    room, seats = make_room(players=2)
    ws_url = live_server_url.replace("http://", "ws://") + f"/ws/rooms/{room.room_code}/"
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        connect(ws_url, origin="https://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403

    with connect(ws_url, origin=live_server_url, open_timeout=5, max_size=None) as ws:
        ws.send(json.dumps({"type": "auth", "requestId": "a", "token": seats[1].token}))
        assert json.loads(ws.recv(timeout=5))["type"] in ("ack", "roomStateUpdate")
        ws.send(json.dumps({"type": "setReady", "ready": True, "pad": "x" * (settings.WS_MAX_MESSAGE_BYTES + 1)}))
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1009
    assert not RoomMember.objects.get(pk=seats[1].member.pk).is_ready
