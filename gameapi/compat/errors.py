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


class SessionNotFoundError(NotFoundError):
    code = "SESSION_NOT_FOUND"
    default_message = "Session not found or expired"
