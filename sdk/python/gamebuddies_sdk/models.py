"""Typed results of the Game API: plain dataclasses built from the camelCase JSON.

Each result keeps the decoded JSON in `raw`, so fields the server adds later are
reachable before the SDK learns their names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _get(data: dict, name: str, default: Any = None) -> Any:
    value = data.get(name, default) if isinstance(data, dict) else default
    return default if value is None else value


@dataclass(frozen=True)
class KeyInfo:
    valid: bool
    service: str
    scopes: list[str]
    expires_at: str | None
    game: str | None = None  # set when the key is bound to one game
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> KeyInfo:
        return cls(
            valid=bool(_get(data, "valid", False)),
            service=_get(data, "service", ""),
            scopes=list(_get(data, "scopes", [])),
            expires_at=data.get("expiresAt"),
            game=data.get("game"),
            raw=data,
        )


@dataclass(frozen=True)
class Player:
    """One seat in a room, as in the standard room snapshot."""

    id: str
    name: str
    role: str
    is_host: bool
    is_connected: bool
    in_game: bool
    current_location: str
    status: str
    is_ready: bool
    last_ping: str | None
    game_data: dict
    version: int
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> Player:
        return cls(
            id=str(_get(data, "id", _get(data, "playerId", ""))),
            name=_get(data, "name", ""),
            role=_get(data, "role", "player"),
            is_host=bool(_get(data, "isHost", False)),
            is_connected=bool(_get(data, "isConnected", False)),
            in_game=bool(_get(data, "inGame", False)),
            current_location=_get(data, "currentLocation", ""),
            status=_get(data, "status", ""),
            is_ready=bool(_get(data, "isReady", False)),
            last_ping=data.get("lastPing"),
            game_data=dict(_get(data, "gameData", {})),
            version=int(_get(data, "version", 0)),
            raw=data,
        )


@dataclass(frozen=True)
class Room:
    id: str
    code: str
    status: str
    current_game: str | None
    host_id: str | None
    max_players: int
    settings: dict
    metadata: dict
    version: int
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> Room:
        return cls(
            id=str(_get(data, "id", "")),
            code=_get(data, "code", ""),
            status=_get(data, "status", ""),
            current_game=data.get("currentGame"),
            host_id=data.get("hostId"),
            max_players=int(_get(data, "maxPlayers", 0)),
            settings=dict(_get(data, "settings", {})),
            metadata=dict(_get(data, "metadata", {})),
            version=int(_get(data, "version", 0)),
            raw=data,
        )


@dataclass(frozen=True)
class RoomSnapshot:
    """`GET /rooms/{code}`: the room and its players at `version`."""

    version: int
    room: Room
    players: list[Player]
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> RoomSnapshot:
        state = _get(data, "state", data)
        room = Room.from_json(_get(state, "room", {}))
        return cls(
            version=int(_get(data, "version", room.version)),
            room=room,
            players=[Player.from_json(p) for p in _get(state, "players", [])],
            raw=data,
        )

    def player(self, player_id: str) -> Player | None:
        return next((p for p in self.players if p.id == str(player_id)), None)

    @property
    def players_in_game(self) -> list[Player]:
        return [p for p in self.players if p.in_game and p.is_connected]


@dataclass(frozen=True)
class Seat:
    """A player's seat credentials: hand `session_token` to that player only."""

    player_id: str
    session_token: str
    version: int | None = None
    lobby_url: str | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> Seat:
        version = data.get("version")
        return cls(
            player_id=str(_get(data, "playerId", "")),
            session_token=_get(data, "sessionToken", ""),
            version=int(version) if version is not None else None,
            lobby_url=data.get("lobbyUrl"),
            raw=data,
        )


@dataclass(frozen=True)
class CreatedRoom:
    room_code: str
    version: int
    host: Seat
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> CreatedRoom:
        return cls(
            room_code=_get(data, "roomCode", ""),
            version=int(_get(data, "version", 0)),
            host=Seat.from_json(_get(data, "host", {})),
            raw=data,
        )


@dataclass(frozen=True)
class SessionInfo:
    """`POST /sessions/validate`: who the player in your launch URL really is."""

    valid: bool
    player_id: str | None
    room_code: str | None
    role: str | None
    is_host: bool
    display_name: str | None
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> SessionInfo:
        player_id = data.get("playerId")
        return cls(
            valid=bool(_get(data, "valid", False)),
            player_id=str(player_id) if player_id is not None else None,
            room_code=data.get("roomCode"),
            role=data.get("role"),
            is_host=bool(_get(data, "isHost", False)),
            display_name=data.get("displayName"),
            raw=data,
        )


