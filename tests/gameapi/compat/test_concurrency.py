"""Races the original API let through, closed by our room lock (real PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gameapi.compat import services as compat
from gamebuddies.errors import InvalidSessionError
from players.models import PlayerSession
from tests.factories import make_room

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_recoveries_of_one_token_at_once_give_exactly_one_new_session():
    room, seats = make_room(players=2)
    token = seats[1].token
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def recover():
        barrier.wait()
        try:
            compat.session_recover(token=token)
            outcomes.append("recovered")
        except InvalidSessionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=recover) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["recovered", "refused", "refused", "refused"]
    assert PlayerSession.objects.filter(player=seats[1].player, room=room, status="active").count() == 1
