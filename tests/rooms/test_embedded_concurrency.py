"""The embedded default takes a lobby's concurrency without "database is locked" (issue: state core)."""

import pytest
from django.db import connection

from rooms import services
from rooms.models import Room
from tests.concurrency import run_concurrently
from tests.factories import SYSTEM, make_room


@pytest.mark.django_db(transaction=True)
def test_eight_players_updating_at_once_all_succeed_on_the_configured_database():
    room, seats = make_room(players=8)
    start = Room.objects.get(pk=room.pk).version

    def update(index):
        seat = seats[index % 8]
        services.update_player_status(
            room=room.pk, player_id=seat.player.pk, status="connected", metadata={"i": index}, actor=SYSTEM
        )
        services.member_set_ready(room=room.pk, player_id=seat.player.pk, ready=index % 2 == 0, actor=SYSTEM)

    errors = run_concurrently(24, update)
    assert errors == [], f"{connection.vendor}: {errors[:3]}"
    assert Room.objects.get(pk=room.pk).version == start + 48
