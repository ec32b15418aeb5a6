"""A seat's sockets (issue 18 #4): a cap per seat and presence changes that reconnects do not churn.

Every open room socket of a seat is listed in the shared cache (all workers see it). A seat
may have WS_MAX_SOCKETS_PER_SEAT; a newer one pushes the oldest out (the consumer closes it
with 4409). A socket that closes leaves a short mark: the seat is only marked disconnected
after WS_DISCONNECT_GRACE_SECONDS if no socket of the seat is open by then, and a socket
that opens while the seat is connected at that location (another tab, or a reconnect within
the grace) changes nothing: no version, no event, no broadcast. The heartbeat sweep remains
the backstop for sockets of a crashed process, whose entries linger here. The list is read and
written with plain cache calls: two sockets of one seat seated at the very same moment on two
workers may leave one of them off it (the cap is then one looser, and that socket's seat may be
marked disconnected early: its next reconnect or status report brings it back).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from gamebuddies.actors import Actor

from ..locks import lock_room
from ..models import Location, PlayerStatus, RoomMember, RoomStatus
from .membership import member_connect, member_disconnect

logger = logging.getLogger(__name__)

REGISTRY_SECONDS = 86400


@dataclass(frozen=True)
class SocketSeated:
    version: int
    member_pk: int
    quiet: bool  # nothing changed, nothing was broadcast: the socket needs the snapshot itself
    evicted: list[str]  # older sockets of the seat to close (4409)


def _registry_key(room_id, player_id) -> str:
    return f"ws-seat:{room_id}:{player_id}"


def _recent_close_key(room_id, player_id) -> str:
    return f"ws-closed:{room_id}:{player_id}"


def _open_sockets(room_id, player_id) -> list[str]:
    value = cache.get(_registry_key(room_id, player_id))
    return list(value) if isinstance(value, list) else []


def socket_seat(*, room_id, player_id, channel_name: str, actor: Actor, location: str) -> SocketSeated:
    """Seat a socket that authenticated as this player: connect the seat (a versioned change)
    unless it is already connected here and this is another tab or a quick reconnect."""
    others = _open_sockets(room_id, player_id)
    recently_closed = cache.get(_recent_close_key(room_id, player_id)) is not None
    quiet = (others or recently_closed) and _still_connected(room_id=room_id, player_id=player_id, location=location)
    if quiet:
        version, member_pk = quiet
    else:
        change = member_connect(
            room=room_id, player_id=player_id, channel_name=channel_name, actor=actor, location=location
        )
        version, member_pk = change.version, change.member(player_id).pk
    # Read again after the database work, so the read-modify-write window stays a moment short.
    sockets = [c for c in _open_sockets(room_id, player_id) if c != channel_name] + [channel_name]
    cap = max(settings.WS_MAX_SOCKETS_PER_SEAT, 1)
    evicted, kept = sockets[:-cap], sockets[-cap:]
    cache.set(_registry_key(room_id, player_id), kept, REGISTRY_SECONDS)
    return SocketSeated(version=version, member_pk=member_pk, quiet=bool(quiet), evicted=evicted)


@transaction.atomic
def _still_connected(*, room_id, player_id, location: str) -> tuple[int, int] | None:
    """(room version, member pk) when connecting would change nothing: the seat is connected
    where member_connect would put it, as it would, and the room waits for nobody. Read under
    the room lock, so a disconnect being applied right now is either seen or waits for us."""
    room = lock_room(room_id)
    if room.status == RoomStatus.RETURNING:
        return None  # a connect may finish the return to the lobby: let member_connect decide
    if location == Location.GAME and room.status != RoomStatus.IN_GAME:
        location = Location.LOBBY
    status = PlayerStatus.IN_GAME if location == Location.GAME else PlayerStatus.CONNECTED
    member = RoomMember.objects.filter(
        room_id=room.pk,
        player_id=player_id,
        is_connected=True,
        current_location=location,
        in_game=location == Location.GAME,
        status=status,
    ).first()
    return (room.version, member.pk) if member is not None else None


def socket_closed(*, room_id, player_id, channel_name: str) -> None:
    """Take the socket off the seat's list and leave the mark of a recent close."""
    key = _registry_key(room_id, player_id)
    cache.set(key, [c for c in _open_sockets(room_id, player_id) if c != channel_name], REGISTRY_SECONDS)
    if settings.WS_DISCONNECT_GRACE_SECONDS > 0:  # with no grace the disconnect is applied at once
        cache.set(_recent_close_key(room_id, player_id), channel_name, settings.WS_DISCONNECT_GRACE_SECONDS + 1)


def socket_disconnect_after_grace(*, room_id, player_id, channel_name: str, actor: Actor):
    """After the grace: mark the seat disconnected unless a socket of it is open again.

    The seat's recorded socket may be this one, or a later one that opened quietly and has
    closed too; either way, with no socket open the seat is gone."""
    if _open_sockets(room_id, player_id):
        return None
    with transaction.atomic():
        locked = lock_room(room_id, allow_closed=True)
        if locked.status not in (RoomStatus.LOBBY, RoomStatus.IN_GAME, RoomStatus.RETURNING):
            return None
        current = (
            RoomMember.objects.filter(room_id=locked.pk, player_id=player_id)
            .values_list("socket_id", flat=True)
            .first()
        )
        return member_disconnect(room=locked, player_id=player_id, channel_name=current or channel_name, actor=actor)
