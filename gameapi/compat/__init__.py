"""Drop-in compatibility with games written for the original GameBuddies (issue 20).

Thin adapters: the original API v2 routes (`/api/v2/game/...`), the session lookup
(`/api/game-sessions/<token>`), the return flow and the legacy v1 status route, each
parsing the original's request shape, calling the same services as our own API, and
answering in the original's body shape (presenters.py). docs/compatibility.md maps
every route and field.
"""

from .services import rejoin  # the original's return link, used by the room pages (rooms/views.py)

__all__ = ["rejoin"]
