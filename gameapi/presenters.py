"""The Game API's answers as plain dicts (camelCase): what a game server reads back.

Request shapes are in gameapi/inputs.py, and the schema's description of these answers in
gameapi/openapi/responses.py. The room snapshot itself comes from rooms.snapshot.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from rooms.models import GameState, Room, RoomEvent, RoomMember


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


def event(row: RoomEvent) -> dict:
    return {
        "version": row.room_version,
        "type": row.event_type,
        "playerId": str(row.player_id) if row.player_id else None,
        "data": row.event_data,
        "createdAt": iso(row.created_at),
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
