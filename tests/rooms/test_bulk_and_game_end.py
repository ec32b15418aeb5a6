"""Atomic bulk status and single-statement game end (issue: state core)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gamebuddies.errors import PlayerNotFoundError, ValidationError
from players.models import PlayerStatusHistory
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from rooms.selectors import room_snapshot
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def _locations(room):
    return dict(RoomMember.objects.filter(room=room).values_list("player_id", "current_location"))


def test_bulk_update_with_one_unknown_player_changes_nothing_and_names_the_row():
    room, seats = make_room(in_game=True, players=3)
    _, strangers = make_room()
    before = (_locations(room), Room.objects.get(pk=room.pk).version, PlayerStatusHistory.objects.count())
    rows = [
        services.BulkRow(player_id=seats[1].player.pk, location="game", status=None, game_data={}),
        services.BulkRow(player_id=strangers[0].player.pk, location="game", status=None, game_data={}),
    ]
    with pytest.raises(PlayerNotFoundError) as caught:
        services.bulk_update_status(room=room.pk, rows=rows, actor=SYSTEM, reason="round 2")
    assert caught.value.field == "players[1].playerId"
    assert (_locations(room), Room.objects.get(pk=room.pk).version, PlayerStatusHistory.objects.count()) == before


def test_bulk_update_with_one_invalid_row_changes_nothing():
    room, seats = make_room(in_game=True, players=3)
    rows = [
        services.BulkRow(player_id=seats[1].player.pk, location="game", status=None, game_data={}),
        services.BulkRow(player_id=seats[2].player.pk, location="moon", status=None, game_data={}),
    ]
    with pytest.raises(ValidationError) as caught:
        services.bulk_update_status(room=room.pk, rows=rows, actor=SYSTEM)
    assert caught.value.field == "players[1].location"
    assert set(_locations(room).values()) == {"lobby"}


def test_good_bulk_update_bumps_the_room_once_with_one_event_and_one_broadcast(django_capture_on_commit_callbacks):
    room, seats = make_room(in_game=True, players=4)
    rows = [
        services.BulkRow(player_id=s.player.pk, location="game", status=None, game_data={"team": i % 2})
        for i, s in enumerate(seats[1:])
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        change = services.bulk_update_status(room=room.pk, rows=rows, actor=SYSTEM, reason="teams")
    assert change.version == room.version + 1
    assert RoomEvent.objects.filter(room=room, room_version=change.version).count() == 1
    assert PlayerStatusHistory.objects.filter(room=room).count() == 3
    assert [s.player.pk for s in seats[1:] if _locations(room)[s.player.pk] == "game"] == [
        s.player.pk for s in seats[1:]
    ]
    # One broadcast callback (plus the metrics counter) for the whole bulk change.
    assert sum(1 for c in callbacks if "publish" in getattr(c, "__qualname__", "")) == 1


def test_game_end_returns_connected_in_game_players_and_records_one_event(quiz_game):
    room, seats = make_room(players=3, game_slug="quiz")
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    services.update_player_status(room=room.pk, player_id=seats[2].player.pk, status="disconnected", actor=SYSTEM)
    result = services.game_end(room=room.pk, actor=SYSTEM, result={"winner": str(seats[1].player.pk)})
    assert result.players_returned == 2
    assert _locations(room) == {
        seats[0].player.pk: "lobby",
        seats[1].player.pk: "lobby",
        seats[2].player.pk: "disconnected",
    }
    final = Room.objects.get(pk=room.pk)
    assert final.status == "lobby" and final.metadata["lastGameResult"]["winner"] == str(seats[1].player.pk)
    assert RoomEvent.objects.filter(room=room, event_type="game_ended").count() == 1


def test_game_end_retried_after_success_changes_nothing(quiz_game):
    room, seats = make_room(players=2, game_slug="quiz")
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    first = services.game_end(room=room.pk, actor=SYSTEM)
    again = services.game_end(room=room.pk, actor=SYSTEM)
    assert again.players_returned == 0 and again.change is None and again.version == first.version


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
