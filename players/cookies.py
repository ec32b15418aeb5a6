"""The player cookie: a signed, HttpOnly map of room code -> raw session token.

No accounts: this cookie *is* the player's identity in the rooms they joined. It is
signed (tampering is detected) and HttpOnly (page scripts cannot read it); tokens in
it are checked against hashed sessions on every use, so a revoked one is dead.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from django.conf import settings
from django.core import signing

_SALT = "gamebuddies.player-cookie"
MAX_ROOMS_REMEMBERED = 8


def decode(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        value = signing.loads(raw, salt=_SALT, max_age=settings.PLAYER_SESSION_DAYS * 86400)
    except signing.BadSignature:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def tokens_from_request(request) -> dict[str, str]:
    return decode(request.COOKIES.get(settings.PLAYER_COOKIE_NAME))


def tokens_from_scope(scope) -> dict[str, str]:
    """The same map, read from an ASGI (WebSocket) scope's Cookie header."""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return {}
            morsel = jar.get(settings.PLAYER_COOKIE_NAME)
            return decode(morsel.value if morsel else None)
    return {}


def store(response, tokens: dict[str, str], *, secure: bool) -> None:
    # Most recent rooms last; old ones fall off so the cookie stays small.
    trimmed = dict(list(tokens.items())[-MAX_ROOMS_REMEMBERED:])
    response.set_cookie(
        settings.PLAYER_COOKIE_NAME,
        signing.dumps(trimmed, salt=_SALT, compress=True),
        max_age=settings.PLAYER_SESSION_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=secure or settings.PRODUCTION,
    )


def remember(request, response, *, room_code: str, token: str) -> None:
    tokens = tokens_from_request(request)
    tokens.pop(room_code, None)
    tokens[room_code] = token
    store(response, tokens, secure=request.is_secure())


def forget(request, response, *, room_code: str) -> None:
    tokens = tokens_from_request(request)
    if tokens.pop(room_code, None) is not None:
        store(response, tokens, secure=request.is_secure())
