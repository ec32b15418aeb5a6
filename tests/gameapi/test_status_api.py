"""Player status from game servers: acknowledgements, conflicts, strict validation, heartbeats, bulk."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room

from .client import ApiClient, assert_envelope

pytestmark = pytest.mark.django_db


def status_path(room, seat) -> str:
    return f"/rooms/{room.room_code}/players/{seat.player.pk}/status"


def test_status_update_is_acknowledged_with_version_player_and_update_id(api):
    room, seats = make_room(in_game=True, players=2)
    response = api.post(status_path(room, seats[1]), {"status": "in_game", "location": "game", "metadata": {"s": 1}})
    assert response.status_code == 200, response.content
    body = response.json()
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    assert body["success"] is True
    assert body["roomVersion"] == Room.objects.get(pk=room.pk).version == room.version + 1
    assert body["player"]["id"] == str(member.player_id)
    assert (body["player"]["currentLocation"], body["player"]["status"]) == ("game", "in_game")
    assert body["player"]["gameData"] == {"s": 1} and body["player"]["version"] == member.version
    # The acknowledgement names the room event that recorded this update.
    event = RoomEvent.objects.get(pk=int(body["updateId"]))
    assert (event.room_version, event.event_type) == (body["roomVersion"], "player_status_changed")
    assert body["timestamp"].endswith("Z")
    assert "broadcast" not in body


def test_stale_expected_version_is_409_state_conflict_with_current_state(api):
    room, seats = make_room(players=2)
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    path = status_path(room, seats[1])
    assert api.post(path, {"status": "connected", "expectedVersion": member.version}).status_code == 200
    response = api.post(path, {"status": "in_game", "location": "game", "expectedVersion": member.version})
    body = assert_envelope(response, "STATE_CONFLICT", 409)
    assert body["retryable"] is True
    assert body["currentState"]["playerVersion"] == member.version + 1
    assert {p["id"] for p in body["currentState"]["players"]} == {str(s.player.pk) for s in seats}
    assert RoomMember.objects.get(pk=member.pk).current_location == "lobby"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "status"),
        ({"status": "dancing"}, "status"),
        ({"status": 3}, "status"),
        ({"status": "in_game", "location": "moon"}, "location"),
        ({"status": "in_game", "location": "lobby"}, "location"),
        ({"status": "lobby", "metadata": "x"}, "metadata"),
        ({"status": "lobby", "metadata": {"blob": "x" * (16 * 1024)}}, "metadata"),
        ({"status": "lobby", "expectedVersion": "3"}, "expectedVersion"),
        ({"status": "lobby", "expectedVersion": 1.5}, "expectedVersion"),
        ({"status": "lobby", "waitForBroadcast": "yes"}, "waitForBroadcast"),
        ({"status": "lobby", "waitForBroadcast": 1}, "waitForBroadcast"),
        ([], "body"),
        ("lobby", "body"),
    ],
)
def test_invalid_status_input_is_400_naming_the_field_and_changes_nothing(api, body, field):
    room, seats = make_room(players=2)
    response = api.post(status_path(room, seats[1]), body)
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == field
    assert Room.objects.get(pk=room.pk).version == room.version


def test_malformed_json_is_400_validation_error_on_body(api):
    room, seats = make_room(players=2)
    response = api.post(status_path(room, seats[1]), raw=b'{"status": "lobby",')
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "body"


def test_unknown_player_is_404_player_not_found(api):
    room, _ = make_room()
    response = api.post(f"/rooms/{room.room_code}/players/{uuid.uuid4()}/status", {"status": "lobby"})
    assert_envelope(response, "PLAYER_NOT_FOUND", 404)


def test_player_id_that_is_not_a_uuid_is_404(api):
    room, _ = make_room()
    assert_envelope(api.post(f"/rooms/{room.room_code}/players/42/status", {"status": "lobby"}), "NOT_FOUND", 404)


def test_wait_for_broadcast_reports_false_when_nothing_was_committed_within_2s(api):
    # Inside the test's transaction nothing commits, so the broadcast never leaves: the bound holds.
    room, seats = make_room(players=2)
    response = api.post(status_path(room, seats[1]), {"status": "lobby", "waitForBroadcast": True})
    assert response.json()["broadcast"] == {"broadcasted": False}


@pytest.mark.django_db(transaction=True)
def test_wait_for_broadcast_reports_true_once_handed_to_the_channel_layer():
    from .client import make_key

    raw, _ = make_key()
    room, seats = make_room(players=2)
    response = ApiClient(raw).post(status_path(room, seats[1]), {"status": "lobby", "waitForBroadcast": True})
    assert response.status_code == 200
    assert response.json()["broadcast"] == {"broadcasted": True}


@pytest.mark.django_db(transaction=True)
def test_wait_for_broadcast_with_an_idempotency_key_reports_the_broadcast_made_after_its_commit():
    # A keyed request runs in the transaction of its durable record; the broadcast leaves at commit.
    from gameapi.models import IdempotencyRecord

    from .client import make_key

    raw, _ = make_key()
    room, seats = make_room(players=2)
    body = {"status": "lobby", "waitForBroadcast": True}
    response = ApiClient(raw).post(status_path(room, seats[1]), body, headers={"Idempotency-Key": "wait-1"})
    assert response.status_code == 200
    assert response.json()["broadcast"] == {"broadcasted": True}
    assert IdempotencyRecord.objects.count() == 1
    replay = ApiClient(raw).post(status_path(room, seats[1]), body, headers={"Idempotency-Key": "wait-1"})
    assert replay.json() == response.json()  # Redis keeps the answer as it was given


def test_heartbeat_answers_server_time_and_interval_without_writing(api, settings):
    settings.HEARTBEAT_INTERVAL_MS = 25000
    room, seats = make_room(players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/heartbeat"
    api.post(path)  # warm the key's last-used stamp
    with CaptureQueriesContext(connection) as queries:
        response = api.post(path, {"metadata": {"fps": 60}})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["nextHeartbeatMs"] == 25000 and body["serverTime"].endswith("Z")
    assert not [q for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert Room.objects.get(pk=room.pk).version == room.version


def test_heartbeat_for_a_disconnected_player_is_409_and_does_not_bring_them_back(api):
    room, seats = make_room(players=2)
    services.update_player_status(room=room.pk, player_id=seats[1].player.pk, status="disconnected", actor=SYSTEM)
    version = Room.objects.get(pk=room.pk).version
    response = api.post(f"/rooms/{room.room_code}/players/{seats[1].player.pk}/heartbeat")
    assert_envelope(response, "PLAYER_DISCONNECTED", 409)
    assert RoomMember.objects.get(pk=seats[1].member.pk).is_connected is False
    assert Room.objects.get(pk=room.pk).version == version


def test_heartbeat_for_a_player_who_left_is_409_player_disconnected(api):
    room, seats = make_room(players=2)
    services.room_leave(room=room.pk, player_id=seats[1].player.pk, actor=SYSTEM)
    response = api.post(f"/rooms/{room.room_code}/players/{seats[1].player.pk}/heartbeat")
    assert_envelope(response, "PLAYER_DISCONNECTED", 409)


def test_heartbeat_validates_metadata_and_unknown_players(api):
    room, _ = make_room()
    path = f"/rooms/{room.room_code}/players/{uuid.uuid4()}/heartbeat"
    assert assert_envelope(api.post(path, {"metadata": []}), "VALIDATION_ERROR", 400)["field"] == "metadata"
    assert_envelope(api.post(path), "PLAYER_NOT_FOUND", 404)


def bulk_body(seats, location="game"):
    return {"players": [{"playerId": str(s.player.pk), "location": location} for s in seats], "reason": "round"}


def test_bulk_status_changes_everyone_in_one_version(api):
    room, seats = make_room(in_game=True, players=3)
    response = api.post(f"/rooms/{room.room_code}/bulk-status", bulk_body(seats))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "success": True,
        "summary": {"total": 3, "successful": 3, "failed": 0},
        "roomVersion": room.version + 1,
    }
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"game"}


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        ({"playerId": str(uuid.uuid4()), "location": "game"}, "PLAYER_NOT_FOUND", "players[1].playerId"),
        ({"location": "game"}, "VALIDATION_ERROR", "players[1].playerId"),
        ({"playerId": "nope", "location": "game"}, "VALIDATION_ERROR", "players[1].playerId"),
        ({"playerId": None, "location": "moon"}, "VALIDATION_ERROR", "players[1].playerId"),
        ("PLAYER", "VALIDATION_ERROR", "players[1]"),
    ],
)
def test_one_bad_bulk_row_is_4xx_naming_it_and_nothing_changes(api, row, code, field):
    room, seats = make_room(in_game=True, players=2)
    body = bulk_body(seats[:1])
    body["players"].append(row)
    response = api.post(f"/rooms/{room.room_code}/bulk-status", body)
    assert assert_envelope(response, code, 404 if code == "PLAYER_NOT_FOUND" else 400)["field"] == field
    assert Room.objects.get(pk=room.pk).version == room.version
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"lobby"}


def test_bulk_row_with_unknown_location_names_the_row(api):
    room, seats = make_room(players=2)
    body = bulk_body(seats)
    body["players"][1]["location"] = "moon"
    response = api.post(f"/rooms/{room.room_code}/bulk-status", body)
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "players[1].location"


def test_bulk_status_refuses_empty_and_non_list_players(api):
    room, _ = make_room()
    for players in ([], "all", None):
        response = api.post(f"/rooms/{room.room_code}/bulk-status", {"players": players})
        assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "players"


def test_bulk_status_query_count_does_not_grow_with_players(api):
    counts = []
    for size in (2, 8):
        room, seats = make_room(in_game=True, players=size)
        api.post(f"/rooms/{room.room_code}/bulk-status", bulk_body(seats, "lobby"))  # warm up
        with CaptureQueriesContext(connection) as queries:
            assert api.post(f"/rooms/{room.room_code}/bulk-status", bulk_body(seats)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_status_update_query_count_does_not_grow_with_players(api):
    counts = []
    for size in (2, 8):
        room, seats = make_room(in_game=True, players=size)
        path = status_path(room, seats[1])
        api.post(path, {"status": "lobby"})  # warm up the key's last-used stamp
        with CaptureQueriesContext(connection) as queries:
            assert api.post(path, {"status": "in_game", "location": "game"}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
