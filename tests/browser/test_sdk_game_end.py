"""The browser SDK at the end of a game (issue 17): no progress reports after `gameEnd`, and a
report refused with ROOM_NOT_IN_GAME (it crossed the game's end on the way) ends the game
instead of failing.

The real sdk.js runs in Chromium against a scripted socket (tests/browser/test_lobby_client.py's
fake), and the test plays the server message by message.
"""

from __future__ import annotations

import pytest

from .fake_socket import FAKE_WEBSOCKET, FakeServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ME = "4b0e5a52-0000-4000-8000-000000000002"


def room_state(status: str, version: int, *, result=None) -> dict:
    player = {"id": ME, "name": "Ben", "isConnected": True, "currentLocation": "game", "gameData": {}}
    if status == "lobby":
        player["currentLocation"] = "lobby"
    metadata = {"lastGameResult": result} if result else {}
    return {"room": {"code": "ABCDEF", "status": status, "version": version, "metadata": metadata}, "players": [player]}


def update(status: str, version: int, event: str, **kwargs) -> dict:
    state = room_state(status, version, **kwargs)
    return {"type": "roomStateUpdate", "event": event, "version": version, "state": state, "changes": {}}


@pytest.fixture
def game_page(visitors):
    """A page running the SDK as a game would (autoReturn off, so the page stays), connected
    to a room in a game."""
    (player,) = visitors(1)
    player.context.add_init_script(script=FAKE_WEBSOCKET)
    player.page.goto(player.base_url + "/")
    player.page.evaluate(
        """async (me) => {
            const { GameBuddies } = await import('/static/gamebuddies/sdk.js');
            window.gb = new GameBuddies({ roomCode: 'ABCDEF', playerId: me, sessionToken: 'gbs_x', autoReturn: false });
            window.ends = [];
            window.gb.on('gameEnd', (result) => window.ends.push(result));
            window.gb.connect();
        }""",
        ME,
    )
    server = FakeServer(player.page)
    server.wait_for_socket(0)
    server.open(0)
    server.ack(0, server.wait_for_request(0, "auth"), version=5)
    sync = server.wait_for_request(0, "sync")
    server.send(0, update("in_game", 5, "game_started"))
    server.ack(0, sync, version=5)
    server.poll("window.gb.room && window.gb.room.status === 'in_game'")
    return player.page, server


def report(page) -> None:
    page.evaluate(
        """() => { window.answer = undefined; window.failure = undefined;
                   window.gb.reportProgress({ score: 3 }).then((a) => { window.answer = a; },
                                                              (e) => { window.failure = e.code; }); }"""
    )


def updates_sent(server) -> list[dict]:
    return [m for m in server.sent(0) if m["type"] == "updateStatus"]


def test_progress_is_reported_while_the_game_runs_and_not_after_game_end(game_page):
    page, server = game_page
    report(page)
    sent = server.wait_for_request(0, "updateStatus")
    assert (sent["status"], sent["location"], sent["metadata"]) == ("in_game", "game", {"score": 3})
    server.ack(0, sent, version=6)
    assert server.poll("window.answer")["version"] == 6

    server.send(0, update("lobby", 7, "game_ended", result={"summary": "Ana wins"}))
    assert server.poll("window.ends.length === 1 && window.ends") == [{"summary": "Ana wins"}]
    report(page)
    assert server.poll("window.answer") == {"ended": True}
    page.wait_for_timeout(200)
    assert len(updates_sent(server)) == 1, "nothing is reported after the game ended"
    assert page.evaluate("window.gb.gameEnded") is True


def test_a_report_refused_with_room_not_in_game_ends_the_game_instead_of_failing(game_page):
    page, server = game_page
    report(page)  # the winning move's report...
    sent = server.wait_for_request(0, "updateStatus")
    before = len(server.sent(0))
    # ...reaches the server just after the game ended, before the game_ended snapshot reaches the page.
    error = {"code": "ROOM_NOT_IN_GAME", "error": "The room is not in a game (it is lobby)"}
    server.ack(0, sent, error={**error, "details": {"roomStatus": "lobby"}})
    sync = server.wait_for_request(0, "sync", after=before)
    assert sync["lastKnownVersion"] == 5
    server.send(0, update("lobby", 6, "game_ended", result={"summary": "Ana wins"}))
    server.ack(0, sync, version=6)

    assert server.poll("window.answer") == {"ended": True}
    assert page.evaluate("window.failure") is None
    assert page.evaluate("window.ends") == [{"summary": "Ana wins"}], "gameEnd once, with the result"
    report(page)
    assert server.poll("window.answer") == {"ended": True}
    assert len(updates_sent(server)) == 1


def test_other_refusals_of_a_progress_report_still_reject(game_page):
    page, server = game_page
    report(page)
    sent = server.wait_for_request(0, "updateStatus")
    server.ack(0, sent, error={"code": "STATE_CONFLICT", "error": "Player is at version 4, not 3"})
    assert server.poll("window.failure") == "STATE_CONFLICT"
    assert page.evaluate("window.ends") == [] and page.evaluate("window.gb.gameEnded") is False
