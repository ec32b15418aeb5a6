"""The original API v2 routes as thin adapters: parse its shape, call our services, answer its shape.

Each view is a CompatView (our key authentication, scopes, idempotency, rate tiers and request
log), so these routes count in the same buckets as our own API. Mapping: docs/compatibility.md.
"""

from __future__ import annotations

from rest_framework.response import Response

from gamebuddies.errors import InvalidSessionError, utc_now_iso
from gamebuddies.ratelimits import client_ip, code_guessing_record_miss
from gamebuddies.readiness import readiness
from players import cookies
from players.selectors import session_get_active
from rooms import services as room_services
from rooms.selectors import game_state_latest, member_get, normalize_room_code, room_get_live, room_members
from rooms.services import clean_metadata

from .. import operations
from ..authentication import require_scope
from ..models import Scope
from ..presenters import lobby_url
from . import cors, presenters, services
from .base import BeaconJSONParser, CompatView, KeyOptionalView, PublicView
from .errors import SessionNotFoundError, WrongGameTypeError
from .inputs import (
    BulkReport,
    ExternalReturn,
    GameEnd,
    HeartbeatReport,
    Reason,
    SessionRecover,
    StatusReport,
    ValidateQuery,
)


def _merged(*objects) -> dict:
    merged: dict = {}
    for value in objects:
        merged.update(value or {})
    return clean_metadata(merged)


class ValidateView(CompatView):
    required_scopes = {"GET": Scope.ROOMS_READ}
    rate_tiers = {"GET": "validation"}
    error_extras = {"valid": False}

    def get(self, request, room_code: str):
        query = self.parse(ValidateQuery, data=request.query_params)
        with self.code_lookup():
            try:
                room = services.room_for_validation(code=room_code, actor=self.actor)
            except WrongGameTypeError:
                # Costs what a miss costs (past the limit: 429), so it is no better an oracle.
                code_guessing_record_miss(ip=client_ip(request._request))
                raise
        members = list(room_members(room=room))
        participant = _find_participant(members, query.get("playerId"), query.get("playerName"))
        token = query.get("sessionToken")
        session_valid = bool(token and participant and _session_is(token, room, participant))
        game = self.api_key.game_id or room.current_game_id
        state = game_state_latest(room=room, game_slug=game) if game else None
        return Response(presenters.validate_room(room, members, participant, session_valid, bool(token), state))


def _find_participant(members, player_id, player_name):
    if player_id:
        found = next((m for m in members if str(m.player_id) == player_id.strip().lower()), None)
        if found:
            return found
    if player_name:
        wanted = player_name.strip().casefold()
        return next((m for m in members if m.player.display_name.casefold() == wanted), None)
    return None


def _session_is(token: str, room, member) -> bool:
    try:
        session = session_get_active(token=token)
    except InvalidSessionError:
        return False
    return session.room_id == room.pk and session.player_id == member.player_id


class StatusView(KeyOptionalView):
    """The original's status route, the games' status words, and the page's disconnect beacon."""

    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "status"}

    def get_parsers(self):
        return [*super().get_parsers(), BeaconJSONParser()]

    def rate_subject(self) -> str:
        return normalize_room_code(self.kwargs.get("room_code", ""))

    def post(self, request, room_code: str, player_id: str):
        data = self.parse(StatusReport)
        if self.api_key is None:
            self.use_session(data.get("sessionToken"), room_code=room_code)
        with self.code_lookup():
            outcome = services.report_status(
                room_code=room_code,
                player_id=player_id,
                word=data["status"],
                location=data.get("location"),
                metadata=_merged(data.get("metadata"), data.get("gameData")),
                reason=data.get("reason"),
                actor=self.actor,
                label=self.label(),
            )
        return Response(presenters.status_ack(outcome))


class HeartbeatView(CompatView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "heartbeat"}

    def rate_subject(self) -> str:
        return str(self.kwargs.get("player_id", ""))

    def post(self, request, room_code: str, player_id: str):
        self.parse(HeartbeatReport)
        with self.code_lookup():
            room = room_get_live(code=room_code)
        room_services.member_heartbeat(room=room, player_id=services.player_uuid(player_id), actor=self.actor)
        return Response(presenters.heartbeat_ack())


class BulkStatusView(CompatView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "bulk"}

    def post(self, request, room_code: str):
        data = self.parse(BulkReport)
        if data.get("gameState") is not None:
            require_scope(self.api_key, Scope.STATE_WRITE)
        with self.code_lookup():
            outcome = services.bulk_report(
                room_code=room_code,
                rows=data["players"],
                reason=data.get("reason"),
                game_state=data.get("gameState"),
                return_to_lobby=data["returnToLobby"],
                actor=self.actor,
            )
        return Response(presenters.bulk_ack(outcome))


class GameEndView(CompatView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "write"}

    def post(self, request, room_code: str):
        data = self.parse(GameEnd)
        data = {"gameResult": data.get("gameResult") or {}, "returnPlayers": data["returnPlayers"]}
        with self.code_lookup():
            return Response(operations.game_end(room_code=room_code, data=data, actor=self.actor))


class ReturnAllView(CompatView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "write"}

    def post(self, request, room_code: str):
        with self.code_lookup():
            outcome = services.return_all(room_code=room_code, actor=self.actor, reason="return_all")
        return Response(
            {
                "success": True,
                "updated": outcome.players_returned,
                "roomCode": outcome.room.room_code,
                "roomStatus": outcome.room.status,
                "roomVersion": outcome.version,
            }
        )


