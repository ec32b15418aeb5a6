"""The one room-state serializer: page, REST API and broadcast all speak this shape.

Plain functions over model instances rather than a DRF serializer: the snapshot is
built on every change, and a dict comprehension is several times cheaper.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import orjson
from django.core.serializers.json import DjangoJSONEncoder

from gamebuddies.errors import utc_now_iso

from .models import Room, RoomMember


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def room_fields(room: Room) -> dict:
    return {
        "id": str(room.id),
        "code": room.room_code,
        "status": room.status,
        "currentGame": room.current_game_id,
        "hostId": str(room.host_id) if room.host_id else None,
        "maxPlayers": room.max_players,
        "settings": room.game_settings,
        "metadata": room.metadata,
        "isPublic": room.is_public,
        "version": room.version,
    }


def player_fields(member: RoomMember) -> dict:
    player = member.player
    # The avatar is null until picked (pages then colour by id: players.avatars.default_colour).
    return {
        "id": str(member.player_id),
        "name": player.display_name,
        "avatar": player.avatar,
        "avatarColour": player.avatar_colour,
        "role": member.role,
        "isHost": member.role == "host",
        "isConnected": member.is_connected,
        "inGame": member.in_game,
        "currentLocation": member.current_location,
        "status": member.status,
        "isReady": member.is_ready,
        "lastPing": _iso(member.last_ping),
        "gameData": member.game_data,
        "joinedAt": _iso(member.joined_at),
        "version": member.version,
    }


def room_state(room: Room, members: Iterable[RoomMember]) -> dict:
    return {"room": room_fields(room), "players": [player_fields(m) for m in members]}


def room_state_update(room: Room, members: Iterable[RoomMember], *, event: str, changes: dict | None = None) -> dict:
    """The standard `roomStateUpdate` message: full snapshot plus what this change did."""
    return {
        "type": "roomStateUpdate",
        "event": event,
        "roomCode": room.room_code,
        "timestamp": utc_now_iso(),
        "version": room.version,
        "state": room_state(room, members),
        "changes": changes or {},
        "source": "server",
        "reliable": True,
    }


_encoder = DjangoJSONEncoder()


def to_json(payload: dict) -> str:
    """Compact JSON, serialised once per change (orjson: a fifth of the stdlib's time here)."""
    return orjson.dumps(payload, default=_encoder.default).decode()
