"""Room lifecycle: create, close, abandon."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from gamebuddies.actors import Actor
from gamebuddies.errors import ValidationError
from gamebuddies.limits import MAX_PLAYERS_PER_ROOM, ROOM_DEFAULT_MAX_PLAYERS
from gamebuddies.validation import ensure_storable_json
from players.models import Player
from players.services import IssuedSession, player_create, session_issue, sessions_revoke_room

from ..game_settings import validate_game_settings
from ..locks import RoomRef, lock_room
from ..models import (
    ROOM_CODE_ALPHABET,
    ROOM_CODE_LENGTH,
    Game,
    Location,
    MemberRole,
    PlayerStatus,
    Room,
    RoomMember,
    RoomStatus,
)
from ..permissions import require_game_binding, require_platform, require_staff_permission
from ..selectors import game_get_active
from .changes import RoomChange, commit_room_change

_CODE_ATTEMPTS = 20


@dataclass
class SeatResult:
    """A seat handed to a player: their member row and the raw session token (shown once)."""

    change: RoomChange
    member: RoomMember
    player: Player
    session: IssuedSession | None

    @property
    def room(self) -> Room:
        return self.change.room

    @property
    def token(self) -> str | None:
        return self.session.token if self.session else None


def new_room_code() -> str:
    return "".join(secrets.choice(ROOM_CODE_ALPHABET) for _ in range(ROOM_CODE_LENGTH))


def _clean_max_players(value, game: Game | None) -> int:
    if value is None:
        return min(game.max_players, ROOM_DEFAULT_MAX_PLAYERS * 2) if game else ROOM_DEFAULT_MAX_PLAYERS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PLAYERS_PER_ROOM:
        raise ValidationError(f"maxPlayers must be between 1 and {MAX_PLAYERS_PER_ROOM}", field="maxPlayers")
    return value


def _clean_room_metadata(metadata) -> dict:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ValidationError("metadata must be an object", field="metadata")
    ensure_storable_json(metadata, field="metadata")
    return metadata


def _insert_room_with_unique_code(**fields) -> Room:
    # The partial unique index on live codes decides; a collision just draws again.
    for _ in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Room.objects.create(room_code=new_room_code(), **fields)
        except IntegrityError:
            continue
    raise IntegrityError("could not find a free room code")


@transaction.atomic
def room_create(
    *,
    host_name: str,
    actor: Actor,
    game_slug: str | None = None,
    max_players: int | None = None,
    settings: dict | None = None,
    metadata: dict | None = None,
    avatar: str | None = None,
    avatar_colour: int | None = None,
) -> SeatResult:
    """A new lobby with its creator seated as host; returns the host's session token."""
    game_slug = require_game_binding(actor, game_slug)
    game = game_get_active(slug=game_slug) if game_slug else None
    game_settings = validate_game_settings(game, settings) if game else {}
    if game is None and settings:
        raise ValidationError("Choose a game before its settings", field="settings")
    host = player_create(display_name=host_name, avatar=avatar, avatar_colour=avatar_colour)
    room = _insert_room_with_unique_code(
        status=RoomStatus.LOBBY,
        current_game=game,
        host=host,
        max_players=_clean_max_players(max_players, game),
        game_settings=game_settings,
        metadata=_clean_room_metadata(metadata),
    )
    now = timezone.now()
    member = RoomMember.objects.create(
        room=room,
        player=host,
        role=MemberRole.HOST,
        status=PlayerStatus.CONNECTED,
        is_connected=True,
        current_location=Location.LOBBY,
        last_ping=now,
    )
    session = session_issue(player=host, room=room)
    change = commit_room_change(
        room=room,
        event="room_created",
        actor=actor,
        player_id=host.pk,
        changes={"hostId": str(host.pk), "game": room.current_game_id},
        bump=False,
    )
    return SeatResult(change=change, member=member, player=host, session=session)


def _end_room(*, room: RoomRef, actor: Actor, status: str, event: str, reason: str) -> RoomChange:
    locked = lock_room(room)
    # Everyone leaves the room's live state at once; seats stay for the record.
    RoomMember.objects.filter(room_id=locked.pk).exclude(current_location=Location.DISCONNECTED).update(
        is_connected=False,
        in_game=False,
        current_location=Location.DISCONNECTED,
        status=PlayerStatus.DISCONNECTED,
        socket_id=None,
        disconnected_at=timezone.now(),
    )
    # Old cookies must not reseat anyone in a closed room.
    sessions_revoke_room(room_id=locked.pk)
    return commit_room_change(
        room=locked,
        event=event,
        actor=actor,
        changes={"status": status, "reason": reason},
        room_fields={"status": status},
    )


@transaction.atomic
def room_close(*, room: RoomRef, actor: Actor, reason: str = "closed by staff") -> RoomChange:
    """Staff end a room: everyone is disconnected and every session revoked."""
    require_platform(actor, message="Only staff can close a room")
    require_staff_permission(actor, "rooms.close_room")
    return _end_room(room=room, actor=actor, status=RoomStatus.FINISHED, event="room_closed", reason=reason)


@transaction.atomic
def room_abandon(*, room: RoomRef, actor: Actor, reason: str = "nobody connected") -> RoomChange:
    require_platform(actor, message="Only the platform abandons rooms")
    return _end_room(room=room, actor=actor, status=RoomStatus.ABANDONED, event="room_abandoned", reason=reason)
