"""Temporary blocks after a kick (issue 18 #11): the kicked browser cannot simply re-join.

A kick revokes the seat's sessions, but the browser's cookie still holds the (dead) token for
that room: the block is keyed on its hash, for this room only, for KICK_BLOCK_SECONDS, unless
the host lifts it. Other browsers on the same IP (the rest of the party) are not affected.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from gamebuddies.errors import GameBuddiesError

from .models import KickBlock, PlayerSession, SessionStatus
from .tokens import hash_token


class KickBlockedError(GameBuddiesError):
    code = "KICKED_FROM_ROOM"
    status = 403
    default_message = "The host removed you from this room."


def kick_block_record(*, player_id, room) -> int:
    """Before the kick revokes them: block every browser holding one of the seat's sessions."""
    expires_at = timezone.now() + timedelta(seconds=settings.KICK_BLOCK_SECONDS)
    hashes = PlayerSession.objects.filter(player_id=player_id, room=room, status=SessionStatus.ACTIVE).values_list(
        "token_hash", flat=True
    )
    rows = [KickBlock(player_id=player_id, room=room, token_hash=h, expires_at=expires_at) for h in hashes]
    KickBlock.objects.bulk_create(rows)
    return len(rows)


def kick_block_check(*, room, held_token: str | None) -> None:
    """KickBlockedError when this browser's token for the room belongs to a kicked seat."""
    if not held_token:
        return
    block = (
        KickBlock.objects.filter(room=room, token_hash=hash_token(held_token), expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )
    if block is None:
        return
    minutes = max(1, math.ceil((block.expires_at - timezone.now()).total_seconds() / 60))
    raise KickBlockedError(
        f"The host removed you from this room. You can join again in {minutes} min, "
        "or as soon as the host lets you back in."
    )


def kick_blocks_lift(*, player_id, room) -> int:
    """The host lets a removed player back in."""
    return KickBlock.objects.filter(player_id=player_id, room=room).delete()[0]


def kick_blocks_active(*, room) -> list[dict]:
    """The players whose browsers are blocked from the room now (one row per player, by name),
    for the host to let back in; one query."""
    rows = (
        KickBlock.objects.filter(room=room, expires_at__gt=timezone.now())
        .values_list("player_id", "player__display_name")
        .order_by("player__display_name", "player_id")
        .distinct()
    )
    return [{"id": str(player_id), "name": name} for player_id, name in rows]
