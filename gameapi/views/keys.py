"""Health, key validation and session validation."""

from __future__ import annotations

from rest_framework.response import Response

from gamebuddies.errors import utc_now_iso
from gamebuddies.readiness import readiness

from .. import operations, presenters
from ..base import GameApiView
from ..inputs import SessionValidate
from ..models import Scope
from ..openapi import examples
from ..openapi.operation import api_operation
from ..openapi.responses import HealthOut, KeyValidateOut, SessionValidateOut


class HealthView(GameApiView):
    authentication_classes = []
    permission_classes = []

    @api_operation(
        operation_id="getHealth",
        summary="Is the API up?",
        tag="meta",
        ok=HealthOut,
        examples=examples.HEALTH,
        authenticated=False,
    )
    def get(self, request):
        # The same readiness as /readyz: 503 while PostgreSQL or Redis is away, naming which.
        ready, checks = readiness()
        body = {"status": "healthy" if ready else "unavailable", "version": "2.0", "timestamp": utc_now_iso()}
        response = Response({**body, "checks": checks}, status=200 if ready else 503)
        if not ready:
            response["Retry-After"] = "5"
        return response


class KeyValidateView(GameApiView):
    rate_tiers = {"GET": "validation"}

    @api_operation(
        operation_id="validateKey",
        summary="Check the key and see its scopes",
        tag="keys",
        ok=KeyValidateOut,
        tier="validation",
        examples=examples.KEY_VALIDATE,
    )
    def get(self, request):
        return Response(presenters.key_valid(self.api_key))


class SessionValidateView(GameApiView):
    required_scopes = {"POST": Scope.ROOMS_READ}
    rate_tiers = {"POST": "validation"}

    @api_operation(
        operation_id="validateSession",
        summary="Check a player's session token",
        description=(
            "How a game trusts the playerId it received in the launch URL: the token must be an active "
            "session of a seat in a live room. An unknown, expired or revoked token answers `valid: false`, "
            "and so does a token of a room playing another game than the key's."
        ),
        tag="sessions",
        request=SessionValidate,
        ok=SessionValidateOut,
        scope=Scope.ROOMS_READ,
        tier="validation",
        writes=True,
        examples=examples.SESSION_VALIDATE,
    )
    def post(self, request):
        return Response(operations.session_validate(data=self.parse(SessionValidate), actor=self.actor))
