"""The game launch URL: where a player goes when the host starts a game.

The game receives `roomCode`, `playerId`, `sessionToken`, `role` and `returnUrl` in
the query string (Game API issue). The token is the player's own, read from their
cookie by the `/rooms/<CODE>/play` view; it is never part of a broadcast.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

LAUNCH_PARAMS = ("roomCode", "playerId", "sessionToken", "role", "returnUrl")


def build_launch_url(
    launch_url: str, *, room_code: str, player_id, session_token: str, role: str, return_url: str
) -> str:
    """`launch_url` with the launch parameters added to (or replacing) its own query.

    Works for absolute game URLs and for paths on this site (the bundled demo game).
    """
    parts = urlsplit(launch_url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in LAUNCH_PARAMS]
    params = {
        "roomCode": room_code,
        "playerId": str(player_id),
        "sessionToken": session_token,
        "role": role,
        "returnUrl": return_url,
    }
    query = urlencode([*kept, *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))
