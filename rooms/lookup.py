"""Looking a room up by the code a visitor typed or followed (pages and the lobby socket).

Unknown codes count against the browser's guessing limit and its IP's backstop
(gamebuddies.ratelimits.browser_code_lookup_guard). A browser whose cookie holds a live seat
in the room asks about a room it is already in: that lookup is never behind the limit
(issue 22 #4), and it tells the browser nothing it did not know.
"""

from __future__ import annotations

from gamebuddies.errors import ForbiddenError, InvalidSessionError
from gamebuddies.ratelimits import browser_code_lookup_guard
from players.selectors import session_get_active

from .models import Room
from .permissions import require_session_in_room
from .selectors import normalize_room_code, room_get_live


def room_for_browser(*, code: str, ip: str, browser: str, seat_token: str | None = None) -> Room:
    """The live room for `code`; RoomNotFoundError, RoomClosedError or RateLimitedError."""
    if seat_token:
        room = _room_of_seat(seat_token, code)
        if room is not None:
            return room
    with browser_code_lookup_guard(ip=ip, browser=browser):
        return room_get_live(code=code)


def _room_of_seat(token: str, code: str) -> Room | None:
    try:
        session = session_get_active(token=token)
        require_session_in_room(session, room_code=normalize_room_code(code))
    except (InvalidSessionError, ForbiddenError):
        return None
    return session.room if session.room.is_live else None  # a closed room's code may name a newer one
