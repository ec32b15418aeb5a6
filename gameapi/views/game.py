"""Game start and end, versioned game state and the room's event log."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from rooms import services as room_services
from rooms.selectors import (
    game_get_active,
    game_slug_for_actor,
    game_state_latest,
    room_events_after,
    room_get_for_actor,
)

from .. import operations, presenters
from ..base import GameApiView
from ..inputs import EventsQuery, GameEnd, GameStart, GameStateQuery, GameStateSave
from ..models import Scope
from ..openapi import examples
from ..openapi.operation import api_operation
from ..openapi.responses import EventsPageOut, GameEndOut, GameStartOut, GameStateOut, GameStateSavedOut


class GameStartView(GameApiView):
    required_scopes = {"POST": Scope.STATE_WRITE}
    rate_tiers = {"POST": "write"}

    @api_operation(
        operation_id="startGame",
        summary="Start the room's game from the game's own server",
        description=(
            "What the host's Start button does: every connected participant moves into the game and the room to "
            "`in_game`, in one version. For games that run their own server: a key bound to the room's game (or "
            "an unbound key). `settings` replace the room's game settings, checked against the catalog schema. "
            "The room must be in the lobby with a game picked and enough connected players (409 otherwise)."
        ),
        tag="game",
        request=GameStart,
        ok=GameStartOut,
        scope=Scope.STATE_WRITE,
        tier="write",
        writes=True,
        room=True,
        errors=("INVALID_ROOM_STATE",),
        examples=examples.GAME_START,
    )
    def post(self, request, room_code: str):
        data = self.parse(GameStart)
        with self.code_lookup():
            change = room_services.game_start(room=room_code, actor=self.actor, settings=data.get("settings"))
        return Response(presenters.game_started(change))


class GameEndView(GameApiView):
    required_scopes = {"POST": Scope.STATUS_WRITE}
    rate_tiers = {"POST": "write"}

    @api_operation(
        operation_id="endGame",
        summary="End the game: every in-game player returns to the lobby",
        description=(
            "Every player whose location is the game returns to the lobby and the room becomes a lobby, in one "
            "version (with `returnPlayers: false` they stay and the room is `returning`). Ending a game that is not "
            "running, with nobody in it, changes nothing and answers `changed: false` (a retry is harmless)."
        ),
        tag="game",
        request=GameEnd,
        ok=GameEndOut,
        scope=Scope.STATUS_WRITE,
        tier="write",
        writes=True,
        room=True,
        examples=examples.GAME_END,
    )
    def post(self, request, room_code: str):
        data = self.parse(GameEnd)
        with self.code_lookup():
            return Response(operations.game_end(room_code=room_code, data=data, actor=self.actor))


# Declared required: the server needs it except from a key bound to a game, which defaults to
# that game (the view below); the serializer stays optional for those keys.
GAME_STATE_GAME_PARAMETER = OpenApiParameter(
    "game",
    {"type": "string", "minLength": 1, "maxLength": 50},
    OpenApiParameter.QUERY,
    required=True,
    description="Game slug. A key bound to a game may leave it out (its own game is read); any other key must send it",
)


class GameStateView(GameApiView):
    required_scopes = {"GET": Scope.ROOMS_READ, "PUT": Scope.STATE_WRITE}
    rate_tiers = {"GET": "read", "PUT": "write"}

    @api_operation(
        operation_id="getGameState",
        summary="The latest saved state of a game in this room",
        tag="game",
        ok=GameStateOut,
        scope=Scope.ROOMS_READ,
        tier="read",
        room=True,
        errors=("VALIDATION_ERROR", "GAME_NOT_FOUND"),
        examples=examples.STATE_GET,
        parameters=[GAME_STATE_GAME_PARAMETER],
    )
    def get(self, request, room_code: str):
        query = self.parse(GameStateQuery, data=request.query_params)
        game = game_slug_for_actor(actor=self.actor, requested=query.get("game"))
        with self.code_lookup():  # another game's room is an unknown code to a bound key: counted alike
            room = room_get_for_actor(code=room_code, actor=self.actor)
        game_get_active(slug=game)
        return Response(presenters.game_state(game, game_state_latest(room=room, game_slug=game)))

    @api_operation(
        operation_id="saveGameState",
        summary="Save the next version of a game's state",
        description="With `expectedVersion` (the version you last read), a stale value gets 409 STATE_CONFLICT.",
        tag="game",
        request=GameStateSave,
        ok=GameStateSavedOut,
        scope=Scope.STATE_WRITE,
        tier="write",
        writes=True,
        room=True,
        errors=("GAME_NOT_FOUND", "STATE_CONFLICT"),
        examples=examples.STATE_PUT,
    )
    def put(self, request, room_code: str):
        data = self.parse(GameStateSave)
        with self.code_lookup():
            row = room_services.game_state_save(
                room=room_code,
                game_slug=data["game"],
                state=data["state"],
                actor=self.actor,
                expected_version=data.get("expectedVersion"),
            )
        return Response(presenters.game_state_saved(row))


class EventsView(GameApiView):
    required_scopes = {"GET": Scope.ROOMS_READ}
    rate_tiers = {"GET": "read"}

    @api_operation(
        operation_id="listRoomEvents",
        summary="The room's event log after a version, a page at a time",
        tag="rooms",
        ok=EventsPageOut,
        scope=Scope.ROOMS_READ,
        tier="read",
        room=True,
        errors=("VALIDATION_ERROR",),
        examples=examples.EVENTS,
        parameters=[EventsQuery],
    )
    def get(self, request, room_code: str):
        query = self.parse(EventsQuery, data=request.query_params)
        with self.code_lookup():  # another game's room is an unknown code to a bound key: counted alike
            room = room_get_for_actor(code=room_code, actor=self.actor)
        rows = room_events_after(room=room, after_version=query["after"], limit=query["limit"] + 1)
        return Response(presenters.events_page(rows, after=query["after"], limit=query["limit"]))
