"""Reads of rooms, members, events, games and game state, including reads on behalf of an actor
(authorised here through rooms/permissions.py, so adapters never authorise reads themselves).

Nothing here writes to the database. The one write is to the snapshot cache: a snapshot built
on a cache miss is stored under its room version (`room_state_update_json`, `cache_room_state`).
"""

from __future__ import annotations

import json
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from gamebuddies import aredis
from gamebuddies.actors import Actor
from gamebuddies.errors import (
    ForbiddenError,
    GameNotFoundError,
    RoomClosedError,
    RoomNotFoundError,
    ValidationError,
)

from .models import (
    LIVE_ROOM_STATUSES,
    ROOM_CODE_ALPHABET,
    ROOM_CODE_LENGTH,
    Game,
    GameState,
    Room,
    RoomEvent,
    RoomMember,
)
from .permissions import authorize_room, require_game_binding
from .snapshot import room_state_update, to_json

logger = logging.getLogger(__name__)


def normalize_room_code(code: str) -> str:
    return (code or "").strip().upper()


def is_well_formed_room_code(code: str) -> bool:
    return len(code) == ROOM_CODE_LENGTH and all(ch in ROOM_CODE_ALPHABET for ch in code)


def live_room_with_code(rooms: QuerySet[Room], code: str) -> Room:
    """The live room with this code, read through `rooms` (plain, or `select_for_update()` for
    rooms/locks.py); a code whose room has closed says so plainly, any other is not found."""
    code = normalize_room_code(code)
    if not is_well_formed_room_code(code):
        raise RoomNotFoundError()
    room = rooms.filter(room_code=code, status__in=LIVE_ROOM_STATUSES).first()
    if room is not None:
        return room
    if Room.objects.filter(room_code=code).exists():
        raise RoomClosedError()
    raise RoomNotFoundError()


def room_get_live(*, code: str) -> Room:
    """The live room with this code; closed rooms say so plainly."""
    return live_room_with_code(Room.objects.all(), code)


def room_get_for_actor(*, code: str, actor: Actor) -> Room:
    """The live room with this code, for an actor that may read it (to a key bound to another
    game, that game's rooms do not exist: the answer an unknown code gets)."""
    room = room_get_live(code=code)
    authorize_room(actor, room)
    return room


def room_visible_to_actor(*, room: Room, actor: Actor) -> bool:
    """May this actor read this room it already holds (say, through a session token)? To a key
    bound to another game, that game's rooms do not exist."""
    try:
        authorize_room(actor, room)
    except (ForbiddenError, RoomNotFoundError):
        return False
    return True


def game_slug_for_actor(*, actor: Actor, requested: str | None) -> str:
    """The game a read is about: the one asked for, or a bound key's own; another game's is refused."""
    game_slug = require_game_binding(actor, requested)
    if not game_slug:
        raise ValidationError("game is required", field="game")
    return game_slug


def room_get(*, room_id: uuid.UUID) -> Room:
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise RoomNotFoundError()
    return room


def room_members(*, room: Room) -> QuerySet[RoomMember]:
    return RoomMember.objects.filter(room_id=room.pk).select_related("player").order_by("joined_at", "id")


def member_get(*, room: Room, player_id) -> RoomMember | None:
    return RoomMember.objects.filter(room_id=room.pk, player_id=player_id).select_related("player").first()


def _state_cache_key(room_id) -> str:
    return f"room-state:{room_id}"


def cache_room_state(*, room_id, version: int, payload_json: str) -> None:
    """Cache a committed snapshot under its version; readers only trust a matching version."""
    cache.set(_state_cache_key(room_id), (version, payload_json), settings.ROOM_STATE_CACHE_SECONDS)


def room_state_cache_entry(*, room_id, version: int, payload_json: str) -> tuple[str, bytes, int]:
    """The Redis (key, value, seconds) of `cache_room_state`, for writers that batch their commands."""
    return (
        aredis.key(_state_cache_key(room_id)),
        aredis.dumps((version, payload_json)),
        settings.ROOM_STATE_CACHE_SECONDS,
    )


async def acache_room_state(*, room_id, version: int, payload_json: str) -> None:
    """`cache_room_state` from the event loop: the same entry, without blocking the loop."""
    if not aredis.is_available():  # local memory: no I/O to wait for
        cache_room_state(room_id=room_id, version=version, payload_json=payload_json)
        return
    key, value, seconds = room_state_cache_entry(room_id=room_id, version=version, payload_json=payload_json)
    await aredis.client().set(key, value, ex=seconds)


def room_state_update_json(*, room: Room, event: str = "sync") -> str:
    """The roomStateUpdate JSON for `room` as loaded; cache hit when versions agree.

    Keyed by the version of the room row the caller holds, so a cached snapshot can
    never be older than what the database says.
    """
    try:
        cached = cache.get(_state_cache_key(room.pk))
    except Exception:  # the cache is an optimisation; Redis down must not break reads
        cached = None
    if cached and cached[0] == room.version:
        if event == "sync":
            return cached[1]
        payload = json.loads(cached[1])
        payload["event"] = event
        return to_json(payload)
    payload_json = to_json(room_state_update(room, room_members(room=room), event=event))
    if event == "sync":
        try:
            cache_room_state(room_id=room.pk, version=room.version, payload_json=payload_json)
        except Exception:
            logger.debug("room state cache write failed", exc_info=True)
    return payload_json


def room_snapshot(*, room: Room) -> dict:
    """`{room, players}` for `room`, from the cache when it matches the room's version."""
    return json.loads(room_state_update_json(room=room))["state"]


def room_events_after(*, room: Room, after_version: int, limit: int) -> list[RoomEvent]:
    return list(
        RoomEvent.objects.filter(room_id=room.pk, room_version__gt=after_version).order_by("room_version", "id")[:limit]
    )


def game_list_active() -> QuerySet[Game]:
    return Game.objects.filter(is_active=True).order_by("name")


def game_get_active(*, slug: str) -> Game:
    """The catalog game with this slug, if it is active: the one lookup of a game to play."""
    game = Game.objects.filter(pk=slug, is_active=True).first()
    if game is None:
        raise GameNotFoundError(field="game")
    return game


def game_launch_urls() -> list[str]:
    """Where the active games' pages are served (the room socket admits their origins)."""
    return list(game_list_active().values_list("launch_url", flat=True))


def game_state_latest(*, room: Room, game_slug: str) -> GameState | None:
    return GameState.objects.filter(room_id=room.pk, game_id=game_slug).order_by("-version").first()


def rooms_count_by_status() -> dict[str, int]:
    """Rooms per status, in one GROUP BY (statuses without rooms are absent)."""
    from django.db.models import Count

    return dict(Room.objects.order_by().values_list("status").annotate(n=Count("pk")))
