"""Replays of what existing games do, against a real Uvicorn server, with a lobby socket watching.

The first follows the unified game server and its games (launch with `session`/`role=gm`, the
browser's session lookup with a CORS preflight, statuses in the games' words, external return,
the `disconnected` reports that follow it, the `/lobby/<CODE>` fallback, abandon); the second
follows the original integration guide step by step. After each step the room's version, the
players and their history are what they must be, and the socket received that very version.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings

from gameapi.models import ALL_SCOPES
from gameapi.services import api_key_create
from players import cookies
from players.models import PlayerStatusHistory
from rooms import services
from rooms.models import GameState, Room, RoomMember
from tests.factories import SYSTEM, make_room

from .original_games import GAME_ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)


class LobbyWatcher:
    """A lobby client (a spectator's socket) recording every snapshot it receives, by version."""

    def __init__(self, ws):
        self.ws = ws
        self.snapshots: dict[int, dict] = {}

    def saw(self, version: int, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while version not in self.snapshots:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no snapshot of version {version}; saw {sorted(self.snapshots)}"
            message = json.loads(self.ws.recv(timeout=remaining))
            if message.get("type") == "roomStateUpdate":
                self.snapshots[message["version"]] = message
        return self.snapshots[version]


@contextmanager
def watching(base_url: str, room, token: str):
    """The watcher's socket, seated by its token; yields once its own arrival was received."""
    from websockets.sync.client import connect

    seated_at = room_version(room)
    with connect(base_url.replace("http://", "ws://") + f"/ws/rooms/{room.room_code}/", open_timeout=5) as ws:
        ws.send(json.dumps({"type": "auth", "requestId": "watch", "token": token}))
        watcher = LobbyWatcher(ws)
        watcher.saw(seated_at + 1)  # the watcher's own arrival
        yield watcher


def room_version(room) -> int:
    return Room.objects.get(pk=room.pk).version


def where(seat) -> tuple[str, str]:
    member = RoomMember.objects.get(pk=seat.member.pk)
    return member.current_location, member.status


def players_in(snapshot: dict) -> dict[str, str]:
    return {p["id"]: p["currentLocation"] for p in snapshot["state"]["players"]}


@pytest.fixture
def started(quiz_game):
    """A quiz room whose game runs with host and one guest, a spectator watching the lobby, a key."""
    raw = api_key_create(service_name="quiz-server", scopes=list(ALL_SCOPES), game_slug="quiz").raw_key
    room, seats = make_room(players=2, game_slug="quiz")
    services.game_start(room=room.pk, actor=SYSTEM)
    watcher_seat = services.room_join(room=room.pk, display_name="Watcher", actor=SYSTEM, role="spectator")
    return room, seats, watcher_seat, raw


def browser_for(base_url: str, room, seat) -> requests.Session:
    browser = requests.Session()
    browser.cookies.set(settings.PLAYER_COOKIE_NAME, cookies.encode({room.room_code: seat.token}), domain="127.0.0.1")
    return browser


def test_unified_game_server_sequence_against_a_live_server(live_server_url, started):
    room, (host, guest), watcher_seat, key = started
    base = live_server_url
    server = requests.Session()
    server.headers["X-API-Key"] = key
    with watching(base, room, watcher_seat.token) as watcher:
        # 1. Launch: each browser goes to the game with `session`, the host with role=gm.
        launch = {}
        for seat, role in ((host, "gm"), (guest, "player")):
            response = browser_for(base, room, seat).get(f"{base}/rooms/{room.room_code}/play", allow_redirects=False)
            params = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}
            assert (params["session"], params["role"]) == (seat.token, role)
            launch[seat.player.pk] = params

        # 2. The game page looks its session up from its own origin, with credentials (preflight first).
        session = launch[host.player.pk]["session"]
        preflight = requests.options(
            f"{base}/api/game-sessions/{session}",
            headers={"Origin": GAME_ORIGIN, "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == GAME_ORIGIN
        assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
        lookup = requests.get(f"{base}/api/game-sessions/{session}", headers={"Origin": GAME_ORIGIN})
        assert lookup.headers["Access-Control-Allow-Origin"] == GAME_ORIGIN
        body = lookup.json()
        assert body["isHost"] is True and body["session"]["isHost"] is True
        assert body["roomCode"] == body["session"]["roomCode"] == room.room_code
        foreign = requests.get(f"{base}/api/game-sessions/{session}", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in foreign.headers

        # 3. Statuses in the games' words.
        status = f"{base}/api/v2/game/rooms/{room.room_code}/players/{guest.player.pk}/status"
        ack = server.post(
            status, json={"status": "in-game", "location": "game", "reason": "Game started", "gameData": None}
        )
        assert ack.status_code == 200, ack.text
        assert players_in(watcher.saw(ack.json()["roomVersion"]))[str(guest.player.pk)] == "game"
        ack = server.post(
            status, json={"status": "eliminated", "location": "game", "reason": "Out", "gameData": {"kos": 2}}
        )
        snapshot = watcher.saw(ack.json()["roomVersion"])
        guest_row = next(p for p in snapshot["state"]["players"] if p["id"] == str(guest.player.pk))
        assert guest_row["gameData"]["kos"] == 2
        assert PlayerStatusHistory.objects.filter(player_id=guest.player.pk, reason__startswith="eliminated").exists()

        # 4. The game sends everyone back.
        returned = server.post(
            f"{base}/api/v2/external/return",
            json={"roomCode": room.room_code, "returnAll": True, "reason": "game_over"},
        ).json()
        assert returned["playersReturned"] == 2
        snapshot = watcher.saw(returned["roomVersion"])
        assert snapshot["state"]["room"]["status"] == "lobby"
        assert set(players_in(snapshot).values()) == {"lobby"}

        # 5. ...then reports its players disconnected as they leave it: not news.
        before = room_version(room)
        for seat in (host, guest):
            path = f"{base}/api/v2/game/rooms/{room.room_code}/players/{seat.player.pk}/status"
            assert (
                server.post(path, json={"status": "disconnected", "location": "disconnected"}).json()["ignored"] is True
            )
        assert room_version(room) == before and where(guest)[0] == "lobby"

        # 6. A player whose return call failed takes the fallback link.
        browser = browser_for(base, room, guest)
        response = browser.get(f"{base}/lobby/{room.room_code}")
        assert response.status_code == 200 and response.url == f"{base}/rooms/{room.room_code}/"

        # 7. The game server deletes its room: players wait in our lobby, so the room stays theirs.
        abandoned = server.post(
            f"{base}/api/v2/game/rooms/{room.room_code}/abandon", json={"reason": "game_room_deleted"}
        )
        assert abandoned.json()["abandoned"] is False and Room.objects.get(pk=room.pk).status == "lobby"


def test_original_integration_guide_sequence_against_a_live_server(live_server_url, started):
    room, (host, guest), watcher_seat, key = started
    base = f"{live_server_url}/api/v2/game"
    code, guest_id = room.room_code, str(guest.player.pk)
    server = requests.Session()
    server.headers["X-API-Key"] = key
    with watching(live_server_url, room, watcher_seat.token) as watcher:
        # Validate the room and the player the launch URL named.
        valid = server.get(f"{base}/rooms/{code}/validate", params={"playerId": guest_id, "sessionToken": guest.token})
        assert valid.json()["valid"] is True and valid.json()["participant"]["sessionValid"] is True

        # Report the player connected in the game, with syncSession.
        ack = server.post(
            f"{base}/rooms/{code}/players/{guest_id}/status",
            json={"status": "connected", "location": "game", "syncSession": True},
        ).json()
        assert ack["success"] is True and ack["sessionToken"] is None
        assert watcher.saw(ack["roomVersion"])["version"] == room_version(room)
        assert where(guest) == ("game", "connected")

        # Heartbeats: presence only, no new version.
        before = room_version(room)
        for _ in range(3):
            beat = server.post(f"{base}/rooms/{code}/players/{guest_id}/heartbeat", json={"metadata": {"fps": 60}})
            assert beat.json()["nextHeartbeat"] > 0
        assert room_version(room) == before

        # Phase changes while playing.
        for phase in ("question", "answer"):
            ack = server.post(
                f"{base}/rooms/{code}/players/{guest_id}/status",
                json={"status": "in_game", "metadata": {"phase": phase}},
            ).json()
            snapshot = watcher.saw(ack["roomVersion"])
            assert next(p for p in snapshot["state"]["players"] if p["id"] == guest_id)["gameData"]["phase"] == phase
        assert where(guest) == ("game", "in_game")

        # A reload: the page recovers its session; the old token is dead, the new one valid.
        recovered = requests.post(f"{base}/sessions/recover", json={"sessionToken": guest.token}).json()
        new_token = recovered["newSessionToken"]
        assert recovered["playerState"]["currentLocation"] == "game"
        check = server.get(f"{base}/rooms/{code}/validate", params={"playerId": guest_id, "sessionToken": new_token})
        assert check.json()["sessionInfo"] == {"valid": True}
        old = server.get(f"{base}/rooms/{code}/validate", params={"playerId": guest_id, "sessionToken": guest.token})
        assert old.json()["sessionInfo"] == {"valid": False}

        # Round over: everyone's result, the game state and the return, in one go.
        bulk = server.post(
            f"{base}/rooms/{code}/bulk-status",
            json={
                "reason": "round over",
                "players": [
                    {"playerId": str(host.player.pk), "location": "game", "gameData": {"score": 10}},
                    {"playerId": guest_id, "location": "game", "gameData": {"score": 7}},
                ],
                "gameState": {"round": 1, "scores": [10, 7]},
                "returnToLobby": True,
            },
        ).json()
        assert bulk["summary"]["successful"] == 2 and bulk["gameStateSaved"] is True
        snapshot = watcher.saw(bulk["roomVersion"])
        assert snapshot["state"]["room"]["status"] == "lobby" and set(players_in(snapshot).values()) == {"lobby"}
        assert GameState.objects.get(room=room).state == {"round": 1, "scores": [10, 7]}
        assert RoomMember.objects.get(pk=guest.member.pk).game_data["score"] == 7

        # return-all and game-end on a room already back: answered, nothing changes.
        before = room_version(room)
        assert server.post(f"{base}/rooms/{code}/return-all").json()["roomStatus"] == "lobby"
        ended = server.post(f"{base}/rooms/{code}/game-end", json={"gameResult": {"winner": "Host"}}).json()
        assert ended["success"] is True and ended["changed"] is False
        assert room_version(room) == before

        health = requests.get(f"{base}/health").json()
        assert (health["status"], health["version"]) == ("healthy", "2.0")