class SyncView(CompatView):
    required_scopes = {"POST": Scope.ROOMS_READ}
    rate_tiers = {"POST": "write"}

    def post(self, request, room_code: str):
        with self.code_lookup():
            version, players = services.room_sync(room_code=room_code, actor=self.actor)
        return Response(
            {
                "success": True,
                "synced": True,
                "playersCount": players,
                "timestamp": utc_now_iso(),
                "roomVersion": version,
            }
        )


class AbandonView(CompatView):
    required_scopes = {"POST": Scope.ROOMS_WRITE}
    rate_tiers = {"POST": "write"}

    def post(self, request, room_code: str):
        reason = self.parse(Reason).get("reason") or "game_room_deleted"
        with self.code_lookup():
            outcome = services.game_room_abandon(room_code=room_code, actor=self.actor, reason=reason)
        return Response(
            {
                "success": True,
                "roomCode": normalize_room_code(room_code),
                "status": outcome.status,
                "abandoned": outcome.abandoned,
                "reason": reason,
            }
        )


class SessionRecoverView(PublicView):
    def post(self, request):
        data = self.parse(SessionRecover)
        self.limit_by_client()
        recovered = services.session_recover(token=data["sessionToken"])
        return Response(
            {
                "success": True,
                "newSessionToken": recovered.issued.token,
                "sessionToken": recovered.issued.token,
                "playerState": presenters.player_state(recovered.member, recovered.room),
            }
        )


class HealthView(CompatView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        ready, checks = readiness()
        body = {
            "status": "healthy" if ready else "unavailable",
            "version": "2.0",
            "timestamp": utc_now_iso(),
            "features": presenters.HEALTH_FEATURES,
            "checks": checks,
        }
        response = Response(body, status=200 if ready else 503)
        if not ready:
            response["Retry-After"] = "5"
        return response


class FriendsView(CompatView):
    """No accounts here, so nobody has friends on the platform: an honest empty list."""

    required_scopes = {"GET": Scope.ROOMS_READ}
    rate_tiers = {"GET": "read"}

    def get(self, request, user_id: str):
        return Response({"success": True, "friends": [], "supported": False})


class NotSupportedView(CompatView):
    """Rewards and XP need accounts, which this platform has none of: said plainly, nothing granted."""

    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "write"}
    feature = ""

    def post(self, request):
        return Response(
            {
                "success": False,
                "code": "NOT_SUPPORTED",
                "error": f"{self.feature} need player accounts, which this platform does not have; nothing was granted",
            }
        )


# -- the return flow ------------------------------------------------------------------------
class ExternalReturnView(KeyOptionalView):
    """A game sends its players back to the lobby (DDF and others), from its server or its page."""

    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "write"}

    def post(self, request):
        data = self.parse(ExternalReturn)
        token = None
        if self.api_key is None:
            token = data.get("sessionToken") or _cookie_token(request, data["roomCode"])
            self.use_session(token, room_code=data["roomCode"])
        reason = data.get("reason") or "external_return"
        with self.code_lookup():
            outcome = services.external_return(
                room_code=data["roomCode"],
                actor=self.actor,
                return_all_players=data["returnAll"],
                player_id=data.get("playerId"),
                reason=reason,
                extra={"initiatedBy": data.get("initiatedBy") or self.label(), "metadata": data.get("metadata") or {}},
            )
        code = outcome.room.room_code
        claim = services.return_claim(outcome) if not outcome.everyone else None
        return Response(
            {
                "success": True,
                "message": "Return to lobby initiated",
                "roomCode": code,
                "returnUrl": lobby_url(request._request, code, claim_code=claim),
                "sessionToken": token,
                "playersReturned": outcome.players_returned,
                "pendingReturn": False,  # done, not pending: the players are in the lobby already
                "pollEndpoint": f"/api/v2/rooms/{code}/return-status",
                "roomVersion": outcome.version,
            }
        )


def _cookie_token(request, room_code: str) -> str | None:
    """The player cookie's token for this room, only when a catalog game's page sent it
    (a sibling site of ours: the cookie is SameSite=Lax) and CORS lets that page read the answer."""
    if cors.allowed_origin(request._request) is None:
        return None
    return cookies.tokens_from_request(request._request).get(normalize_room_code(room_code))


class ReturnStatusView(PublicView):
    """For games that poll whether the platform has taken their room back to the lobby."""

    error_extras = {"shouldReturn": False}

    def get(self, request, room_code: str):
        self.limit_by_client()
        with self.code_lookup():
            room = room_get_live(code=room_code)
        should = services.should_return(room)
        return Response(
            {
                "shouldReturn": should,
                "returnUrl": lobby_url(request._request, room.room_code),
                "roomCode": room.room_code,
                "roomStatus": room.status,
                "timestamp": utc_now_iso(),
                "returnInitiatedAt": room.metadata.get("gameEndedAt") if should else None,
            }
        )


class GameSessionView(PublicView):
    """`GET /api/game-sessions/<token>`: who the launch URL's `session` token is (no key: the token is
    the credential). Called by game pages with credentials, so it answers their exact origin."""

    def get(self, request, token: str):
        self.limit_by_client()
        try:
            session = session_get_active(token=token)
        except InvalidSessionError:
            raise SessionNotFoundError() from None
        room = session.room
        member = member_get(room=room, player_id=session.player_id) if room.is_live else None
        if member is None:
            raise SessionNotFoundError()
        total = sum(1 for m in room_members(room=room) if m.role != "spectator")
        return Response(presenters.session_lookup(session, member, total))
