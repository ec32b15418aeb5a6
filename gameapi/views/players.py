"""Player status from game servers: single updates with acknowledgement, heartbeats, atomic bulk updates."""

from __future__ import annotations

import uuid

from rest_framework.response import Response

from gamebuddies.errors import utc_now_iso
from rooms import services as room_services
from rooms.selectors import normalize_room_code, room_get_live

from .. import operations, presenters
from ..base import GameApiView
from ..inputs import BulkStatus, Heartbeat, StatusUpdate
from ..models import Scope
from ..openapi import examples
from ..openapi.operation import PLAYER_ID_PARAMETER, api_operation
from ..openapi.responses import BulkStatusOut, HeartbeatOut, StatusAckOut


class StatusView(GameApiView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "status"}

    def rate_subject(self) -> str:
        return normalize_room_code(self.kwargs.get("room_code", ""))

    @api_operation(
        operation_id="updatePlayerStatus",
        summary="Report a player's status and location",
        description=(
            "Acknowledged once committed: `roomVersion` is the room's version after this change. "
            "With `expectedVersion` (the player's `version`), a stale value gets 409 STATE_CONFLICT with "
            "`currentState`. With `waitForBroadcast`, the answer waits (at most 2 s) until the update was "
            "handed to the lobby's channel layer and says so in `broadcast.broadcasted`. `metadata` (at most "
            "16 KB) merges into the player's gameData. Putting a player in the game (`in_game`, or location "
            "`game`) is accepted only while the room is in a game: otherwise 409 ROOM_NOT_IN_GAME and nothing "
            "changes, so a report that arrives after the game ended cannot pull the player back."
        ),
        tag="players",
        request=StatusUpdate,
        ok=StatusAckOut,
        scope=Scope.STATUS_WRITE,
        tier="status",
        writes=True,
        room=True,
        errors=("PLAYER_NOT_FOUND", "NOT_FOUND", "STATE_CONFLICT", "ROOM_NOT_IN_GAME"),
        examples=examples.STATUS,
        parameters=[PLAYER_ID_PARAMETER],
    )
    def post(self, request, room_code: str, player_id: uuid.UUID):
        data = self.parse(StatusUpdate)
        with self.code_lookup():
            result = room_services.update_player_status(
                room=room_code,
                player_id=player_id,
                status=data["status"],
                location=data.get("location"),
                metadata=data.get("metadata"),
                expected_version=data.get("expectedVersion"),
                actor=self.actor,
                reason=f"api: {self.api_key.service_name}"[:200],
            )
        change = result.change
        body = presenters.status_acknowledged(change.event_id, change.version, result.member, timestamp=utc_now_iso())
        if data["waitForBroadcast"]:
            body["broadcast"] = {"broadcasted": self.broadcast_delivered(result.change.ticket)}
        return Response(body)


class HeartbeatView(GameApiView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "heartbeat"}

    def rate_subject(self) -> str:
        return str(self.kwargs.get("player_id", ""))

    @api_operation(
        operation_id="sendHeartbeat",
        summary="Keep an in-game player's presence alive",
        description=(
            "Send one every `nextHeartbeatMs` for each connected player. Beats cost no database write. A "
            "player who is disconnected or has left gets 409 PLAYER_DISCONNECTED: beats keep presence "
            "alive, they never bring anyone back; report status `connected` for that. `metadata` is "
            "validated (16 KB) but not stored: report data through the status endpoint."
        ),
        tag="players",
        request=Heartbeat,
        ok=HeartbeatOut,
        scope=Scope.STATUS_WRITE,
        tier="heartbeat",
        writes=True,
        room=True,
        errors=("PLAYER_NOT_FOUND", "NOT_FOUND", "PLAYER_DISCONNECTED"),
        examples=examples.HEARTBEAT,
        parameters=[PLAYER_ID_PARAMETER],
    )
    def post(self, request, room_code: str, player_id: uuid.UUID):
        self.parse(Heartbeat)
        with self.code_lookup():
            room = room_get_live(code=room_code)
        room_services.member_heartbeat(room=room, player_id=player_id, actor=self.actor)
        return Response(presenters.heartbeat_acknowledged())


class BulkStatusView(GameApiView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "bulk"}

    @api_operation(
        operation_id="bulkUpdateStatus",
        summary="Change several players at once, atomically",
        description=(
            "All rows apply together or none does: one bad row answers 4xx naming it "
            "(`field` = `players[i]...`) and nothing changes. One version bump, one broadcast."
        ),
        tag="players",
        request=BulkStatus,
        ok=BulkStatusOut,
        scope=Scope.STATUS_WRITE,
        tier="bulk",
        writes=True,
        room=True,
        errors=("PLAYER_NOT_FOUND",),
        examples=examples.BULK,
    )
    def post(self, request, room_code: str):
        data = self.parse(BulkStatus)
        with self.code_lookup():
            return Response(operations.bulk_status(room_code=room_code, data=data, actor=self.actor))
