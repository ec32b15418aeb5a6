"""X-API-Key authentication and scope checks for the Game API (DRF classes)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from gamebuddies.actors import Actor
from gamebuddies.errors import InsufficientScopeError, InvalidApiKeyError
from gamebuddies.logging import bind as bind_log_context
from gamebuddies.ratelimits import client_ip

from . import throttles
from .keys import contains_key
from .models import ApiKey
from .selectors import api_key_authenticate
from .services import api_key_touch

API_KEY_HEADER = "X-API-Key"
# Names a client might use to put a key in the URL; such requests are refused outright.
_QUERY_KEY_NAMES = {"apikey", "api_key", "api-key", "x-api-key", "x_api_key", "key", "token"}


class ApiKeyPrincipal:
    """What DRF keeps as request.user for a key: the key's service, never a Django user."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return self.api_key.service_name


def request_api_key(request) -> ApiKey | None:
    """The authenticated key of a request, without triggering authentication again."""
    django_request = getattr(request, "_request", request)
    return getattr(django_request, "gameapi_key", None)


def actor_for(api_key: ApiKey) -> Actor:
    return Actor.api_key(api_key_id=api_key.pk, game_slug=api_key.game_id, label=api_key.service_name)


def refuse_key_in_query(params) -> None:
    """A key in the query string is refused outright: URLs end up in logs. `params`: (name, value) pairs."""
    for name, value in params:
        if name.lower() in _QUERY_KEY_NAMES or contains_key(value):
            raise InvalidApiKeyError(f"Send the API key in the {API_KEY_HEADER} header, never in the URL")


class ApiKeyAuthentication(BaseAuthentication):
    """`X-API-Key: gb_<64 hex>` only. A key in the query string is refused: URLs end up in logs."""

    def authenticate(self, request):
        try:
            return self._authenticate(request)
        except InvalidApiKeyError:
            # Without a valid key a client is limited per IP (429 past API_ANONYMOUS_RATE).
            throttles.enforce_unauthenticated(ip=client_ip(request._request))
            raise

    def _authenticate(self, request):
        django_request = request._request
        refuse_key_in_query((name, value) for name, values in django_request.GET.lists() for value in values)
        raw = django_request.META.get("HTTP_X_API_KEY")
        if not raw:
            raise InvalidApiKeyError(f"Missing {API_KEY_HEADER} header")
        api_key = api_key_authenticate(raw_key=raw.strip())
        django_request.gameapi_key = api_key
        bind_log_context(api_key_prefix=api_key.key_prefix)
        api_key_touch(api_key=api_key)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request) -> str:
        return f'ApiKey header="{API_KEY_HEADER}"'


class HasScope(BasePermission):
    """The view's `required_scopes[method]` must be among the key's scopes (no entry: any valid key)."""

    def has_permission(self, request, view) -> bool:
        api_key = request_api_key(request)
        if api_key is None:
            raise InvalidApiKeyError()
        require_scope(api_key, getattr(view, "required_scopes", {}).get(request.method))
        return True


def require_scope(api_key: ApiKey, needed: str | None) -> None:
    if needed and needed not in (api_key.scopes or []):
        raise InsufficientScopeError(f"This endpoint needs the {needed} scope")


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "gameapi.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
