"""Periodic upkeep run by the worker: host migration, ghosts, heartbeat timeouts, abandonment.

Each finding is re-checked and fixed through the normal services, one room per
transaction, so a sweep is just another writer that takes the room lock.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import timezone

from gamebuddies.actors import Actor
from gamebuddies.errors import GameBuddiesError

from ..models import LIVE_ROOM_STATUSES, Location, MemberRole, PlayerStatus, Room, RoomMember
from .lifecycle import room_abandon
from .membership import host_migrate_if_needed
from .status import heartbeat_cache_key, update_player_status

logger = logging.getLogger(__name__)
SYSTEM = Actor.system("housekeeping")


def _safely(action, **kwargs) -> bool:
    try:
        return action(**kwargs) is not None
    except GameBuddiesError as exc:  # the room moved on since we looked; nothing to do
        logger.debug("sweep skipped: %s", exc.code)
        return False


def sweep(*, now=None) -> dict[str, int]:
    """One pass of upkeep; how many of each fix it made."""
    now = now or timezone.now()
    return {
        "hostsMigrated": _migrate_hosts_gone_past_grace(now),
        "membersTimedOut": _disconnect_silent_members(now),
        "roomsAbandoned": _abandon_empty_rooms(now),
    }


def _migrate_hosts_gone_past_grace(now) -> int:
    grace = now - timedelta(seconds=settings.HOST_GRACE_SECONDS)
    stale_hosts = RoomMember.objects.filter(
        role=MemberRole.HOST,
        is_connected=False,
        disconnected_at__lt=grace,
        room__status__in=LIVE_ROOM_STATUSES,
    ).values_list("room_id", flat=True)
    return sum(_safely(host_migrate_if_needed, room=room_id, actor=SYSTEM, now=now) for room_id in stale_hosts)


def _disconnect_silent_members(now) -> int:
    """Presence is proven by heartbeats in the shared cache (lobby sockets' pings, the game
    API's heartbeats). Seats that stopped beating are disconnected: this also clears zombie
    seats whose server process died without closing their sockets."""
    lobby_cutoff = now - timedelta(seconds=settings.LOBBY_PRESENCE_TIMEOUT_SECONDS)
    game_cutoff = now - timedelta(seconds=settings.IN_GAME_HEARTBEAT_TIMEOUT_SECONDS)
    silent = [
        *_without_recent_heartbeat(_quiet_members(Location.LOBBY, lobby_cutoff), lobby_cutoff),
        *_without_recent_heartbeat(_quiet_members(Location.GAME, game_cutoff), game_cutoff),
    ]
    return sum(
        _safely(
            update_player_status,
            room=member.room_id,
            player_id=member.player_id,
            status=PlayerStatus.DISCONNECTED,
            location=Location.DISCONNECTED,
            actor=SYSTEM,
            reason="presence timeout",
            expected_version=member.version,
        )
        for member in silent
    )


def _quiet_members(location: str, cutoff) -> list[RoomMember]:
    """Members at `location` of live rooms whose row has not been pinged since `cutoff` (at most 500)."""
    return list(
        RoomMember.objects.filter(
            current_location=location,
            last_ping__lt=cutoff,
            room__status__in=LIVE_ROOM_STATUSES,
        )[:500]
    )


def _abandon_empty_rooms(now) -> int:
    abandon_before = now - timedelta(seconds=settings.ROOM_ABANDON_SECONDS)
    connected = RoomMember.objects.filter(room_id=OuterRef("pk"), is_connected=True)
    empty_rooms = (
        Room.objects.filter(status__in=LIVE_ROOM_STATUSES, last_activity__lt=abandon_before)
        .exclude(Exists(connected))
        .values_list("pk", flat=True)
    )
    return sum(_safely(room_abandon, room=room_id, actor=SYSTEM) for room_id in empty_rooms[:500])


def _without_recent_heartbeat(members: list[RoomMember], timeout) -> list[RoomMember]:
    if not members:
        return []
    keys = [heartbeat_cache_key(m.pk) for m in members]
    try:
        # The shared Redis cache otherwise answers {} while it is away, which would read as
        # "nobody beat" and disconnect every player; local memory cannot fail.
        read = getattr(cache, "get_many_or_raise", cache.get_many)
        beats = read(keys)
    except Exception:
        logger.warning("presence unknown (the cache did not answer): no seat is disconnected for silence this sweep")
        return []
    cutoff = timeout.timestamp()
    return [m for m in members if beats.get(heartbeat_cache_key(m.pk), 0) < cutoff]


def run_forever(*, interval: float = 5.0, stop=None) -> None:
    """The sweep loop the worker command runs beside the task worker."""
    from django.db import close_old_connections

    while stop is None or not stop.is_set():
        close_old_connections()
        try:
            result = sweep()
            if any(result.values()):
                logger.info("housekeeping: %s", result)
        except Exception:
            logger.exception("housekeeping sweep failed")
        if stop is not None:
            stop.wait(interval)
        else:
            time.sleep(interval)
