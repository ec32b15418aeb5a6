"""The queries of a status update, a snapshot and a game end do not grow with the room."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rooms import services
from rooms.models import Room
from rooms.selectors import room_snapshot
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def _count_queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def _snapshot_not_cached(room) -> dict:
    cache.clear()  # measure the snapshot as built, not as read back from the cache
    return room_snapshot(room=room)


def _queries_for(operation: str, size: int) -> int:
    room, seats = make_room(players=size, game_slug="quiz", max_players=size)
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    room = Room.objects.get(pk=room.pk)
    actions = {
        "status": lambda: services.update_player_status(
            room=room.pk, player_id=seats[-1].player.pk, status="in_game", metadata={"x": 1}, actor=SYSTEM
        ),
        "snapshot": lambda: _snapshot_not_cached(room),
        "game_end": lambda: services.game_end(room=room.pk, actor=SYSTEM, result={"ok": True}),
    }
    return _count_queries(actions[operation])


@pytest.mark.parametrize("operation", ["status", "snapshot", "game_end"])
def test_query_count_does_not_grow_with_room_size(operation, quiz_game):
    quiz_game.max_players = 60
    quiz_game.save()
    small, large = _queries_for(operation, 2), _queries_for(operation, 50)
    assert small == large, (small, large)
