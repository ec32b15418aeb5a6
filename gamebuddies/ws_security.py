"""WebSocket handshake guards that run before any consumer code.

Cross-site WebSocket hijacking needs a victim's browser riding on its cookie, and
browsers always send Origin. Origins are compared exactly (scheme, host and port), as
Django's CSRF check does. So:
- this site's own origin (the scheme and allowed Host the socket was opened on) and
  CSRF_TRUSTED_ORIGINS may connect and authenticate by the player cookie;
- the origins of catalog games (their launch URLs, plus GAME_ORIGINS) may connect
  but must present a session token: the cookie is never trusted for them;
- any other Origin is refused before the socket is accepted;
- a handshake without Origin (a game server, an SDK, a test client) is not a browser
  riding on a cookie, so it may connect with a session token only.

Which games are in the catalog is the rooms app's to say: the ASGI wiring hands the guard
that lookup (`rooms.selectors.game_launch_urls`), so this module reads no app's model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from urllib.parse import urlparse

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

_GAME_ORIGINS_TTL = 30.0
_game_origins_cache: tuple[float, frozenset[str]] = (0.0, frozenset())


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host:port` of a URL, lower-case with the port always spelled out, or None.

    Spelling the default port out makes `https://a.example` and `https://a.example:443` one
    origin, while scheme, host and port must all agree for two origins to be the same.
    """
    try:
        parsed = urlparse(url.strip())
        port = parsed.port
    except (ValueError, AttributeError):
        return None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.hostname or parsed.username or parsed.password:
        return None
    host = parsed.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parsed.scheme}://{host}:{port or _DEFAULT_PORTS[parsed.scheme]}"


def _header(scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == name), None)


def _served_origin(scope) -> str | None:
    """The origin this socket was opened on, as Django's CSRF check builds it: the scheme the
    client used (through a trusted TLS proxy too) and the Host header, if it is an allowed host."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host.lower())
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    secure = scope.get("scheme") in ("wss", "https")
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        forwarded = _header(scope, name.removeprefix("HTTP_").lower().replace("_", "-").encode())
        secure = secure or (forwarded or "").split(",")[0].strip() == value
    return origin_of(f"{'https' if secure else 'http'}://{host}")


def is_own_origin(origin: str, scope=None) -> bool:
    """Exactly this site's origin (scheme, host and port), or one listed in CSRF_TRUSTED_ORIGINS
    (where `https://*.example.com` covers subdomains with that scheme and port)."""
    normalized = origin_of(origin)
    if normalized is None:
        return False
    if scope is not None and normalized == _served_origin(scope):
        return True
    scheme, _, netloc = normalized.partition("://")
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" in trusted:
            t_scheme, _, t_netloc = trusted.lower().partition("://")
            t_host, t_port = split_domain_port(t_netloc.lstrip("*"))
            t_port = t_port or str(_DEFAULT_PORTS.get(t_scheme, ""))
            host, port = netloc.rsplit(":", 1)
            if t_scheme == scheme and port == t_port and is_same_domain(host, t_host):
                return True
        elif normalized == origin_of(trusted):
            return True
    return bool(settings.PUBLIC_BASE_URL) and normalized == origin_of(settings.PUBLIC_BASE_URL)


def load_game_origins(launch_urls: Iterable[str]) -> frozenset[str]:
    """The origins of the catalog games' pages (`launch_urls`) and of GAME_ORIGINS."""
    origins = {origin_of(url) for url in launch_urls} | {origin_of(o) for o in settings.GAME_ORIGINS}
    return frozenset(o for o in origins if o)


async def game_origins(game_launch_urls: Callable[[], Iterable[str]]) -> frozenset[str]:
    global _game_origins_cache
    loaded_at, origins = _game_origins_cache
    if time.monotonic() - loaded_at > _GAME_ORIGINS_TTL:
        origins = await database_sync_to_async(lambda: load_game_origins(game_launch_urls()))()
        _game_origins_cache = (time.monotonic(), origins)
    return origins


class SameOriginWebSocketGuard:
    def __init__(self, application, *, game_launch_urls: Callable[[], Iterable[str]]):
        self.application = application
        self.game_launch_urls = game_launch_urls  # the catalog's active games' page URLs (a database read)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            origin = _header(scope, b"origin")
            own = origin is not None and is_own_origin(origin, scope)
            if origin is not None and not own and origin_of(origin) not in await game_origins(self.game_launch_urls):
                return await WebsocketDenier()(scope, receive, send)
            # Only this site's own pages may be authenticated by the player cookie.
            scope = {**scope, "browser_origin_verified": own}
        return await self.application(scope, receive, send)
