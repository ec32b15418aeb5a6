"""The standard snapshot (rooms/snapshot.py): the fields every page, socket and API answer use."""

from __future__ import annotations

import pytest

from rooms.selectors import room_snapshot
from tests.factories import make_room

pytestmark = pytest.mark.django_db


def test_snapshot_has_the_standard_fields():
    room, seats = make_room(players=2)
    state = room_snapshot(room=room)
    assert set(state["room"]) >= {"id", "code", "status", "currentGame", "hostId", "maxPlayers", "settings", "metadata"}
    assert set(state["players"][0]) >= {
        "id",
        "name",
        "role",
        "isHost",
        "isConnected",
        "inGame",
        "currentLocation",
        "isReady",
        "lastPing",
        "gameData",
    }
    assert [p["isHost"] for p in state["players"]] == [True, False]
