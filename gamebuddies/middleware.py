"""Cross-cutting HTTP middleware: request ids."""

import re
import uuid

from gamebuddies.logging import bind, log_context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (echoed as X-Request-Id) for logs, ApiRequest rows and errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Every log record of this request carries its id (and what bind() adds: room, key, player).
        with log_context(request_id=request.request_id, room_code=None, api_key_prefix=None, player_id=None):
            response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        code = view_kwargs.get("code") or view_kwargs.get("room_code")
        bind(room_code=code.upper() if code else None, player_id=view_kwargs.get("player_id"))


class SyncBoundaryMiddleware:
    """Keeps the whole middleware chain in one thread under ASGI.

    Django's innermost handler is async under ASGI; every MiddlewareMixin between it and
    the first sync-only middleware then runs in async mode, sending each process_request
    and process_response to a thread and back (about twenty hops per request, measured in
    docs/performance.md). A sync-only middleware placed last makes the chain sync: one hop
    in, one out.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
