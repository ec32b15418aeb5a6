"""The game launch URL: where a player goes when the host starts a game.

The game receives our parameters — `roomCode`, `playerId`, `sessionToken`, `role` and
`returnUrl` (Game API issue) — and those games written for the original GameBuddies read
(issue 20, docs/compatibility.md): `session` (the same session token: the original sent it
and its games look the player up with GET /api/game-sessions/<session>), `room`, `name`,
`isHost` and `gameType`. `role` is `gm` for the host, as the original sent it (those games
take `gm` or `host` as host; our SDK only tells spectators apart). `gameRunId` is new at every
game start, so a game tells this run from the previous one in the same room. The token is the player's
own, read from their cookie by the `/rooms/<CODE>/play` view; it is never part of a broadcast.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

LAUNCH_PARAMS = (
    "roomCode",
    "playerId",
    "sessionToken",
    "role",
    "returnUrl",
    "session",
    "room",
    "name",
    "isHost",
    "gameType",
    "gameRunId",
)
HOST_ROLE_PARAM = "gm"


def build_launch_url(
    launch_url: str,
    *,
    room_code: str,
    player_id,
    session_token: str,
    role: str,
    return_url: str,
    player_name: str = "",
    game_type: str = "",
    game_run_id=None,
) -> str:
    """`launch_url` with the launch parameters added to (or replacing) its own query.

    Works for absolute game URLs and for paths on this site (the bundled demo game).
    """
    parts = urlsplit(launch_url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in LAUNCH_PARAMS]
    is_host = role == "host"
    params = {
        "roomCode": room_code,
        "playerId": str(player_id),
        "sessionToken": session_token,
        "role": HOST_ROLE_PARAM if is_host else role,
        "returnUrl": return_url,
        "session": session_token,
        "room": room_code,
        "isHost": "true" if is_host else "false",
    }
    if player_name:
        params["name"] = player_name
    if game_type:
        params["gameType"] = game_type
    if game_run_id:
        params["gameRunId"] = str(game_run_id)
    query = urlencode([*kept, *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))
