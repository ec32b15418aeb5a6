"""The Game API's answers as plain dicts (camelCase): what a game server reads back.

The DRF views and the lean path (gameapi/lean/app.py) share the status and heartbeat answers.
Request shapes are in gameapi/inputs.py, and the schema's description of these answers in
gameapi/openapi/responses.py. The room snapshot itself comes from rooms.snapshot.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from gamebuddies.errors import utc_now_iso
from rooms.models import GameState, Location, Room, RoomEvent, RoomMember
from rooms.snapshot import player_fields


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def run_id(value) -> str | None:
    """The game run id as the API writes it (null before the room's first game start)."""
    return str(value) if value else None


def lobby_url(request, room_code: str, *, claim_code: str | None = None) -> str:
    """The lobby's address; with a one-time claim code, the seat-claim page that seats a browser.

    The code goes in the fragment: browsers never send it to a server, so it stays out of
    access logs and Referer headers. It is not a session token: the claim page exchanges it,
    once, for a fresh one (players/claims.py).
    """
    try:
        path = reverse("rooms:claim" if claim_code else "rooms:lobby", kwargs={"code": room_code})
    except NoReverseMatch:  # the lobby pages are not mounted (API-only deployment)
        path = f"/rooms/{room_code}/"
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    url = f"{base}{path}" if base else request.build_absolute_uri(path)
    return f"{url}#claim={claim_code}" if claim_code else url


def room_created(seat, *, lobby_url: str) -> dict:
    """The new room and its host's seat (the token is shown this once)."""
    return {
        "roomCode": seat.room.room_code,
        "version": seat.change.version,
        "host": {"playerId": str(seat.player.pk), "sessionToken": seat.token, "lobbyUrl": lobby_url},
    }


def seated(seat) -> dict:
    return {"playerId": str(seat.player.pk), "sessionToken": seat.token, "version": seat.change.version}


def key_valid(key) -> dict:
    return {
        "valid": True,
        "service": key.service_name,
        "scopes": list(key.scopes),
        "game": key.game_id,
        "expiresAt": iso(key.expires_at),
    }


def status_acknowledged(event_id, version: int, member: RoomMember, *, timestamp: str) -> dict:
    """A committed status update (the DRF view and the lean path). `event_id` is None only in a
    replay from the durable record, whose event id was not kept."""
    return {
        "success": True,
        "updateId": "" if event_id is None else str(event_id),
        "roomVersion": version,
        "player": player_fields(member),
        "timestamp": timestamp,
    }


def heartbeat_acknowledged() -> dict:
    return {"success": True, "serverTime": utc_now_iso(), "nextHeartbeatMs": settings.HEARTBEAT_INTERVAL_MS}


def game_started(change) -> dict:
    return {
        "success": True,
        "game": change.room.current_game_id,
        "players": [p["id"] for p in change.state["players"] if p["currentLocation"] == Location.GAME],
        "roomVersion": change.version,
    }


def game_state_saved(row: GameState) -> dict:
    return {"game": row.game_id, "version": row.version, "gameRunId": run_id(row.game_run_id)}


def event(row: RoomEvent) -> dict:
    return {
        "version": row.room_version,
        "type": row.event_type,
        "playerId": str(row.player_id) if row.player_id else None,
        "data": row.event_data,
        "createdAt": iso(row.created_at),
    }


def events_page(rows: list[RoomEvent], *, after: int, limit: int) -> dict:
    """A page of the event log from `limit + 1` rows read after `after` (the extra row says more follow)."""
    page = rows[:limit]
    return {
        "events": [event(row) for row in page],
        "nextAfter": page[-1].room_version if page else after,
        "hasMore": len(rows) > limit,
    }


def game_state(game_slug: str, row: GameState | None) -> dict:
    if row is None:
        return {"game": game_slug, "version": 0, "state": None, "createdAt": None, "gameRunId": None}
    return {
        "game": game_slug,
        "version": row.version,
        "state": row.state,
        "createdAt": iso(row.created_at),
        "gameRunId": run_id(row.game_run_id),
    }


def bulk_status_applied(change, *, total: int) -> dict:
    """Bulk status is all or nothing, so every row it acknowledges went through."""
    return {
        "success": True,
        "summary": {"total": total, "successful": total, "failed": 0},
        "roomVersion": change.version,
    }


def game_ended(result) -> dict:
    return {
        "success": True,
        "changed": result.changed,
        "playersReturned": result.players_returned,
        "roomVersion": result.version,
    }


# Whatever made a token unusable (unknown, revoked, another game's room), the answer is the same.
SESSION_INVALID = {
    "valid": False,
    "playerId": None,
    "roomCode": None,
    "role": None,
    "isHost": None,
    "displayName": None,
    "gameRunId": None,
}


def session_valid(member: RoomMember, room: Room) -> dict:
    return {
        "valid": True,
        "playerId": str(member.player_id),
        "roomCode": room.room_code,
        "role": member.role,
        "isHost": member.is_host,
        "displayName": member.player.display_name,
        "gameRunId": run_id(room.game_run_id),
    }
