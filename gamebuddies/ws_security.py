"""WebSocket handshake guards that run before any consumer code.

Cross-site WebSocket hijacking needs a victim's browser, and browsers always send
Origin. So: a foreign Origin is refused outright; a handshake without Origin (a game
server, an SDK, a test client) is let through, but marked so that the consumer will
not authenticate it by cookie - it must present a session token instead.
"""

from urllib.parse import urlparse

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain


def allowed_origin_hosts() -> list[str]:
    extra = [urlparse(o).netloc for o in settings.CSRF_TRUSTED_ORIGINS]
    return [*settings.ALLOWED_HOSTS, *extra]


def origin_is_allowed(origin: str) -> bool:
    parsed = urlparse(origin)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host = parsed.netloc.lower()
    hostname = parsed.hostname.lower()
    for pattern in allowed_origin_hosts():
        pattern = pattern.lower()
        if pattern == "*" or is_same_domain(host, pattern) or is_same_domain(hostname, pattern):
            return True
    return False


class SameOriginWebSocketGuard:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            origin = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"origin"), None)
            if origin is not None and not origin_is_allowed(origin):
                denier = WebsocketDenier()
                return await denier(scope, receive, send)
            scope = {**scope, "browser_origin_verified": origin is not None}
        return await self.application(scope, receive, send)
