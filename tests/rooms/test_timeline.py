"""The staff timeline: events and status history in version order, and the room replayed at any
version from what the events recorded (rooms/timeline.py, issue 19)."""

from __future__ import annotations

import pytest

from rooms import services
from rooms.models import Room, RoomEvent
from rooms.selectors import room_snapshot
from rooms.timeline import room_state_at, room_timeline
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def summary_of_live(room_pk) -> tuple[int, dict]:
    room = Room.objects.get(pk=room_pk)
    state = room_snapshot(room=room)
    players = {p["id"]: (p["role"], p["currentLocation"], p["status"], p["isReady"]) for p in state["players"]}
    r = state["room"]
    return room.version, {"status": r["status"], "game": r["currentGame"], "host": r["hostId"], "players": players}


def summary_of_replay(room_pk, version: int) -> dict:
    at = room_state_at(room=Room.objects.get(pk=room_pk), version=version)
    players = {p["id"]: (p["role"], p["location"], p["status"], p["ready"]) for p in at.players}
    return {"status": at.room["status"], "game": at.room["game"], "host": at.room["hostId"], "players": players}


def test_the_replay_gives_the_live_state_at_every_version_of_a_whole_room_life(quiz_game):
    room, seats = make_room(players=3, game_slug="quiz")
    host, one, two = (player_actor(seat) for seat in seats)
    seen = [summary_of_live(room.pk)]
    steps = [
        lambda: services.member_set_ready(room=room.pk, player_id=seats[1].player.pk, ready=True, actor=one),
        lambda: services.room_join(room=room.pk, display_name="Watcher", actor=SYSTEM, role="spectator"),
        lambda: services.game_select(room=room.pk, game_slug="quiz", settings={"rounds": 2}, actor=host),
        lambda: services.game_start(room=room.pk, actor=host),
        lambda: services.update_player_status(
            room=room.pk, player_id=seats[2].player.pk, status="disconnected", actor=SYSTEM
        ),
        lambda: services.game_end(room=room.pk, actor=SYSTEM, result={"winner": "Host"}),
        lambda: services.host_transfer(room=room.pk, new_host_id=seats[1].player.pk, actor=host),
        lambda: services.member_kick(room=room.pk, target_player_id=seats[2].player.pk, actor=one),
        lambda: services.game_start(room=room.pk, actor=one),
        lambda: services.bulk_update_status(
            room=room.pk,
            actor=SYSTEM,
            rows=[services.BulkRow(player_id=seats[0].player.pk, location="lobby", status=None, game_data={})],
        ),
        lambda: services.game_end(room=room.pk, actor=SYSTEM, return_players=False),
        lambda: services.update_player_status(room=room.pk, player_id=seats[1].player.pk, status="lobby", actor=one),
        lambda: services.room_leave(room=room.pk, player_id=seats[1].player.pk, actor=one),
        lambda: services.room_close(room=room.pk, actor=SYSTEM),
    ]
    for step in steps:
        step()
        seen.append(summary_of_live(room.pk))
    assert seen[-1][0] == 1 + 2 + len(steps)
    for version, live in seen:
        assert summary_of_replay(room.pk, version) == live, f"version {version}"
    assert room_state_at(room=Room.objects.get(pk=room.pk), version=1).complete


def test_the_timeline_puts_each_changes_status_rows_after_its_event(quiz_game):
    room, seats = make_room(players=2, game_slug="quiz")
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    timeline = room_timeline(room=Room.objects.get(pk=room.pk))
    kinds = [(entry.version, entry.kind, entry.what) for entry in timeline.entries]
    start = RoomEvent.objects.get(room=room, event_type="game_started").room_version
    assert kinds[-3:] == [
        (start, "event", "game_started"),
        (start, "status", "lobby/connected -> game/in_game"),
        (start, "status", "lobby/connected -> game/in_game"),
    ]
    assert not timeline.pruned and timeline.first_version == 1


def test_a_pruned_history_is_said_and_the_replay_starts_at_the_first_kept_event():
    room, seats = make_room(players=3)
    services.member_set_ready(room=room.pk, player_id=seats[2].player.pk, ready=True, actor=player_actor(seats[2]))
    RoomEvent.objects.filter(room=room, room_version__lte=2).delete()
    current = Room.objects.get(pk=room.pk)
    timeline = room_timeline(room=current)
    assert timeline.pruned and timeline.first_version == 3
    at = room_state_at(room=current, version=current.version)
    assert not at.complete and at.replayed_from == 3
    assert "pruned" in at.notes[0]
    assert [p["name"] for p in at.players] == ["Player 2"]  # only what the kept events say


def test_a_long_timeline_lists_the_newest_entries_and_says_so():
    room, seats = make_room(players=2)
    for ready in (True, False, True, False):
        services.member_set_ready(room=room.pk, player_id=seats[1].player.pk, ready=ready, actor=player_actor(seats[1]))
    timeline = room_timeline(room=Room.objects.get(pk=room.pk), limit=3)
    assert timeline.truncated
    assert [entry.version for entry in timeline.entries] == [4, 5, 6]
