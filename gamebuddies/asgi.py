"""ASGI entry point: HTTP (Django, plus static files) and the lobby WebSocket."""

import asyncio
import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gamebuddies.settings")
# Populate the app registry before importing consumers and models.
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from gameapi.lean.app import LeanGameApi  # noqa: E402
from gamebuddies.ws_security import SameOriginWebSocketGuard  # noqa: E402
from rooms.background import start_in_process  # noqa: E402
from rooms.broadcast import broadcaster  # noqa: E402
from rooms.routing import websocket_urlpatterns  # noqa: E402
from rooms.selectors import game_launch_urls  # noqa: E402


class PublicStaticCors:
    """Static files are public: let game pages on other origins import the browser SDK module."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if not scope.get("path", "").startswith(settings.STATIC_URL):
            return await self.app(scope, receive, send)

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"access-control-allow-origin", b"*")]}
            await send(message)

        return await self.app(scope, receive, send_with_cors)


# Static files are served in-process so a bare `make run` needs nothing else;
# behind a CDN or proxy, set SERVE_STATIC=0 and serve `collectstatic` output.
_http = PublicStaticCors(ASGIStaticFilesHandler(django_http)) if settings.SERVE_STATIC else django_http

_router = ProtocolTypeRouter(
    {
        # The hottest Game API routes are served on the event loop before Django (gameapi/lean/).
        "http": LeanGameApi(_http),
        "websocket": SameOriginWebSocketGuard(URLRouter(websocket_urlpatterns), game_launch_urls=game_launch_urls),
    }
)


def _tune_garbage_collector() -> None:
    """Fewer and shorter collector pauses on the hot path.

    Everything imported so far (Django, the URL conf, every module) lives as long as the
    process, yet the default collector walks it on every full collection, and at the default
    gen-0 threshold of 700 allocations a busy worker collects hundreds of times a second;
    each pause delays every request and socket on the loop. `gc.freeze()` moves the
    start-up objects to a generation that is never collected; a higher gen-0 threshold
    makes young collections rarer (the hot path allocates mostly short-lived,
    non-cyclic objects that reference counting frees anyway).
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(settings.GC_GEN0_THRESHOLD, gen1, gen2)


if settings.GC_TUNING:
    _tune_garbage_collector()


async def application(scope, receive, send):
    if scope["type"] != "lifespan":
        # Broadcasts scheduled from sync threads are handed to the layer on this loop.
        broadcaster.bind_loop(asyncio.get_running_loop())
        if settings.EMBEDDED_WORKER:
            # No shared cache and channel layer: the background loops run here, once per process.
            start_in_process()
    return await _router(scope, receive, send)
