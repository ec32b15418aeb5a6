"""Choosing, starting and ending games; saving versioned game state."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.conf import settings as platform_settings  # `settings` is the game settings argument here
from django.db import transaction
from django.db.models import Case, TextField, Value, When
from django.db.models.functions import Cast, Length
from django.utils import timezone

from gamebuddies.actors import Actor, ActorKind
from gamebuddies.errors import (
    InvalidRoomStateError,
    StateConflictError,
    ValidationError,
)
from gamebuddies.limits import MAX_GAME_RESULT_BYTES, MAX_GAME_STATE_BYTES, in_kb
from gamebuddies.validation import ensure_storable_json
from players.services import status_history_record_many

from ..game_settings import validate_game_settings
from ..locks import RoomRef, lock_room, members_of_locked_room
from ..models import Game, GameState, Location, MemberRole, PlayerStatus, RoomMember, RoomStatus
from ..permissions import (
    acting_member,
    authorize_room,
    require_game_binding,
    require_host,
    require_host_or_game_server,
    require_integration,
    require_staff_permission,
)
from ..selectors import game_get_active
from .changes import RoomChange, commit_room_change
from .history import history_row
from .membership import ensure_room_in


def _active_game(slug) -> Game:
    if not isinstance(slug, str) or not slug:
        raise ValidationError("game is required", field="game")
    return game_get_active(slug=slug)


@transaction.atomic
def game_select(*, room: RoomRef, game_slug: str, settings: dict | None, actor: Actor) -> RoomChange:
    locked = lock_room(room)
    authorize_room(actor, locked)
    require_host(actor, acting_member(actor, members_of_locked_room(locked)))
    ensure_room_in(locked, RoomStatus.LOBBY)
    game = _active_game(game_slug)
    cleaned = validate_game_settings(game, settings)
    return commit_room_change(
        room=locked,
        event="game_selected",
        actor=actor,
        player_id=actor.player_id,
        changes={"game": game.pk, "settings": cleaned},
        room_fields={"current_game_id": game.pk, "game_settings": cleaned},
    )


def _ready_players(members: dict) -> list[RoomMember]:
    return [m for m in members.values() if m.is_connected and m.role != MemberRole.SPECTATOR]


@transaction.atomic
def game_start(*, room: RoomRef, actor: Actor, settings: dict | None = None) -> RoomChange:
    """Lobby -> in_game: every connected participant moves to the game in one UPDATE.

    The host starts it from the lobby; a game that runs its own server may start it through
    the API (a key bound to the room's game, or an unbound one: authorize_room decides).
    `settings`, when given, replace the room's game settings in the same change.
    """
    locked = lock_room(room)
    authorize_room(actor, locked)
    members = members_of_locked_room(locked)
    require_host_or_game_server(actor, acting_member(actor, members))
    ensure_room_in(locked, RoomStatus.LOBBY)
    if not locked.current_game_id:
        raise InvalidRoomStateError("Pick a game first")
    game = _active_game(locked.current_game_id)
    game_settings = locked.game_settings if settings is None else validate_game_settings(game, settings)
    return _start(locked=locked, members=members, actor=actor, game=game, game_settings=game_settings)


@transaction.atomic
def game_play_again(*, room: RoomRef, actor: Actor) -> RoomChange:
    """The host starts the last game again with its settings, whatever is selected now.

    The game and settings are the ones `game_start` recorded in the room's metadata
    (`lastGame`); the players who came back from it were marked ready by `game_end`.
    """
    locked = lock_room(room)
    authorize_room(actor, locked)
    members = members_of_locked_room(locked)
    require_host(actor, acting_member(actor, members))
    ensure_room_in(locked, RoomStatus.LOBBY)
    last = (locked.metadata or {}).get("lastGame")
    if not isinstance(last, dict) or not last.get("game") or "gameEndedAt" not in locked.metadata:
        raise InvalidRoomStateError("No game has ended in this room yet")
    game = _active_game(last["game"])
    game_settings = validate_game_settings(game, last.get("settings") or {})
    return _start(
        locked=locked, members=members, actor=actor, game=game, game_settings=game_settings, play_again=True
    )


def _start(*, locked, members, actor, game, game_settings, play_again: bool = False) -> RoomChange:
    players = _ready_players(members)
    if not game.min_players <= len(players) <= game.max_players:
        raise InvalidRoomStateError(
            f"{game.name} needs {game.min_players}-{game.max_players} connected players, not {len(players)}"
        )
    now = timezone.now()
    ids = [m.pk for m in players]
    RoomMember.objects.filter(pk__in=ids).update(
        current_location=Location.GAME,
        in_game=True,
        is_connected=True,
        status=PlayerStatus.IN_GAME,
        is_ready=False,
        last_ping=now,
    )
    status_history_record_many(
        [
            history_row(
                player_id=m.player_id,
                room_id=locked.pk,
                old_location=m.current_location,
                old_status=m.status,
                new_location=Location.GAME,
                new_status=PlayerStatus.IN_GAME,
                reason="game started",
            )
            for m in players
        ]
    )
    return commit_room_change(
        room=locked,
        event="game_started",
        actor=actor,
        player_id=actor.player_id,
        changes={
            "game": game.pk,
            "players": [str(m.player_id) for m in players],
            **({"playAgain": True} if play_again else {}),
        },
        room_fields={
            "status": RoomStatus.IN_GAME,
            # A new run id per start (issue 20): a game tells this run's reports and state from the last one's.
            "game_run_id": uuid.uuid4(),
            "current_game_id": game.pk,
            "game_settings": game_settings,
            # What "Play again" starts once this game has ended.
            "metadata": {
                **locked.metadata,
                "gameStartedAt": now.isoformat(),
                "lastGame": {"game": game.pk, "settings": game_settings},
            },
        },
    )


@dataclass
class GameEndResult:
    change: RoomChange | None  # None: nothing was running and nobody was in the game
    players_returned: int
    version: int

    @property
    def changed(self) -> bool:
        return self.change is not None


@transaction.atomic
def game_end(*, room: RoomRef, actor: Actor, result: dict | None = None, return_players: bool = True) -> GameEndResult:
    """In game -> lobby. Every member whose location is the game returns, in one UPDATE.

    The query count does not depend on the number of players. Ending a game that is
    no longer running, with nobody left in it, changes nothing (a retried call is harmless).
    """
    result = _clean_game_result(result)
    require_staff_permission(actor, "rooms.return_to_lobby")
    locked = lock_room(room)
    authorize_room(actor, locked)
    if actor.kind == ActorKind.PLAYER:
        require_host(actor, acting_member(actor, members_of_locked_room(locked)))
    returning = _members_in_the_game(locked)
    playing = locked.status in (RoomStatus.IN_GAME, RoomStatus.RETURNING)
    if _nothing_to_end(locked, returning=returning, playing=playing, return_players=return_players):
        return GameEndResult(change=None, players_returned=0, version=locked.version)
    # Outside a game nobody may stay in it: a lobby room's stranded players always return.
    return_players = return_players or not playing
    now = timezone.now()
    if return_players and returning:
        _return_to_lobby(locked, returning, now=now)
    players_returned = len(returning) if return_players else 0
    change = commit_room_change(
        room=locked,
        event="game_ended",
        actor=actor,
        changes={"playersReturned": players_returned, "gameResult": result, "game": locked.current_game_id},
        room_fields={
            "status": RoomStatus.LOBBY if return_players or not returning else RoomStatus.RETURNING,
            "metadata": {**locked.metadata, "lastGameResult": result, "gameEndedAt": now.isoformat()},
        },
    )
    return GameEndResult(change=change, players_returned=players_returned, version=change.version)


def _clean_game_result(result) -> dict:
    result = result or {}
    if not isinstance(result, dict) or len(json.dumps(result)) > MAX_GAME_RESULT_BYTES:
        raise ValidationError(f"gameResult must be an object under {in_kb(MAX_GAME_RESULT_BYTES)}", field="gameResult")
    ensure_storable_json(result, field="gameResult")
    return result


def _members_in_the_game(locked) -> list[tuple]:
    """(pk, player_id, status) of everyone whose location is the game, whatever put them there."""
    return list(
        RoomMember.objects.filter(room_id=locked.pk, current_location=Location.GAME).values_list(
            "pk", "player_id", "status"
        )
    )


def _nothing_to_end(locked, *, returning: list, playing: bool, return_players: bool) -> bool:
    """Nothing running and nobody in the game, or the game already ended and the room waits for
    its players (a retried returnPlayers: false)."""
    already_waiting = locked.status == RoomStatus.RETURNING and returning and not return_players
    return (not playing and not returning) or bool(already_waiting)


def _return_to_lobby(locked, returning: list[tuple], *, now) -> None:
    RoomMember.objects.filter(pk__in=[pk for pk, _, _ in returning]).update(
        current_location=Location.LOBBY,
        in_game=False,
        status=PlayerStatus.LOBBY,
        last_ping=now,
        # Ready for "Play again" by default: they just played (spectators are never ready).
        is_ready=Case(When(role=MemberRole.SPECTATOR, then=Value(False)), default=Value(True)),
    )
    status_history_record_many(
        [
            history_row(
                player_id=player_id,
                room_id=locked.pk,
                old_location=Location.GAME,
                old_status=status,
                new_location=Location.LOBBY,
                new_status=PlayerStatus.LOBBY,
                reason="game ended",
            )
            for _, player_id, status in returning
        ]
    )


@transaction.atomic
def game_state_save(
    *, room: RoomRef, game_slug: str, state, actor: Actor, expected_version: int | None = None
) -> GameState:
    """Append the next version of a game's state; a stale expected version is a conflict."""
    if not isinstance(state, dict | list):
        raise ValidationError("state must be an object or array", field="state")
    size = len(json.dumps(state))
    if size > MAX_GAME_STATE_BYTES:
        raise ValidationError(f"state is larger than {in_kb(MAX_GAME_STATE_BYTES)}", field="state")
    budget = platform_settings.GAME_STATE_ROOM_BYTES
    if size > budget:
        raise ValidationError(f"state is larger than the room's game-state budget ({budget} bytes)", field="state")
    ensure_storable_json(state, field="state")
    locked = lock_room(room)
    authorize_room(actor, locked)
    require_integration(actor)
    game = _active_game(game_slug)
    require_game_binding(actor, game.pk)
    latest = GameState.objects.filter(room_id=locked.pk, game_id=game.pk).order_by("-version").first()
    current = latest.version if latest else 0
    if expected_version is not None and expected_version != current:
        raise StateConflictError(
            f"Game state is at version {current}, not {expected_version}",
            current_state={"version": current, "state": latest.state if latest else None},
        )
    row = GameState.objects.create(
        room=locked,
        game=game,
        state=state,
        version=current + 1,
        game_run_id=locked.game_run_id,
        api_key_id=actor.api_key_id,
    )
    _game_states_pruned(room=locked, game=game, newest=row)
    return row


def _game_states_pruned(*, room, game: Game, newest: GameState) -> None:
    """Keep what a room may store (issue 18 #5: one key stored 7 MB of versions in 3 s): the
    last GAME_STATE_VERSIONS_KEPT versions of each game, and at most GAME_STATE_ROOM_BYTES
    of state in the room, the oldest going first; the newest version always stays."""
    keep = max(platform_settings.GAME_STATE_VERSIONS_KEPT, 1)
    GameState.objects.filter(room_id=room.pk, game_id=game.pk, version__lte=newest.version - keep).delete()
    sizes = (
        GameState.objects.filter(room_id=room.pk)
        .annotate(size=Length(Cast("state", TextField())))
        .order_by("-created_at", "-pk")
        .values_list("pk", "size")
    )
    total, over = 0, []
    for pk, size in sizes:
        total += size or 0
        if total > platform_settings.GAME_STATE_ROOM_BYTES and pk != newest.pk:
            over.append(pk)
    if over:
        GameState.objects.filter(pk__in=over).delete()
