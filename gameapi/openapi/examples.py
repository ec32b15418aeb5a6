"""Success examples for every Game API endpoint (request bodies and responses)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

from ..presenters import SESSION_INVALID

ROOM_CODE = "K7QX2M"
PLAYER_ID = "3f1c9a52-6d0e-4b7a-9c55-2f8e1d7b4a10"
HOST_ID = "0b6e4a3c-1f2d-4c5b-8a9e-7d6c5b4a3f21"
TIME = "2026-01-31T18:00:00.000000Z"
RUN_ID = "0b7e6a52-3c1d-4f0e-9a8b-5d2c1e4f6a70"

PLAYER = {
    "id": PLAYER_ID,
    "name": "Mia",
    "avatar": "fox",
    "avatarColour": 3,
    "role": "player",
    "isHost": False,
    "isConnected": True,
    "inGame": True,
    "currentLocation": "game",
    "status": "in_game",
    "isReady": False,
    "lastPing": TIME,
    "gameData": {"score": 12},
    "joinedAt": TIME,
    "version": 5,
}
ROOM = {
    "id": "9d2f7c1e-3b4a-4e5f-8a6b-1c2d3e4f5a6b",
    "code": ROOM_CODE,
    "status": "in_game",
    "currentGame": "quiz",
    "hostId": HOST_ID,
    "maxPlayers": 8,
    "settings": {"rounds": 3},
    "metadata": {},
    "version": 12,
}


def request(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


def response(name: str, value: dict, status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


HEALTH = [
    response(
        "Healthy",
        {"status": "healthy", "version": "2.0", "timestamp": TIME, "checks": {"database": "ok", "cache": "ok"}},
    )
]
KEY_VALIDATE = [
    response(
        "Valid key",
        {
            "valid": True,
            "service": "quiz-server",
            "scopes": ["rooms:read", "status:write"],
            "game": "quiz",
            "expiresAt": "2027-01-31T18:00:00Z",
        },
    )
]
ROOM_CREATE = [
    request("Create a quiz room", {"hostName": "Mia", "game": "quiz", "maxPlayers": 6, "settings": {"rounds": 5}}),
    response(
        "Created",
        {
            "roomCode": ROOM_CODE,
            "version": 1,
            "host": {
                "playerId": HOST_ID,
                "sessionToken": "gbs_<shown once>",
                "lobbyUrl": f"https://gamebuddies.example/rooms/{ROOM_CODE}/claim#claim=gbc_…",
            },
        },
        201,
    ),
]
ROOM_GET = [response("Snapshot", {"version": 12, "state": {"room": ROOM, "players": [PLAYER]}})]
SEAT = [
    request("Seat a player", {"name": "Jonas", "role": "player"}),
    response("Seated", {"playerId": PLAYER_ID, "sessionToken": "gbs_<shown once>", "version": 13}, 201),
]
SESSION_VALIDATE = [
    request("Check a launch token", {"sessionToken": "gbs_<from the launch URL>"}),
    response(
        "Valid session",
        {
            "valid": True,
            "playerId": PLAYER_ID,
            "roomCode": ROOM_CODE,
            "role": "player",
            "isHost": False,
            "displayName": "Mia",
            "gameRunId": RUN_ID,
        },
    ),
    response("Unknown or expired session", SESSION_INVALID),
]
STATUS = [
    request(
        "Player entered the game",
        {"status": "in_game", "location": "game", "metadata": {"score": 12}, "expectedVersion": 4},
    ),
    request("Wait for the broadcast", {"status": "lobby", "location": "lobby", "waitForBroadcast": True}),
    response(
        "Acknowledged",
        {
            "success": True,
            "updateId": "4812",
            "roomVersion": 13,
            "player": PLAYER,
            "timestamp": TIME,
            "broadcast": {"broadcasted": True},
        },
    ),
]
HEARTBEAT = [
    request("Heartbeat", {"metadata": {"fps": 60}}),
    response("Alive", {"success": True, "serverTime": TIME, "nextHeartbeatMs": 30000}),
]
BULK = [
    request(
        "Everyone back to the lobby",
        {
            "players": [
                {"playerId": PLAYER_ID, "location": "lobby", "gameData": {"score": 12}},
                {"playerId": HOST_ID, "location": "lobby", "status": "lobby"},
            ],
            "reason": "round over",
        },
    ),
    response("Applied", {"success": True, "summary": {"total": 2, "successful": 2, "failed": 0}, "roomVersion": 14}),
]
GAME_START = [
    request("Start with settings", {"settings": {"rounds": 5}}),
    response("Started", {"success": True, "game": "quiz", "players": [PLAYER_ID], "roomVersion": 9}),
]
GAME_END = [
    request("Game over", {"gameResult": {"winner": PLAYER_ID, "scores": {PLAYER_ID: 12}}, "returnPlayers": True}),
    response("Players returned", {"success": True, "changed": True, "playersReturned": 4, "roomVersion": 15}),
]
STATE_PUT = [
    request("Save round 2", {"game": "quiz", "state": {"round": 2, "question": 7}, "expectedVersion": 1}),
    response("Saved", {"game": "quiz", "version": 2, "gameRunId": RUN_ID}),
]
STATE_GET = [
    response(
        "Latest state",
        {"game": "quiz", "version": 2, "state": {"round": 2, "question": 7}, "createdAt": TIME, "gameRunId": RUN_ID},
    ),
    response("Nothing saved yet", {"game": "quiz", "version": 0, "state": None, "createdAt": None, "gameRunId": None}),
]
EVENTS = [
    response(
        "A page of events",
        {
            "events": [
                {
                    "version": 13,
                    "type": "player_status_changed",
                    "playerId": PLAYER_ID,
                    "data": {"status": "in_game", "location": "game", "actor": {"kind": "api_key"}},
                    "createdAt": TIME,
                }
            ],
            "nextAfter": 13,
            "hasMore": False,
        },
    )
]
