"""One-time seat claim codes: how a seat issued through the Game API reaches a browser.

The API's `lobbyUrl` carries a claim code in its fragment, never a session token. The code
is short-lived (`SEAT_CLAIM_SECONDS`), stored as SHA-256 only and redeemed at most once;
redeeming it issues a *fresh* session token for the seat (the earlier one is revoked), so a
link that leaks after use, or is opened in a second browser, seats nobody.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gamebuddies.errors import GameBuddiesError

from .models import Player, SeatClaim
from .services import IssuedSession, session_issue
from .tokens import hash_token

CLAIM_CODE_PREFIX = "gbc_"


class ClaimInvalidError(GameBuddiesError):
    code = "CLAIM_INVALID"
    status = 403
    default_message = "This seat link is not valid any more. Ask the host for the room's link."


@dataclass(frozen=True)
class PendingClaim:
    player: Player
    claim_id: int


def claim_issue(*, player: Player, room) -> str:
    """A new claim code for (player, room); the raw code is returned once and never stored."""
    code = CLAIM_CODE_PREFIX + secrets.token_urlsafe(24)
    SeatClaim.objects.create(
        player=player,
        room=room,
        code_hash=hash_token(code),
        expires_at=timezone.now() + timedelta(seconds=settings.SEAT_CLAIM_SECONDS),
    )
    return code


def _usable(code: object, room):
    if not isinstance(code, str) or not code.startswith(CLAIM_CODE_PREFIX) or len(code) > 100:
        return SeatClaim.objects.none()
    return SeatClaim.objects.filter(
        code_hash=hash_token(code), room=room, used_at__isnull=True, expires_at__gt=timezone.now()
    )


def claim_peek(*, code: object, room) -> PendingClaim:
    """The seat a still-usable code is for, without using it up (to ask before switching)."""
    claim = _usable(code, room).select_related("player").first()
    if claim is None:
        raise ClaimInvalidError()
    return PendingClaim(player=claim.player, claim_id=claim.pk)


def claim_redeem(*, code: object, room, seat_exists) -> IssuedSession:
    """Use the code up and issue a fresh session for its seat.

    Single use even under concurrency: the conditional UPDATE lets exactly one redeemer win.
    `seat_exists(player_id)` says whether the seat is still in the room (a kicked or departed
    player's code seats nobody).
    """
    with transaction.atomic():
        claim = _usable(code, room).select_related("player").first()
        if claim is None:
            raise ClaimInvalidError()
        won = SeatClaim.objects.filter(pk=claim.pk, used_at__isnull=True).update(used_at=timezone.now())
        if not won or not seat_exists(claim.player_id):
            raise ClaimInvalidError()
        return session_issue(player=claim.player, room=room)
