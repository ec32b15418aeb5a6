"""Game API operations: validated input -> service call -> the answer's body.

The DRF views (gameapi/views/) and the lean path (gameapi/lean/app.py) both call these,
so what an operation answers has one home whichever transport serves it. Synchronous:
the lean path runs them on a worker thread (gamebuddies.pg.run_orm), never on the event
loop and never queued behind the one thread Django runs synchronous views on.
"""

from __future__ import annotations

from gamebuddies.actors import Actor
from gamebuddies.errors import ForbiddenError, InvalidSessionError, RoomNotFoundError
from players.selectors import session_get_active
from rooms import services as room_services
from rooms.permissions import authorize_room
from rooms.selectors import member_get

INVALID_SESSION = {
    "valid": False,
    "playerId": None,
    "roomCode": None,
    "role": None,
    "isHost": None,
    "displayName": None,
    "gameRunId": None,
}


def bulk_status(*, room_code: str, data: dict, actor: Actor) -> dict:
    rows = [
        room_services.BulkRow(
            player_id=row["playerId"],
            location=row["location"],
            status=row.get("status"),
            game_data=row.get("gameData") or {},
        )
        for row in data["players"]
    ]
    change = room_services.bulk_update_status(room=room_code, rows=rows, actor=actor, reason=data["reason"])
    total = len(rows)
    return {
        "success": True,
        "summary": {"total": total, "successful": total, "failed": 0},
        "roomVersion": change.version,
    }


def game_end(*, room_code: str, data: dict, actor: Actor) -> dict:
    result = room_services.game_end(
        room=room_code, actor=actor, result=data.get("gameResult"), return_players=data["returnPlayers"]
    )
    return {
        "success": True,
        "changed": result.changed,
        "playersReturned": result.players_returned,
        "roomVersion": result.version,
    }


def _key_sees(actor: Actor, room) -> bool:
    try:
        authorize_room(actor, room)
    except (ForbiddenError, RoomNotFoundError):  # another game's room is no room to a bound key
        return False
    return True


def session_validate(*, data: dict, actor: Actor) -> dict:
    """Is this token an active session of a seat in a live room the key may see?"""
    try:
        session = session_get_active(token=data["sessionToken"])
    except InvalidSessionError:
        return INVALID_SESSION
    room = session.room
    if not room.is_live or not _key_sees(actor, room):
        # A token from another game's room gets the same answer as an unknown token:
        # a bound key learns nothing about sessions it may not use.
        return INVALID_SESSION
    member = member_get(room=room, player_id=session.player_id)
    if member is None:
        return INVALID_SESSION
    return {
        "valid": True,
        "playerId": str(member.player_id),
        "roomCode": room.room_code,
        "role": member.role,
        "isHost": member.is_host,
        "displayName": member.player.display_name,
        "gameRunId": run_id(room.game_run_id),
    }


def run_id(value) -> str | None:
    """The game run id as the API writes it (null before the room's first game start)."""
    return str(value) if value else None
