"""Retention: ended rooms and expired sessions are cleared away in batches.

Run by the background worker (`run_worker`) on a schedule, or by cron through the
commands `prune_rooms` and `expire_sessions`. Every batch claims its rows with
`SELECT ... FOR UPDATE SKIP LOCKED` (gamebuddies/batches.py), so sweeps in several
worker processes split the work between them and never wait on each other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from gamebuddies.batches import claim_batch, in_batches
from players.models import Player, PlayerSession, PlayerStatusHistory, SessionStatus

from ..models import Room, RoomMember, RoomStatus

ENDED_ROOM_STATUSES = (RoomStatus.FINISHED, RoomStatus.ABANDONED)
ROOM_BATCH = 100
SESSION_BATCH = 1000


def rooms_retention_cutoff(*, older_than_days: int | None = None, now: datetime | None = None) -> datetime:
    days = settings.ROOM_RETENTION_DAYS if older_than_days is None else older_than_days
    return (now or timezone.now()) - timedelta(days=days)


def prune_rooms_batch(*, cutoff: datetime, size: int = ROOM_BATCH) -> list:
    """Delete up to `size` rooms that ended before `cutoff` (call inside a transaction).

    The rooms' members, events, status history, game states, chat messages and chat
    moderation records, and sessions go with them
    (ON DELETE CASCADE in the models), webhook deliveries keep their rows without the
    room, and the players left with no seat, session or user account are deleted too.
    """
    # A room that ended before the cutoff was created before it: created_at narrows the search
    # through idx_rooms_ended_created (an index on updated_at would make every room UPDATE non-HOT).
    ended = Room.objects.filter(status__in=ENDED_ROOM_STATUSES, created_at__lt=cutoff, updated_at__lt=cutoff)
    ids = claim_batch(ended, size)
    if not ids:
        return []
    player_ids = list(RoomMember.objects.filter(room_id__in=ids).values_list("player_id", flat=True))
    Room.objects.filter(pk__in=ids).delete()
    still_used = (
        Exists(model.objects.filter(player_id=OuterRef("pk")))
        for model in (RoomMember, PlayerSession, PlayerStatusHistory)  # in rooms that remain
    )
    orphans = Player.objects.filter(pk__in=player_ids, user__isnull=True)
    for used in still_used:
        orphans = orphans.exclude(used)
    orphans.delete()
    return ids


def prune_rooms(*, older_than_days: int | None = None, batch_size: int = ROOM_BATCH, now=None) -> int:
    """Delete every finished or abandoned room older than ROOM_RETENTION_DAYS; how many."""
    cutoff = rooms_retention_cutoff(older_than_days=older_than_days, now=now)
    return in_batches(lambda: prune_rooms_batch(cutoff=cutoff, size=batch_size))


def expire_sessions_batch(*, now: datetime, size: int = SESSION_BATCH) -> list:
    """Mark up to `size` active sessions past their expiry as expired (call inside a transaction)."""
    ids = claim_batch(PlayerSession.objects.filter(status=SessionStatus.ACTIVE, expires_at__lte=now), size)
    if ids:
        PlayerSession.objects.filter(pk__in=ids).update(status=SessionStatus.EXPIRED)
    return ids


def expire_sessions(*, batch_size: int = SESSION_BATCH, now=None) -> int:
    """Mark every active session past its expiry as expired; how many."""
    now = now or timezone.now()
    return in_batches(lambda: expire_sessions_batch(now=now, size=batch_size))
