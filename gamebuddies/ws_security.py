"""WebSocket handshake guards that run before any consumer code.

Cross-site WebSocket hijacking needs a victim's browser riding on its cookie, and
browsers always send Origin. So:
- this site's own origins may connect and authenticate by the player cookie;
- the origins of catalog games (their launch URLs, plus GAME_ORIGINS) may connect
  but must present a session token: the cookie is never trusted for them;
- any other Origin is refused before the socket is accepted;
- a handshake without Origin (a game server, an SDK, a test client) is not a browser
  riding on a cookie, so it may connect with a session token only.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain

_GAME_ORIGINS_TTL = 30.0
_game_origins_cache: tuple[float, frozenset[str]] = (0.0, frozenset())


def _origin_of(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return f"{parsed.scheme}://{parsed.netloc}".lower()


def is_own_origin(origin: str) -> bool:
    parsed = urlparse(origin)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    trusted = {(_origin_of(o) or "") for o in settings.CSRF_TRUSTED_ORIGINS}
    if origin.lower() in trusted:
        return True
    host, hostname = parsed.netloc.lower(), parsed.hostname.lower()
    return any(
        pattern == "*" or is_same_domain(host, pattern) or is_same_domain(hostname, pattern)
        for pattern in (p.lower() for p in settings.ALLOWED_HOSTS)
    )


def _load_game_origins() -> frozenset[str]:
    from rooms.models import Game

    urls = Game.objects.filter(is_active=True).values_list("launch_url", flat=True)
    origins = {_origin_of(url) for url in urls} | {_origin_of(o) for o in settings.GAME_ORIGINS}
    return frozenset(o for o in origins if o)


async def game_origins() -> frozenset[str]:
    global _game_origins_cache
    loaded_at, origins = _game_origins_cache
    if time.monotonic() - loaded_at > _GAME_ORIGINS_TTL:
        origins = await database_sync_to_async(_load_game_origins)()
        _game_origins_cache = (time.monotonic(), origins)
    return origins


class SameOriginWebSocketGuard:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            origin = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"origin"), None)
            own = origin is not None and is_own_origin(origin)
            if origin is not None and not own and origin.lower() not in await game_origins():
                return await WebsocketDenier()(scope, receive, send)
            # Only this site's own pages may be authenticated by the player cookie.
            scope = {**scope, "browser_origin_verified": own}
        return await self.application(scope, receive, send)
