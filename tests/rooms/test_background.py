"""The embedded default runs its background loops inside the server (issue 17, items 1 and 4).

Tested the way it failed: the real `scripts/run.py` (what `make run` starts) on a SQLite file
of its own, with no REDIS_URL (local-memory cache, in-memory channel layer) and the timeouts
shortened through the environment. With the sweep in a separate process, heartbeats written
by the server were invisible to it (in-game players swept although heartbeats flowed), and
what it changed went into its own channel layer (guests never told of the new host).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, suppress

import pytest
from django.conf import settings
from websockets.sync.client import connect

from tests.live import free_port

pytestmark = [pytest.mark.slow]

IN_GAME_TIMEOUT = 3  # IN_GAME_HEARTBEAT_TIMEOUT_SECONDS
GRACE = 2  # HOST_GRACE_SECONDS
SWEEP_INTERVAL = 0.5  # HOUSEKEEPING_INTERVAL_SECONDS
GAME = "embedded-test"
SEED = "import django, json; django.setup(); from tests.rooms.test_background import seed; print(json.dumps(seed()))"


def seed() -> dict:
    """Run in a subprocess against the run's own SQLite file: a game, an API key, two lobbies."""
    from gameapi.models import ALL_SCOPES
    from gameapi.services import api_key_create
    from rooms.models import Game
    from tests.factories import make_room

    Game.objects.create(slug=GAME, name="Embedded Test", launch_url="https://games.example/e", min_players=2)
    key = api_key_create(service_name="embedded-test", scopes=list(ALL_SCOPES))

    def seats(players: int) -> dict:
        room, made = make_room(players=players, game_slug=GAME)
        return {"code": room.room_code, "seats": [{"id": str(s.player.pk), "token": s.token} for s in made]}

    return {"key": key.raw_key, "gameRoom": seats(2), "lobbyRoom": seats(3)}


def _env(sqlite_path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "EMBEDDED_WORKER", "PROMETHEUS_MULTIPROC_DIR")
    }
    env.update(
        SQLITE_PATH=str(sqlite_path),
        DJANGO_SETTINGS_MODULE="gamebuddies.settings",
        PYTHONUNBUFFERED="1",
        IN_GAME_HEARTBEAT_TIMEOUT_SECONDS=str(IN_GAME_TIMEOUT),
        LOBBY_PRESENCE_TIMEOUT_SECONDS="120",  # seats seeded before the server starts stay put
        HOST_GRACE_SECONDS=str(GRACE),
        HOUSEKEEPING_INTERVAL_SECONDS=str(SWEEP_INTERVAL),
    )
    return env


