"""The public room browser's read side: lobbies their hosts listed, that someone can still join.

One query however many rooms exist: a partial index on public lobbies by creation time
(`idx_rooms_public_lobby`) serves the filter and the order, the seat count is a correlated
subquery per listed row, and the game and host names come by join.
"""

from __future__ import annotations

import hashlib

import orjson
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .models import MemberRole, Room, RoomMember, RoomStatus

PUBLIC_ROOMS_SHOWN = 50


def public_lobbies(*, limit: int = PUBLIC_ROOMS_SHOWN) -> list[dict]:
    """Public lobbies with a free player seat, newest first: code, game, players/max, host."""
    seated = (
        RoomMember.objects.filter(room=OuterRef("pk"))
        .exclude(role=MemberRole.SPECTATOR)
        .order_by()
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Room.objects.filter(is_public=True, status=RoomStatus.LOBBY)
        .annotate(players=Coalesce(Subquery(seated), 0))
        .filter(Q(players__lt=F("max_players")))
        .order_by("-created_at")
        .values("room_code", "max_players", "players", "current_game__name", "host__display_name", "created_at")[:limit]
    )
    return [
        {
            "code": row["room_code"],
            "game": row["current_game__name"],
            "players": row["players"],
            "maxPlayers": row["max_players"],
            "host": row["host__display_name"],
        }
        for row in rows
    ]


def public_lobbies_etag(rooms: list[dict]) -> str:
    """A strong ETag of the listing: the feed answers 304 while nothing a visitor sees changed."""
    return '"' + hashlib.sha256(orjson.dumps(rooms)).hexdigest()[:32] + '"'
