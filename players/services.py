"""Writes for players and their sessions. Callers hold the room lock where it matters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .avatars import clean_avatar, clean_avatar_colour
from .models import Player, PlayerSession, PlayerStatusHistory, SessionStatus
from .names import clean_display_name
from .tokens import hash_token, new_session_token


@dataclass(frozen=True)
class IssuedSession:
    session: PlayerSession
    token: str  # the raw token: hand it to the player once, never store it


def player_create(*, display_name: str, avatar=None, avatar_colour=None) -> Player:
    return Player.objects.create(
        display_name=clean_display_name(display_name),
        avatar=clean_avatar(avatar),
        avatar_colour=clean_avatar_colour(avatar_colour),
    )


def player_profile_update(*, player_id, fields: dict) -> None:
    """Write already-cleaned profile fields (display_name, avatar, avatar_colour); the caller
    holds the room lock and has checked the room's rules (rooms.services.member_set_profile)."""
    Player.objects.filter(pk=player_id).update(**fields)


def session_issue(*, player: Player, room) -> IssuedSession:
    """A fresh active session for (player, room); any earlier active one is revoked first.

    The partial unique index allows one active session per player and room, so the
    revocation must come before the insert, in the same transaction.
    """
    with transaction.atomic():
        session_revoke_all(player_id=player.pk, room_id=room.pk)
        token = new_session_token()
        session = PlayerSession.objects.create(
            player=player,
            room=room,
            token_hash=hash_token(token),
            expires_at=timezone.now() + timedelta(days=settings.PLAYER_SESSION_DAYS),
        )
    return IssuedSession(session=session, token=token)


def session_revoke_all(*, player_id, room_id) -> int:
    return PlayerSession.objects.filter(player_id=player_id, room_id=room_id, status=SessionStatus.ACTIVE).update(
        status=SessionStatus.REVOKED
    )


def sessions_revoke_room(*, room_id) -> int:
    return PlayerSession.objects.filter(room_id=room_id, status=SessionStatus.ACTIVE).update(
        status=SessionStatus.REVOKED
    )


def status_history_record_many(rows: list[PlayerStatusHistory]) -> None:
    PlayerStatusHistory.objects.bulk_create(rows)
