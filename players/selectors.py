"""Reads of players and sessions."""

from __future__ import annotations

from django.utils import timezone

from gamebuddies.errors import InvalidSessionError

from .models import PlayerSession, SessionStatus
from .tokens import SESSION_TOKEN_PREFIX, hash_token


def session_get_active(*, token: object) -> PlayerSession:
    """The active, unexpired session for a raw token, with its player and room.

    Looked up by SHA-256 (the partial index on active sessions); the raw token is
    never stored or compared, so lookup time does not depend on how much of it is right.
    """
    if not isinstance(token, str) or not token.startswith(SESSION_TOKEN_PREFIX) or len(token) > 100:
        raise InvalidSessionError()
    session = (
        PlayerSession.objects.select_related("player", "room")
        .filter(token_hash=hash_token(token), status=SessionStatus.ACTIVE)
        .first()
    )
    if session is None or session.expires_at <= timezone.now():
        raise InvalidSessionError()
    return session