def _wait_listening(port: int, process: subprocess.Popen, log_path, timeout: float = 120.0) -> None:
    # A TCP probe, not a request: the first request is what starts the loops in the server.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scripts/run.py exited early:\n{log_path.read_text()[-3000:]}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"scripts/run.py not serving after {timeout}s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory):
    """`scripts/run.py` on a fresh SQLite file: (base URL, seeded data, log path)."""
    directory = tmp_path_factory.mktemp("embedded-run")
    env = _env(directory / "db.sqlite3")
    python, root = sys.executable, settings.BASE_DIR
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=root, env=env, check=True, timeout=300)
    seeded = subprocess.run(
        [python, "-c", SEED], cwd=root, env=env, check=True, timeout=120, capture_output=True, text=True
    )
    data = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    log_path = directory / "run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [python, "scripts/run.py", "--port", str(port), "--no-demo-data"],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_listening(port, process, log_path)
        yield f"http://127.0.0.1:{port}", data, log_path
    finally:
        process.send_signal(signal.SIGTERM)  # run.py stops the server (and a worker, had it started one)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _api(base: str, key: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/v2{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"X-API-Key": key, "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Tab:
    """A page's room socket, signed in with the seat's session token."""

    def __init__(self, base: str, code: str, seat: dict):
        self._closing = ExitStack()
        url = base.replace("http://", "ws://") + f"/ws/rooms/{code}/"
        self.ws = self._closing.enter_context(connect(url, open_timeout=10))
        self.ws.send(json.dumps({"type": "auth", "requestId": "auth", "token": seat["token"]}))
        ack = self.wait_for(lambda m: m["type"] == "ack" and m["requestId"] == "auth", timeout=10)
        assert ack["success"], ack

    def request(self, type_: str, **data) -> dict:
        request_id = f"{type_}-{time.monotonic_ns()}"
        self.ws.send(json.dumps({"type": type_, "requestId": request_id, **data}))
        return self.wait_for(lambda m: m["type"] == "ack" and m["requestId"] == request_id, timeout=10)

    def wait_for(self, predicate, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if predicate(message):
                return message

    def update(self, event: str, timeout: float) -> dict:
        return self.wait_for(lambda m: m["type"] == "roomStateUpdate" and m.get("event") == event, timeout)

    def close(self) -> None:
        self._closing.close()


def test_the_server_runs_the_loops_itself_and_no_separate_worker(embedded_run):
    _base, _data, log_path = embedded_run
    log = log_path.read_text()
    assert "the server process runs the background loops itself" in log
    assert "starting the background worker" not in log


def test_heartbeats_over_the_api_keep_in_game_players_in_the_game_while_a_silent_one_is_swept(embedded_run):
    base, data, _ = embedded_run
    room = data["gameRoom"]
    code, (host, silent) = room["code"], room["seats"]
    # Start the game once the server is up, so both seats start with a fresh last ping.
    tab = Tab(base, code, host)
    assert tab.request("startGame")["success"]
    tab.update("game_started", timeout=10)
    tab.close()

    # Heartbeats for the host only, for three timeouts: the sweep runs meanwhile (it does
    # sweep the silent player) and it sees the heartbeats the server wrote.
    until = time.monotonic() + 3 * IN_GAME_TIMEOUT + 2 * SWEEP_INTERVAL
    while time.monotonic() < until:
        status, body = _api(base, data["key"], "POST", f"/rooms/{code}/players/{host['id']}/heartbeat", {})
        assert status == 200, body
        time.sleep(1)

    status, body = _api(base, data["key"], "GET", f"/rooms/{code}")
    assert status == 200, body
    players = {p["id"]: p for p in body["state"]["players"]}
    assert body["state"]["room"]["status"] == "in_game"
    assert players[host["id"]]["currentLocation"] == "game"
    assert players[host["id"]]["isConnected"] is True
    assert players[silent["id"]]["currentLocation"] == "disconnected"  # proof the sweep ran in this server


def test_guests_open_sockets_are_told_of_the_new_host_when_the_host_leaves(embedded_run):
    base, data, _ = embedded_run
    room = data["lobbyRoom"]
    code, (host, first_guest, second_guest) = room["code"], room["seats"]
    tabs = {seat["id"]: Tab(base, code, seat) for seat in (host, first_guest, second_guest)}
    try:
        tabs[host["id"]].close()
        closed_at = time.monotonic()
        for guest in (first_guest, second_guest):
            gone = tabs[guest["id"]].update("player_disconnected", timeout=5)
            assert gone["changes"] == {"playerId": host["id"], "hostGraceSeconds": GRACE}
        for guest in (first_guest, second_guest):
            passed = tabs[guest["id"]].update("host_changed", timeout=GRACE + 4)
            assert time.monotonic() - closed_at < GRACE + 4
            assert passed["changes"]["hostId"] == first_guest["id"]  # the earliest-joined connected player
            assert passed["changes"]["previousHostId"] == host["id"]
            assert passed["changes"]["reason"] == "host_disconnected"
            assert passed["state"]["room"]["hostId"] == first_guest["id"]
    finally:
        for tab in tabs.values():
            with suppress(Exception):
                tab.close()
