"""Codes the original API v2 answered with that our platform had no error for.

They render through the one envelope like every other error; the compat views add the
original's own fields beside it (base.CompatView.error_extras, details flattened).
"""

from __future__ import annotations

from gamebuddies.errors import GameBuddiesError, NotFoundError

ALLOWED_ROOM_STATUSES = ["lobby", "in_game", "returning"]


class RoomNotAvailableError(GameBuddiesError):
    code = "ROOM_NOT_AVAILABLE"
    status = 400
    default_message = "The room has ended"

    def __init__(self, *, room_status: str):
        super().__init__(
            f"Room is {room_status}", details={"status": room_status, "allowedStatuses": ALLOWED_ROOM_STATUSES}
        )


class WrongGameTypeError(GameBuddiesError):
    """Validate only: the room is live but plays another game than the key's (issue 20).

    The original's answer. It tells a bound key that the code is a live room and which game
    it plays, so the validate view counts it toward the client's code-guessing limit exactly
    like an unknown code (docs/security.md): it is no better an oracle than that limit allows.
    Every other route keeps the platform's ROOM_NOT_FOUND for such a room.
    """

    code = "WRONG_GAME_TYPE"
    status = 400
    default_message = "This room is playing another game"

    def __init__(self, *, expected_game: str, actual_game: str | None):
        super().__init__(
            f"This room is playing {actual_game or 'no game'}, not {expected_game}",
            details={"expectedGame": expected_game, "actualGame": actual_game},
        )


class SessionNotFoundError(NotFoundError):
    code = "SESSION_NOT_FOUND"
    default_message = "Session not found or expired"
