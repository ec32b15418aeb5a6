"""Credentialed CORS for the routes game pages call from the browser.

Games call the session lookup and the return routes with `credentials: "include"`, so the
answer must name the caller's exact origin and allow credentials; `*` is never sent (browsers
refuse it with credentials, and it would open the routes to every site). The allowed origins
are the catalog games' (their launch URLs' origins plus GAME_ORIGINS), the same set the room
socket admits (gamebuddies/ws_security.py owns that rule). Any other origin gets no CORS
headers, so its browser keeps the answer from the page.
"""

from __future__ import annotations

import time

from django.http import HttpResponse

from gamebuddies import ws_security
from rooms.selectors import game_launch_urls

ALLOWED_HEADERS = "Content-Type, X-API-Key, Idempotency-Key, X-Request-Id"
MAX_AGE_SECONDS = "600"
_TTL_SECONDS = 30.0
_cache: tuple[float, frozenset[str]] = (-1e9, frozenset())


def allowed_origins() -> frozenset[str]:
    """The catalog games' origins, reloaded at most every 30 s (a new game is allowed within that)."""
    global _cache
    loaded_at, origins = _cache
    if time.monotonic() - loaded_at > _TTL_SECONDS:
        origins = ws_security.load_game_origins(game_launch_urls())
        _cache = (time.monotonic(), origins)
    return origins


def forget_allowed_origins() -> None:
    global _cache
    _cache = (-1e9, frozenset())


def allowed_origin(request) -> str | None:
    """The request's Origin header as sent, when it is a catalog game's; else None."""
    origin = request.headers.get("Origin")
    if not origin:
        return None
    normalized = ws_security.origin_of(origin)
    return origin if normalized is not None and normalized in allowed_origins() else None


def add_headers(request, response, *, methods: str) -> None:
    response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
    origin = allowed_origin(request)
    if origin is None:
        return
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Credentials"] = "true"
    response["Access-Control-Allow-Methods"] = methods
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Expose-Headers"] = "X-Request-Id, Retry-After"
    response["Access-Control-Max-Age"] = MAX_AGE_SECONDS


def preflight(request, *, methods: str) -> HttpResponse:
    """204 with the CORS headers for a catalog game's origin; 204 without them for anyone else."""
    response = HttpResponse(status=204)
    add_headers(request, response, methods=methods)
    return response