@dataclass(frozen=True)
class StatusAck:
    """The acknowledgement of a status update. `broadcasted` is None unless you asked to wait."""

    success: bool
    update_id: str | None
    room_version: int
    player: Player | None
    timestamp: str | None
    broadcasted: bool | None
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> StatusAck:
        broadcast = data.get("broadcast")
        player = data.get("player")
        return cls(
            success=bool(_get(data, "success", False)),
            update_id=str(data["updateId"]) if data.get("updateId") is not None else None,
            room_version=int(_get(data, "roomVersion", 0)),
            player=Player.from_json(player) if isinstance(player, dict) else None,
            timestamp=data.get("timestamp"),
            broadcasted=bool(broadcast.get("broadcasted")) if isinstance(broadcast, dict) else None,
            raw=data,
        )


@dataclass(frozen=True)
class HeartbeatAck:
    success: bool
    server_time: Any
    next_heartbeat_ms: int
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> HeartbeatAck:
        return cls(
            success=bool(_get(data, "success", False)),
            server_time=data.get("serverTime"),
            next_heartbeat_ms=int(_get(data, "nextHeartbeatMs", 30000)),
            raw=data,
        )


@dataclass(frozen=True)
class BulkPlayerUpdate:
    """One row of a bulk status update (input)."""

    player_id: str
    location: str
    status: str | None = None
    game_data: dict | None = None

    def to_json(self) -> dict:
        row: dict[str, Any] = {"playerId": str(self.player_id), "location": self.location}
        if self.status is not None:
            row["status"] = self.status
        if self.game_data is not None:
            row["gameData"] = self.game_data
        return row


@dataclass(frozen=True)
class BulkResult:
    success: bool
    total: int
    successful: int
    failed: int
    room_version: int
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> BulkResult:
        summary = _get(data, "summary", {})
        return cls(
            success=bool(_get(data, "success", False)),
            total=int(_get(summary, "total", 0)),
            successful=int(_get(summary, "successful", 0)),
            failed=int(_get(summary, "failed", 0)),
            room_version=int(_get(data, "roomVersion", 0)),
            raw=data,
        )


@dataclass(frozen=True)
class GameStartResult:
    """`POST /rooms/{code}/game-start`: the game now running and the players moved into it."""

    success: bool
    game: str
    players: list[str]
    room_version: int
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> GameStartResult:
        return cls(
            success=bool(_get(data, "success", False)),
            game=_get(data, "game", ""),
            players=[str(p) for p in _get(data, "players", [])],
            room_version=int(_get(data, "roomVersion", 0)),
            raw=data,
        )


@dataclass(frozen=True)
class GameEndResult:
    """`changed` is False when nothing was running and nobody was in the game (e.g. a retry)."""

    success: bool
    players_returned: int
    room_version: int
    changed: bool = True
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> GameEndResult:
        return cls(
            success=bool(_get(data, "success", False)),
            players_returned=int(_get(data, "playersReturned", 0)),
            room_version=int(_get(data, "roomVersion", 0)),
            changed=bool(_get(data, "changed", True)),
            raw=data,
        )


@dataclass(frozen=True)
class GameState:
    """A saved version of a game's state. `state` is None when nothing was saved yet."""

    game: str | None
    version: int
    state: Any
    created_at: str | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> GameState:
        return cls(
            game=data.get("game"),
            version=int(_get(data, "version", 0)),
            state=data.get("state"),
            created_at=data.get("createdAt"),
            raw=data,
        )


@dataclass(frozen=True)
class RoomEvent:
    room_version: int
    type: str
    data: dict
    player_id: str | None
    created_at: str | None
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> RoomEvent:
        player_id = data.get("playerId")
        return cls(
            room_version=int(_get(data, "roomVersion", _get(data, "version", 0))),
            type=_get(data, "type", _get(data, "eventType", "")),
            data=dict(_get(data, "data", _get(data, "eventData", {}))),
            player_id=str(player_id) if player_id is not None else None,
            created_at=data.get("createdAt"),
            raw=data,
        )


@dataclass(frozen=True)
class EventPage:
    """One page of the event log; pass `next_after` as `after` to read on."""

    events: list[RoomEvent]
    next_after: int | None
    has_more: bool
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict, *, after: int) -> EventPage:
        items = _get(data, "events", _get(data, "results", []))
        events = [RoomEvent.from_json(e) for e in items]
        has_more = bool(_get(data, "hasMore", data.get("next") is not None))
        next_after = data.get("nextAfter")
        if next_after is None:
            next_after = events[-1].room_version if events else after
        return cls(events=events, next_after=int(next_after), has_more=has_more, raw=data)


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook delivery: `{id, type, createdAt, roomCode, roomVersion, data}`."""

    id: str
    type: str
    created_at: str | None
    room_code: str | None
    room_version: int | None
    data: dict
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> WebhookEvent:
        version = data.get("roomVersion")
        return cls(
            id=str(_get(data, "id", "")),
            type=_get(data, "type", ""),
            created_at=data.get("createdAt"),
            room_code=data.get("roomCode"),
            room_version=int(version) if version is not None else None,
            data=dict(_get(data, "data", {})),
            raw=data,
        )
