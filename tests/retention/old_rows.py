"""Old data for the retention sweeps, made through the real services, then aged."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from gameapi.models import ApiRequest
from players.models import PlayerSession
from rooms.models import Room, RoomStatus
from tests.factories import make_room

LONG_AGO = timedelta(days=45)


def ended_rooms(count: int, *, status=RoomStatus.FINISHED, age=LONG_AGO, players: int = 2) -> list:
    ids = [make_room(players=players)[0].pk for _ in range(count)]
    ended_at = timezone.now() - age
    # Created an evening before it ended, as real rooms are (created_at never follows updated_at).
    Room.objects.filter(pk__in=ids).update(status=status, created_at=ended_at - timedelta(hours=3), updated_at=ended_at)
    return ids


def expired_sessions(count: int) -> list:
    rooms = [make_room(players=1)[0].pk for _ in range(count)]
    sessions = PlayerSession.objects.filter(room_id__in=rooms)
    sessions.update(expires_at=timezone.now() - timedelta(minutes=1))
    return list(sessions.values_list("pk", flat=True))


def old_api_requests(count: int, *, age=LONG_AGO) -> list:
    created_at = timezone.now() - age
    rows = ApiRequest.objects.bulk_create(
        ApiRequest(method="GET", path="/api/v2/health", status_code=200, duration_ms=1.0, request_id=f"r{i}")
        for i in range(count)
    )
    ids = [row.pk for row in rows]
    ApiRequest.objects.filter(pk__in=ids).update(created_at=created_at)
    return ids
