"""Game API operations: validated input -> service call -> the answer's body.

The DRF views (gameapi/views/) and the lean path (gameapi/lean/app.py) both call these,
so what an operation answers has one home whichever transport serves it (its shape is built
by gameapi/presenters.py). Synchronous: the lean path runs them on a worker thread
(gamebuddies.pg.run_orm), never on the event loop and never queued behind the one thread
Django runs synchronous views on.
"""

from __future__ import annotations

from gamebuddies.actors import Actor
from gamebuddies.errors import InvalidSessionError
from players.selectors import session_get_active
from rooms import services as room_services
from rooms.selectors import member_get, room_visible_to_actor

from . import presenters


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
    return presenters.bulk_status_applied(change, total=len(rows))


def game_end(*, room_code: str, data: dict, actor: Actor) -> dict:
    result = room_services.game_end(
        room=room_code, actor=actor, result=data.get("gameResult"), return_players=data["returnPlayers"]
    )
    return presenters.game_ended(result)


def session_validate(*, data: dict, actor: Actor) -> dict:
    """Is this token an active session of a seat in a live room the key may see?"""
    try:
        session = session_get_active(token=data["sessionToken"])
    except InvalidSessionError:
        return presenters.SESSION_INVALID
    room = session.room
    if not room.is_live or not room_visible_to_actor(room=room, actor=actor):
        # A token from another game's room gets the same answer as an unknown token:
        # a bound key learns nothing about sessions it may not use.
        return presenters.SESSION_INVALID
    member = member_get(room=room, player_id=session.player_id)
    if member is None:
        return presenters.SESSION_INVALID
    return presenters.session_valid(member, room)
