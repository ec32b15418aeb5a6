"""The player cookie: an encrypted, HttpOnly map of room code -> raw session token.

No accounts: this cookie *is* the player's identity in the rooms they joined. It is
encrypted and authenticated (Fernet with a key derived from SECRET_KEY: neither readable
nor forgeable, tampering is detected) and HttpOnly (page scripts cannot read it); tokens
in it are checked against hashed sessions on every use, so a revoked one is dead.

Cookies written before encryption (signed only, readable as base64) are still accepted
until they expire (PLAYER_SESSION_DAYS) and are written back encrypted at the next
change; the legacy reader can go one cookie lifetime after this release.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core import signing

from gamebuddies.crypto import fernet_for

_SALT = "gamebuddies.player-cookie"
_PREFIX = "e1."  # an encrypted value; anything else is a legacy signed one
MAX_ROOMS_REMEMBERED = 8


def _max_age() -> int:
    return settings.PLAYER_SESSION_DAYS * 86400


def encode(tokens: dict[str, str]) -> str:
    plain = json.dumps(tokens, separators=(",", ":")).encode()
    return _PREFIX + fernet_for(_SALT).encrypt(plain).decode()


def decode(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        if raw.startswith(_PREFIX):
            value = json.loads(fernet_for(_SALT).decrypt(raw[len(_PREFIX) :].encode(), ttl=_max_age()))
        else:
            value = signing.loads(raw, salt=_SALT, max_age=_max_age())  # legacy: signed, not encrypted
    except (InvalidToken, signing.BadSignature, ValueError):
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
        encode(trimmed),
        max_age=_max_age(),
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
