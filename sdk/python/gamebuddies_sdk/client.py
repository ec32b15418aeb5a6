"""`GameBuddiesClient`: one method per Game API v2 endpoint, typed results, typed errors.

    client = GameBuddiesClient("https://gamebuddies.example", api_key="gb_...")
    who = client.validate_session(token_from_launch_url)
    client.update_player_status(who.room_code, who.player_id, status="in_game", location="game")
    client.end_game(who.room_code, game_result={"winner": who.player_id})

Writes carry an automatic Idempotency-Key (pass `idempotency_key=` to choose your
own, e.g. to make a job that may run twice safe); retries reuse it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from .models import (
    BulkPlayerUpdate,
    BulkResult,
    CreatedRoom,
    EventPage,
    GameEndResult,
    GameStartResult,
    GameState,
    HeartbeatAck,
    KeyInfo,
    RoomEvent,
    RoomSnapshot,
    Seat,
    SessionInfo,
    StatusAck,
)
from .transport import ResponseInfo, RetryPolicy, Transport


def _code(room_code: str) -> str:
    return quote(str(room_code).strip().upper(), safe="")


class GameBuddiesClient:
    """A synchronous client for one API key. Safe to share between threads except `last_response`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = 10.0,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        user_agent: str | None = None,
    ):
        extra = {"sleep": sleep} if sleep is not None else {}
        self._t = Transport(
            base_url,
            api_key,
            timeout=timeout,
            retry=retry or RetryPolicy(max_retries=max_retries),
            transport=transport,
            user_agent=user_agent,
            **extra,
        )

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> GameBuddiesClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def last_response(self) -> ResponseInfo | None:
        """Status, request id, Idempotency-Key, replay flag and attempts of the last call."""
        return self._t.last_response

    # -- keys and sessions -----------------------------------------------------------
    def health(self) -> dict:
        """`GET /health`: is the API up (no key needed, but the client sends it anyway)."""
        return self._t.request("GET", "/health")

    def validate_key(self) -> KeyInfo:
        """`GET /keys/validate`: is this key usable, for which service and scopes."""
        return KeyInfo.from_json(self._t.request("GET", "/keys/validate"))

    def validate_session(self, session_token: str, *, idempotency_key: str | None = None) -> SessionInfo:
        """`POST /sessions/validate`: trust the player id of a launch URL only after this says so."""
        data = self._t.request(
            "POST", "/sessions/validate", json={"sessionToken": session_token}, idempotency_key=idempotency_key
        )
        return SessionInfo.from_json(data)

    # -- rooms and seats ----------------------------------------------------------------
    def create_room(
        self,
        host_name: str,
        *,
        game: str | None = None,
        max_players: int | None = None,
        settings: dict | None = None,
        idempotency_key: str | None = None,
    ) -> CreatedRoom:
        """`POST /rooms` (scope rooms:write): a new lobby whose host seat you hand to a player."""
        body: dict[str, Any] = {"hostName": host_name}
        if game is not None:
            body["game"] = game
        if max_players is not None:
            body["maxPlayers"] = max_players
        if settings is not None:
            body["settings"] = settings
        return CreatedRoom.from_json(self._t.request("POST", "/rooms", json=body, idempotency_key=idempotency_key))

    def get_room(self, room_code: str) -> RoomSnapshot:
        """`GET /rooms/{code}`: the standard snapshot `{version, state: {room, players}}`."""
        return RoomSnapshot.from_json(self._t.request("GET", f"/rooms/{_code(room_code)}"))

    def add_player(
        self, room_code: str, name: str, *, role: str | None = None, idempotency_key: str | None = None
    ) -> Seat:
        """`POST /rooms/{code}/players` (rooms:write): seat a player; RoomFullError when full."""
        body: dict[str, Any] = {"name": name}
        if role is not None:
            body["role"] = role
        data = self._t.request("POST", f"/rooms/{_code(room_code)}/players", json=body, idempotency_key=idempotency_key)
        return Seat.from_json(data)

    # -- presence ---------------------------------------------------------------------------
    def update_player_status(
        self,
        room_code: str,
        player_id: str,
        *,
        status: str,
        location: str | None = None,
        metadata: dict | None = None,
        expected_version: int | None = None,
        wait_for_broadcast: bool = False,
        idempotency_key: str | None = None,
    ) -> StatusAck:
        """`POST .../players/{id}/status` (status:write).

        `expected_version` is the player's version (from the snapshot): a stale one raises
        StateConflictError with the current state. `wait_for_broadcast=True` returns once
        the change was handed to the lobby sockets (`ack.broadcasted`).

        Putting a player in the game (`in_game`, or location `game`) is accepted only while
        the room is in a game (or `returning`, for a player still in it): otherwise
        RoomNotInGameError (`.room_status`), and nothing changed. After the game ended, that
        is the answer to a late report: stop reporting.
        """
        body: dict[str, Any] = {"status": status}
        if location is not None:
            body["location"] = location
        if metadata is not None:
            body["metadata"] = metadata
        if expected_version is not None:
            body["expectedVersion"] = expected_version
        if wait_for_broadcast:
            body["waitForBroadcast"] = True
        path = f"/rooms/{_code(room_code)}/players/{quote(str(player_id), safe='')}/status"
        return StatusAck.from_json(self._t.request("POST", path, json=body, idempotency_key=idempotency_key))

    def heartbeat(self, room_code: str, player_id: str, *, metadata: dict | None = None) -> HeartbeatAck:
        """`POST .../players/{id}/heartbeat`: keep an in-game player present; beat every `next_heartbeat_ms`.

        Beats cost the server no write. `metadata` is checked but not stored (use a status update).
        A player who is disconnected or has left raises PlayerDisconnectedError: beats never
        bring anyone back (stop beating for them, or report status "connected").
        """
        path = f"/rooms/{_code(room_code)}/players/{quote(str(player_id), safe='')}/heartbeat"
        body = {"metadata": metadata} if metadata is not None else {}
        return HeartbeatAck.from_json(self._t.request("POST", path, json=body))

    def bulk_update_status(
        self,
        room_code: str,
        players: Iterable[BulkPlayerUpdate | dict],
        *,
        reason: str,
        idempotency_key: str | None = None,
    ) -> BulkResult:
        """`POST /rooms/{code}/bulk-status`: all rows change together or none do."""
        rows = [p.to_json() if isinstance(p, BulkPlayerUpdate) else dict(p) for p in players]
        data = self._t.request(
            "POST",
            f"/rooms/{_code(room_code)}/bulk-status",
            json={"players": rows, "reason": reason},
            idempotency_key=idempotency_key,
        )
        return BulkResult.from_json(data)

    # -- game lifecycle and state ---------------------------------------------------------------
    def start_game(
        self, room_code: str, settings: dict | None = None, *, idempotency_key: str | None = None
    ) -> GameStartResult:
        """`POST /rooms/{code}/game-start` (state:write): start the game from your own server.

        What the host's Start button does: every connected player (ready or not; spectators
        stay in the lobby) moves into the game and the room to `in_game`, in one version.
        `settings` replace the room's game settings (checked against your catalog schema:
        ValidationError). The key must be bound to the room's game, or unbound.
        InvalidRoomStateError when the room is not in the lobby, has no game picked, or has
        too few or too many connected players.
        """
        body: dict[str, Any] = {"settings": settings} if settings is not None else {}
        path = f"/rooms/{_code(room_code)}/game-start"
        return GameStartResult.from_json(self._t.request("POST", path, json=body, idempotency_key=idempotency_key))

    def end_game(
        self,
        room_code: str,
        *,
        game_result: dict | None = None,
        return_players: bool = True,
        idempotency_key: str | None = None,
    ) -> GameEndResult:
        """`POST /rooms/{code}/game-end` (status:write): every player in the game goes back to the lobby.

        `game_result` is kept in room.metadata.lastGameResult, which the lobby shows. Ending a
        game that is no longer running, with nobody in it, changes nothing and the result says
        `changed=False`, so a retried call is harmless. With `return_players=False` the players
        stay in the game and the room is `returning` until the last one is back.
        """
        body: dict[str, Any] = {"gameResult": game_result} if game_result is not None else {}
        if not return_players:
            body["returnPlayers"] = False
        path = f"/rooms/{_code(room_code)}/game-end"
        data = self._t.request("POST", path, json=body, idempotency_key=idempotency_key)
        return GameEndResult.from_json(data)

    def save_game_state(
        self,
        room_code: str,
        *,
        game: str,
        state: Any,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> GameState:
        """`PUT /rooms/{code}/game-state` (state:write): append the next version of your state."""
        body: dict[str, Any] = {"game": game, "state": state}
        if expected_version is not None:
            body["expectedVersion"] = expected_version
        path = f"/rooms/{_code(room_code)}/game-state"
        data = self._t.request("PUT", path, json=body, idempotency_key=idempotency_key)
        return GameState.from_json({"game": game, "state": state, **data})

    def get_game_state(self, room_code: str, *, game: str | None = None) -> GameState:
        """`GET /rooms/{code}/game-state?game=slug`: the latest saved version (version 0, state None: none yet).

        `game` may be left out when the key is bound to one game.
        """
        params = {"game": game} if game else None
        data = self._t.request("GET", f"/rooms/{_code(room_code)}/game-state", params=params)
        return GameState.from_json({"game": game, **data})

    # -- event log ------------------------------------------------------------------------
    def list_events(self, room_code: str, *, after: int = 0, limit: int | None = None) -> EventPage:
        """`GET /rooms/{code}/events?after=<roomVersion>`: one page of the room's event log."""
        params: dict[str, Any] = {"after": after}
        if limit is not None:
            params["limit"] = limit
        data = self._t.request("GET", f"/rooms/{_code(room_code)}/events", params=params)
        return EventPage.from_json(data, after=after)

    def iter_events(self, room_code: str, *, after: int = 0) -> Iterator[RoomEvent]:
        """Every event after `after`, across pages."""
        while True:
            page = self.list_events(room_code, after=after)
            yield from page.events
            if not page.has_more or not page.events:
                return
            after = page.next_after if page.next_after is not None else page.events[-1].room_version
