"""The lobby client's reconciliation rules, driven message by message.

The page's WebSocket is replaced by a scripted fake (an init script, so the real
lobby.js runs unchanged under the real CSP) and the test plays the server: it decides
when acks and snapshots arrive, or that they never do.
"""

from __future__ import annotations

import copy
import re

import pytest
from playwright.sync_api import expect

from .fake_socket import FAKE_WEBSOCKET, FakeServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def snapshot(state: dict, version: int, *, event: str = "player_ready", **player_changes) -> dict:
    state = copy.deepcopy(state)
    state["room"]["version"] = version
    for player_id, changes in player_changes.get("players", {}).items():
        next(p for p in state["players"] if p["id"] == player_id).update(changes)
    return {"type": "roomStateUpdate", "event": event, "version": version, "state": state, "changes": {}}


@pytest.fixture
def lobby(visitors):
    """A real lobby page (real server, real cookie) whose socket is the scripted fake."""
    (player,) = visitors(1)
    player.context.add_init_script(script=FAKE_WEBSOCKET)
    player.create_room("Maya")
    server = FakeServer(player.page)
    server.wait_for_socket(0)
    server.open(0)
    data = player.lobby_data()
    first_sync = server.wait_for_request(0, "sync")
    assert first_sync["lastKnownVersion"] == data["version"]
    server.ack(0, first_sync, version=data["version"])
    expect(player.page.locator("#connection")).to_have_class(re.compile("conn--connected"))
    return player, server, data


def ready_button(player):
    return player.page.get_by_role("button", name="Ready")


def test_optimistic_change_is_confirmed_and_a_late_broadcast_triggers_a_sync(lobby):
    player, server, data = lobby
    me, version = data["me"]["playerId"], data["version"]
    before = len(server.sent(0))
    ready_button(player).click()
    expect(ready_button(player)).to_have_attribute("aria-pressed", "true")  # before any answer
    request = server.wait_for_request(0, "setReady", after=before)
    assert request["ready"] is True
    server.ack(0, request, version=version + 1)
    # The broadcast of version+1 never comes: two seconds after the ack the page asks.
    after_ack = len(server.sent(0))
    sync = server.wait_for_request(0, "sync", after=after_ack, timeout=4000)
    assert sync["lastKnownVersion"] == version
    server.send(0, snapshot(data["state"], version + 1, players={me: {"isReady": True}}))
    server.ack(0, sync, version=version + 1)
    expect(ready_button(player)).to_have_attribute("aria-pressed", "true")
    expect(player.player_row("Maya").locator(".ready")).to_have_text("Ready")


def test_no_sync_when_the_broadcast_arrives_in_time(lobby):
    player, server, data = lobby
    me, version = data["me"]["playerId"], data["version"]
    before = len(server.sent(0))
    ready_button(player).click()
    request = server.wait_for_request(0, "setReady", after=before)
    server.ack(0, request, version=version + 1)
    server.send(0, snapshot(data["state"], version + 1, players={me: {"isReady": True}}))
    player.page.wait_for_timeout(2500)
    assert [m["type"] for m in server.sent(0)[before:]] == ["setReady"]


def test_rejected_change_is_reverted_and_explained(lobby):
    player, server, data = lobby
    before = len(server.sent(0))
    ready_button(player).click()
    request = server.wait_for_request(0, "setReady", after=before)
    expect(ready_button(player)).to_have_attribute("aria-pressed", "true")
    server.ack(0, request, error={"code": "FORBIDDEN", "error": "Spectators can watch but not change the room"})
    expect(ready_button(player)).to_have_attribute("aria-pressed", "false")
    expect(player.page.locator("#alerts")).to_contain_text("Spectators can watch")


def test_network_error_reverts_then_reconnects_and_syncs_from_the_last_version(lobby):
    player, server, data = lobby
    me, version = data["me"]["playerId"], data["version"]
    server.send(0, snapshot(data["state"], version + 1, event="player_joined"))
    before = len(server.sent(0))
    ready_button(player).click()
    server.wait_for_request(0, "setReady", after=before)
    server.close(0, 1006)  # the connection dies before the ack
    expect(ready_button(player)).to_have_attribute("aria-pressed", "false")
    expect(player.page.locator("#connection")).to_have_class(re.compile("conn--(offline|syncing)"))
    server.wait_for_socket(1)  # reconnects by itself
    server.open(1)
    sync = server.wait_for_request(1, "sync")
    assert sync["lastKnownVersion"] == version + 1
    server.send(1, snapshot(data["state"], version + 2, players={me: {"isReady": True}}))
    server.ack(1, sync, version=version + 2)
    expect(ready_button(player)).to_have_attribute("aria-pressed", "true")
    expect(player.page.locator("#connection")).to_have_class(re.compile("conn--connected"))


def test_older_snapshots_are_ignored_and_a_version_gap_triggers_a_sync(lobby):
    player, server, data = lobby
    me, version = data["me"]["playerId"], data["version"]
    server.send(0, snapshot(data["state"], version + 1, players={me: {"isReady": True}}))
    expect(player.player_row("Maya").locator(".ready")).to_have_text("Ready")
    before = len(server.sent(0))
    server.send(0, snapshot(data["state"], version, players={me: {"isReady": False}}))  # late, older
    player.page.wait_for_timeout(200)
    expect(player.player_row("Maya").locator(".ready")).to_have_text("Ready")
    assert server.sent(0)[before:] == []
    server.send(0, snapshot(data["state"], version + 4, players={me: {"isReady": False}}))  # gap
    expect(player.player_row("Maya").locator(".ready")).to_have_text("Not ready")
    assert server.wait_for_request(0, "sync", after=before)["lastKnownVersion"] == version + 4


def test_removed_player_sees_why_and_the_page_stops_reconnecting(lobby):
    player, server, _ = lobby
    server.close(0, 4003)
    expect(player.page.locator("#ended")).to_be_visible()
    expect(player.page.locator("#ended-text")).to_contain_text("removed you")
    player.page.wait_for_timeout(1500)
    assert server.count() == 1


def test_a_socket_without_pongs_is_declared_dead_and_replaced(visitors):
    # The socket module on its own, with a short heartbeat, as the browser game SDK uses it.
    (player,) = visitors(1)
    player.context.add_init_script(script=FAKE_WEBSOCKET)
    player.page.goto(player.base_url + "/")
    player.page.evaluate(
        """async () => {
            const { connectRoom } = await import('/static/gamebuddies/room-socket.js');
            window.statuses = [];
            window.room = connectRoom({ code: 'ABCDEF', token: 'gbs_x', heartbeatMs: 200,
                                        onStatus: (s) => window.statuses.push(s) });
        }"""
    )
    server = FakeServer(player.page)
    server.wait_for_socket(0)
    server.open(0)
    auth = server.wait_for_request(0, "auth")
    assert auth["token"] == "gbs_x"
    server.ack(0, auth, version=1)
    server.ack(0, server.wait_for_request(0, "sync"), version=1)
    ping = server.wait_for_request(0, "ping")
    server.send(0, {"type": "pong", "serverTime": 1})
    server.ack(0, ping)
    # From now on the server is silent: no pong, so the socket is dropped and replaced.
    server.wait_for_socket(1)
    assert player.page.evaluate("window.__sockets[0].closedWith") == 4000
    assert "offline" in player.page.evaluate("window.statuses")
