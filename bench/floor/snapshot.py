"""A roomStateUpdate of GameBuddies' shape (rooms/snapshot.py): 8 players, about 2 KB of JSON.

No state is kept: every update builds the room anew around the player who changed. The
version is a per-process, strictly increasing count of microseconds, so versions of one
room rise across both worker processes the way GameBuddies' database versions do, without
any shared store (two workers may still publish one room's updates out of order; the
harness counts that, as it does for GameBuddies).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

PLAYERS_PER_ROOM = 8
_last_version = 0


def next_version() -> int:
    global _last_version
    _last_version = max(_last_version + 1, time.time_ns() // 1000)
    return _last_version


def group_name(code: str) -> str:
    return f"room_{code}"


def _iso_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _player(player_id: str, name: str, *, host: bool, status: str, game_data: dict, now: str) -> dict:
    return {
        "id": player_id,
        "name": name,
        "role": "host" if host else "player",
        "isHost": host,
        "isConnected": True,
        "inGame": False,
        "currentLocation": "lobby",
        "status": status,
        "isReady": False,
        "lastPing": now,
        "gameData": game_data,
        "joinedAt": now,
        "version": 2,
    }


def room_state_update(code: str, version: int, *, event: str, player_id: str | None = None, body: dict | None = None):
    body = body or {}
    now = _iso_now()
    players = [
        _player(f"00000000-0000-4000-8000-{seat:012d}", f"{code}-player-{seat}", host=seat == 0, status="connected",
                game_data={}, now=now)
        for seat in range(PLAYERS_PER_ROOM)
    ]  # fmt: skip
    changes = {}
    if player_id is not None:
        status = body.get("status") if isinstance(body.get("status"), str) else "connected"
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        players[0] = _player(player_id, f"{code}-player-0", host=True, status=status, game_data=metadata, now=now)
        changes = {"playerId": player_id, "status": status, "location": "lobby", "previousLocation": "lobby"}
    return {
        "type": "roomStateUpdate",
        "event": event,
        "roomCode": code,
        "timestamp": now,
        "version": version,
        "state": {
            "room": {
                "id": f"10000000-0000-4000-8000-{code[-12:]:0>12}",
                "code": code,
                "status": "lobby",
                "currentGame": None,
                "hostId": players[0]["id"],
                "maxPlayers": PLAYERS_PER_ROOM,
                "settings": {},
                "metadata": {},
                "version": version,
            },
            "players": players,
        },
        "changes": changes,
        "source": "server",
        "reliable": True,
    }


def to_json(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"))
