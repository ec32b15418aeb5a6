"""Rooms: create one (with its host seated), read its snapshot, seat players."""

from __future__ import annotations

from rest_framework.response import Response

from players.claims import claim_issue
from rooms import services as room_services
from rooms.selectors import room_get_for_actor, room_snapshot

from .. import presenters
from ..base import GameApiView
from ..inputs import RoomCreate, SeatRequest
from ..models import Scope
from ..openapi import examples
from ..openapi.operation import api_operation
from ..openapi.responses import RoomCreatedOut, RoomSnapshotOut, SeatOut


class RoomCreateView(GameApiView):
    required_scopes = {"POST": Scope.ROOMS_WRITE}
    rate_tiers = {"POST": "room_create"}

    @api_operation(
        operation_id="createRoom",
        summary="Create a room with its host seated",
        description=(
            "A key bound to a game always creates rooms for that game. The host's session token is "
            "returned once; give it to the host's client only. `lobbyUrl` seats the host's browser: "
            "it holds a one-time claim code (single use, valid for SEAT_CLAIM_SECONDS), which the "
            "page exchanges for a fresh session token, so `sessionToken` stops working once it is claimed."
        ),
        tag="rooms",
        request=RoomCreate,
        ok=RoomCreatedOut,
        ok_status=201,
        scope=Scope.ROOMS_WRITE,
        tier="room_create",
        writes=True,
        errors=("FORBIDDEN", "GAME_NOT_FOUND", "CONSTRAINT_VIOLATION"),
        examples=examples.ROOM_CREATE,
    )
    def post(self, request):
        data = self.parse(RoomCreate)
        seat = room_services.room_create(
            host_name=data["hostName"],
            actor=self.actor,
            game_slug=data.get("game"),
            max_players=data.get("maxPlayers"),
            settings=data.get("settings"),
            avatar=data.get("avatar"),
            avatar_colour=data.get("avatarColour"),
        )
        claim_code = claim_issue(player=seat.player, room=seat.room)
        url = presenters.lobby_url(request, seat.room.room_code, claim_code=claim_code)
        return Response(presenters.room_created(seat, lobby_url=url), status=201)


class RoomDetailView(GameApiView):
    required_scopes = {"GET": Scope.ROOMS_READ}
    rate_tiers = {"GET": "read"}

    @api_operation(
        operation_id="getRoom",
        summary="The room's snapshot",
        description="The standard snapshot `{room, players}` that the lobby and every broadcast use.",
        tag="rooms",
        ok=RoomSnapshotOut,
        scope=Scope.ROOMS_READ,
        tier="read",
        room=True,
        examples=examples.ROOM_GET,
    )
    def get(self, request, room_code: str):
        with self.code_lookup():  # another game's room is an unknown code to a bound key: counted alike
            room = room_get_for_actor(code=room_code, actor=self.actor)
        state = room_snapshot(room=room)
        return Response({"version": state["room"]["version"], "state": state})


class SeatView(GameApiView):
    required_scopes = {"POST": Scope.ROOMS_WRITE}
    rate_tiers = {"POST": "write"}

    @api_operation(
        operation_id="seatPlayer",
        summary="Seat a player (or spectator) in the room",
        tag="rooms",
        request=SeatRequest,
        ok=SeatOut,
        ok_status=201,
        scope=Scope.ROOMS_WRITE,
        tier="write",
        writes=True,
        room=True,
        errors=("ROOM_FULL", "NAME_TAKEN"),
        examples=examples.SEAT,
    )
    def post(self, request, room_code: str):
        data = self.parse(SeatRequest)
        with self.code_lookup():
            seat = room_services.room_join(
                room=room_code,
                display_name=data["name"],
                role=data["role"],
                actor=self.actor,
                avatar=data.get("avatar"),
                avatar_colour=data.get("avatarColour"),
            )
        return Response(presenters.seated(seat), status=201)
