"""CompatView: our GameApiView (key, scopes, idempotency, rate tiers, request log, envelope)
plus what the original's callers need: its error fields, optional keys and browser CORS.

Errors keep our envelope (`error`, `code`, `retryable`, `timestamp`, `requestId`) and our
stable codes; the original's callers read `error`/`code` and a few fields of their own,
which are added beside them: `success: false`, the error's details at the top level
(`validStatuses`, `validLocations`, `status`, `allowedStatuses`) and per view `error_extras`
(`valid: false` for validate, `shouldReturn: false` for return-status).
"""

from __future__ import annotations

import json

from django.http import JsonResponse

from gamebuddies.errors import InvalidApiKeyError
from gamebuddies.ratelimits import client_ip, hit

from .. import conf, idempotency
from ..authentication import ApiKeyAuthentication, require_scope
from ..base import GameApiView, api_exception_handler
from ..parsers import DepthLimitedJSONParser
from . import cors
from .services import actor_for_session

SESSION_RATE_TIER = "validation"


class BeaconJSONParser(DepthLimitedJSONParser):
    """`navigator.sendBeacon` posts JSON as text/plain (it cannot set headers): parse it as JSON."""

    media_type = "text/plain"


class OptionalApiKeyAuthentication(ApiKeyAuthentication):
    """The key when one is sent (a wrong one is 401); none at all leaves the view to its session rule."""

    def authenticate(self, request):
        if not request._request.META.get("HTTP_X_API_KEY"):
            return None
        return super().authenticate(request)


class KeyOptional:
    """Permission: a sent key needs the view's scope; without one the view asks for a session."""

    def has_permission(self, request, view) -> bool:
        api_key = getattr(request._request, "gameapi_key", None)
        if api_key is not None:
            require_scope(api_key, view.required_scopes.get(request.method))
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        return True


def _compat_handler(exc, context):
    response = api_exception_handler(exc, context)
    if response is None or isinstance(exc, idempotency.Replay) or response.status_code < 400:
        return response
    view = context.get("view")
    try:
        body = json.loads(response.content)
    except ValueError:
        return response
    extras = {"success": False, **(body.get("details") or {}), **getattr(view, "error_extras", {})}
    reshaped = JsonResponse({**extras, **body}, status=response.status_code)
    if "Retry-After" in response:
        reshaped["Retry-After"] = response["Retry-After"]
    return reshaped


class CompatView(GameApiView):
    # Not in /api/v2/schema/: that describes our API for new games (and schemathesis fuzzes it
    # against the server). The compat routes have their own (openapi.py, /api/v2/game/schema/).
    schema = None
    error_extras: dict = {}
    # Set when a player's session, not a key, is the credential (use_session).
    _session_actor = None

    @property
    def cors_methods(self) -> str:
        """Every route here may be called from a catalog game's page (the original guide's game
        pages sent status, heartbeats and bulk updates with the key from the browser)."""
        return ", ".join(sorted({*self._allowed_methods(), "OPTIONS"}))

    def dispatch(self, request, *args, **kwargs):
        if request.method == "OPTIONS":
            return cors.preflight(request, methods=self.cors_methods)
        return super().dispatch(request, *args, **kwargs)

    def get_exception_handler(self):
        return _compat_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        cors.add_headers(request, response, methods=self.cors_methods)
        return response

    @property
    def actor(self):
        return self._session_actor or super().actor

    def limit_by_client(self) -> None:
        """Calls without a key count per client address, in the validation tier's rate."""
        rate = conf.rate_tiers()[SESSION_RATE_TIER]
        hit(group="gameapi:compat-session", value=client_ip(self.request._request), rate=rate)

    def label(self) -> str:
        return f"api: {self.api_key.service_name}" if self.api_key else "game page"

    def use_session(self, token, *, room_code: str | None = None):
        """No key: the player's own session token is the credential (limited per client address)."""
        if not token:
            raise InvalidApiKeyError("Send the X-API-Key header, or the player's sessionToken")
        self.limit_by_client()
        actor, session = actor_for_session(token, room_code=room_code)
        self._session_actor = actor
        return session


class KeyOptionalView(CompatView):
    authentication_classes = [OptionalApiKeyAuthentication]
    permission_classes = [KeyOptional]


class PublicView(CompatView):
    """No key: the token in the request is the credential."""

    authentication_classes = []
    permission_classes = []
