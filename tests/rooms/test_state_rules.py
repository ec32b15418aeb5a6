"""A room's status and its members' locations agree, at every entry point (issue 17).

The table (tests/rooms/state_table.py): room status (lobby, in_game, returning) × the
member's location (lobby, game, disconnected) × the reported status, with and without a
location. Each entry point that reports a status is driven through its own adapter: the
Game API's status and bulk-status on both transports (the DRF views through Django's test
client; the lean path through the ASGI app, on PostgreSQL and Redis) and the lobby socket's
`updateStatus`. Each answer is checked against the rule, with the room version (unchanged on
refusal, +1 on success) and the history rows.

The entry points that change locations without a reported status are checked against
the same agreement: heartbeats (never a change; 409 for a disconnected seat), the
housekeeping sweep (disconnects), game end (the API on both transports, the host's socket,
the admin's return-to-lobby) and a socket opening (the game page's and the lobby's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from rooms.models import Room, RoomEvent, RoomMember
from rooms.services import housekeeping
from rooms.services.status import heartbeat_cache_key
from tests.gameapi.client import ApiClient, make_key
from tests.gameapi.fixtures import _request_log_flushed_by_tests  # noqa: F401 - autouse: no request-log rows here
from tests.staff import log_messages, staff_client

from .sockets import browser, receive_until, request
from .state_table import (  # noqa: F401 - lean_path is a fixture
    BULK_CASES,
    LOCATIONS,
    ROOM_STATUSES,
    STATUS_CASES,
    UNLIMITED,
    Case,
    Failures,
    LeanTable,
    Outcome,
    Scene,
    case_id,
    check_report,
    history_since,
    lean_path,
    make_scene,
    member_row,
    seat_socket,
    set_scene,
    snapshot_before,
)

SCENES = [(r, m) for r in ROOM_STATUSES for m in LOCATIONS]


def scene_id(scene: tuple[str, str]) -> str:
    return f"{scene[0]}-room/{scene[1]}-member"


@pytest.fixture
def api(db) -> ApiClient:
    raw, _ = make_key(service="rules-game", rate_limits=UNLIMITED)
    return ApiClient(raw)


def status_body(case: Case) -> dict:
    body = {"status": case.status}
    if case.location:
        body["location"] = case.location
    return body


def cases_in(room_status: str, cases=STATUS_CASES) -> list[Case]:
    return [case for case in cases if case.room_status == room_status]


# -- status reports ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("case", STATUS_CASES, ids=case_id)
def test_status_report_through_the_api_view_puts_a_member_in_the_game_only_while_the_room_plays(api, case):
    scene = make_scene()
    was = set_scene(scene, case.room_status, case.member_location)
    response = api.post(scene.path(), status_body(case))
    check_report(case, scene, was, Outcome.from_http(response.status_code, response.json()), reason="api: rules-game")


@pytest.mark.usefixtures("lean_path")
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("room_status", ROOM_STATUSES)
async def test_status_report_through_the_lean_path_follows_the_same_rule(room_status):
    async with LeanTable() as table:
        for case in cases_in(room_status):
            was = await table.set_scene(case.room_status, case.member_location)
            response = await table.post(table.scene.path(prefix="/api/v2"), status_body(case))
            outcome = Outcome.from_http(response.status, response.json())
            await table.check(case.id, check_report, case, table.scene, was, outcome, reason="api: rules-game")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("room_status", ROOM_STATUSES)
async def test_status_report_over_the_lobby_socket_follows_the_same_rule(settings, room_status):
    settings.WS_MESSAGE_BURST = 1000  # the whole table, quickly, on one socket
    scene = await database_sync_to_async(make_scene)()
    tab = await browser(scene.member)
    failures = Failures()
    try:
        for number, case in enumerate(cases_in(room_status)):
            was = await database_sync_to_async(set_scene)(scene, case.room_status, case.member_location)
            ack = await request(tab, f"c{number}", {"type": "updateStatus", **status_body(case)})
            with failures.case(case.id):
                await database_sync_to_async(check_report)(case, scene, was, Outcome.from_ack(ack), reason="lobby")
    finally:
        await tab.disconnect()
    failures.assert_none()


@pytest.mark.django_db
@pytest.mark.parametrize("case", BULK_CASES, ids=case_id)
def test_bulk_status_row_puts_a_member_in_the_game_only_while_the_room_plays(api, case):
    scene = make_scene()
    was = set_scene(scene, case.room_status, case.member_location)
    response = api.post(f"/rooms/{scene.code}/bulk-status", {"players": [bulk_row(scene, case)], "reason": "round 2"})
    outcome = Outcome.from_http(response.status_code, response.json())
    check_report(case, scene, was, outcome, reason="round 2")
    if case.refused:
        assert response.json()["field"] == "players[0].location"


@pytest.mark.usefixtures("lean_path")
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("room_status", ROOM_STATUSES)
async def test_bulk_status_row_through_the_lean_path_follows_the_same_rule(room_status):
    async with LeanTable() as table:
        for case in cases_in(room_status, BULK_CASES):
            was = await table.set_scene(case.room_status, case.member_location)
            body = {"players": [bulk_row(table.scene, case)], "reason": "round 2"}
            response = await table.post(f"/api/v2/rooms/{table.scene.code}/bulk-status", body)
            outcome = Outcome.from_http(response.status, response.json())
            await table.check(case.id, check_report, case, table.scene, was, outcome, reason="round 2")


def bulk_row(scene: Scene, case: Case) -> dict:
    row = {"playerId": str(scene.player_id), "location": case.location}
    if case.sent_status:
        row["status"] = case.sent_status
    return row


# -- heartbeats: presence only, never a change ----------------------------------------------------
def check_heartbeat(scene: Scene, member_location: str, was, outcome: Outcome) -> None:
    if member_location == "disconnected":
        assert (outcome.ok, outcome.code) == (False, "PLAYER_DISCONNECTED"), outcome
        assert cache.get(heartbeat_cache_key(scene.member_pk)) is None, "a refused beat counted as presence"
    else:
        assert outcome.ok, outcome
        assert cache.get(heartbeat_cache_key(scene.member_pk)) is not None, "the beat was not recorded"
    assert Room.objects.values_list("version", flat=True).get(pk=scene.room.pk) == was.version
    assert member_row(scene) == was.member
    assert history_since(scene, was) == []


@pytest.mark.django_db
@pytest.mark.parametrize("scene_state", SCENES, ids=scene_id)
def test_heartbeat_through_the_api_view_refreshes_presence_and_never_revives(api, scene_state):
    scene = make_scene()
    was = set_scene(scene, *scene_state)
    response = api.post(scene.path("heartbeat"))
    check_heartbeat(scene, scene_state[1], was, Outcome.from_http(response.status_code, response.json()))


@pytest.mark.usefixtures("lean_path")
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_heartbeat_through_the_lean_path_refreshes_presence_and_never_revives():
    async with LeanTable() as table:
        for scene_state in SCENES:
            was = await table.set_scene(*scene_state)
            response = await table.post(table.scene.path("heartbeat", prefix="/api/v2"))
            outcome = Outcome.from_http(response.status, response.json())
            await table.check(scene_id(scene_state), check_heartbeat, table.scene, scene_state[1], was, outcome)


# -- the housekeeping sweep's disconnects ---------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("scene_state", SCENES, ids=scene_id)
def test_housekeeping_disconnects_a_silent_member_under_the_same_rules(scene_state):
    room_status, member_location = scene_state
    scene = make_scene()
    set_scene(scene, room_status, member_location)
    RoomMember.objects.filter(pk=scene.member_pk).update(last_ping=timezone.now() - timedelta(hours=1))
    was = snapshot_before(scene)
    swept = housekeeping.sweep()
    if member_location == "disconnected":  # nothing to sweep: the seat is already gone
        assert swept["membersTimedOut"] == 0
        assert Room.objects.values_list("version", flat=True).get(pk=scene.room.pk) == was.version
        assert history_since(scene, was) == []
        return
    assert swept["membersTimedOut"] == 1
    case = Case(room_status, member_location, "disconnected", "disconnected")
    check_report(case, scene, was, Outcome(ok=True), reason="presence timeout")


# -- game end: everyone in the game comes back, whatever put them there -----------------------------
@dataclass(frozen=True)
class GameEndExpected:
    changed: bool
    returned: bool  # the member (in the game) came back to the lobby
    room_status: str


def game_end_expected(room_status: str, member_location: str, return_players: bool) -> GameEndExpected:
    """Game end returns everyone in the game and the room is a lobby, in one version. With
    returnPlayers false a running game's players stay and the room is returning, until nobody is
    left in the game. A lobby room's stranded players always come back. When nothing is running
    and nobody is in the game, or the room already waits for its players, nothing changes."""
    in_game = member_location == "game"
    if room_status == "lobby":
        return GameEndExpected(changed=in_game, returned=in_game, room_status="lobby")
    if return_players or not in_game:
        return GameEndExpected(changed=True, returned=in_game, room_status="lobby")
    return GameEndExpected(changed=room_status == "in_game", returned=False, room_status="returning")


def check_game_end(
    scene: Scene, scene_state: tuple[str, str], was, *, changed: bool | None = None, return_players: bool = True
) -> None:
    room_status, member_location = scene_state
    expected = game_end_expected(room_status, member_location, return_players)
    if changed is not None:
        assert changed is expected.changed
    room = Room.objects.values("version", "status").get(pk=scene.room.pk)
    assert room == {"version": was.version + expected.changed, "status": expected.room_status}
    history = history_since(scene, was)
    if expected.returned:
        assert member_row(scene) == {
            "current_location": "lobby",
            "status": "lobby",
            "is_connected": True,
            "in_game": False,
        }
        assert [(h["old_location"], h["new_location"], h["reason"]) for h in history] == [
            ("game", "lobby", "game ended")
        ]
    else:
        assert member_row(scene) == was.member and history == []
    events = list(RoomEvent.objects.filter(room_id=scene.room.pk, room_version__gt=was.version))
    assert [e.event_type for e in events] == (["game_ended"] if expected.changed else [])
    if expected.changed:
        assert events[0].event_data["playersReturned"] == expected.returned


@pytest.mark.django_db
@pytest.mark.parametrize("return_players", [True, False], ids=["returnPlayers", "stay"])
@pytest.mark.parametrize("scene_state", SCENES, ids=scene_id)
def test_game_end_through_the_api_returns_everyone_in_the_game_or_says_nothing_changed(
    api, scene_state, return_players
):
    scene = make_scene()
    was = set_scene(scene, *scene_state)
    body = {"gameResult": {"winner": "nobody"}, "returnPlayers": return_players}
    response = api.post(f"/rooms/{scene.code}/game-end", body)
    answer = (response.status_code, response.json())
    check_game_end_answer(scene, scene_state, was, answer, return_players=return_players)


def check_game_end_answer(scene: Scene, scene_state, was, answer: tuple[int, dict], *, return_players=True) -> None:
    status, body = answer
    assert status == 200, body
    check_game_end(scene, scene_state, was, changed=body["changed"], return_players=return_players)
    assert body["playersReturned"] == game_end_expected(*scene_state, return_players).returned
    assert body["roomVersion"] == Room.objects.values_list("version", flat=True).get(pk=scene.room.pk)


@pytest.mark.usefixtures("lean_path")
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_game_end_through_the_lean_path_returns_everyone_in_the_game_or_says_nothing_changed():
    async with LeanTable() as table:
        for scene_state in SCENES:
            was = await table.set_scene(*scene_state)
            response = await table.post(f"/api/v2/rooms/{table.scene.code}/game-end", {})
            answer = (response.status, response.json())
            await table.check(scene_id(scene_state), check_game_end_answer, table.scene, scene_state, was, answer)


@pytest.mark.django_db
@pytest.mark.parametrize("scene_state", SCENES, ids=scene_id)
def test_game_end_from_the_admin_returns_everyone_in_the_game_and_audits_only_a_change(scene_state):
    scene = make_scene()
    was = set_scene(scene, *scene_state)
    support = staff_client("support", "rooms.view_room", "rooms.return_to_lobby")
    response = support.post(reverse("admin:rooms_room_lobby", args=[scene.room.pk]))
    assert response.status_code == 302
    check_game_end(scene, scene_state, was)
    changed = scene_state[0] != "lobby" or scene_state[1] == "game"
    expected_audit = [f"Ended the game: {int(scene_state[1] == 'game')} player(s) returned to the lobby"]
    assert log_messages(scene.room) == (expected_audit if changed else [])


@pytest.mark.django_db(transaction=True)
async def test_game_end_from_the_hosts_socket_returns_everyone_in_the_game():
    scene = await database_sync_to_async(make_scene)()
    host_tab = await browser(scene.host)
    failures = Failures()
    try:
        for number, scene_state in enumerate(SCENES):
            was = await database_sync_to_async(set_scene)(scene, *scene_state)
            ack = await request(host_tab, f"end{number}", {"type": "endGame"})
            with failures.case(scene_id(scene_state)):
                assert ack["success"], ack
                await database_sync_to_async(check_game_end)(scene, scene_state, was)
    finally:
        await host_tab.disconnect()
    failures.assert_none()


# -- game start: from the lobby only, everyone connected goes in ------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("scene_state", SCENES, ids=scene_id)
def test_game_start_through_the_api_moves_connected_players_in_only_from_the_lobby(api, quiz_game, scene_state):
    room_status, member_location = scene_state
    scene = make_scene(game_slug="quiz")
    was = set_scene(scene, *scene_state)
    response = api.post(f"/rooms/{scene.code}/game-start")
    # The quiz needs two connected players: the host and the member, unless the member is gone.
    if room_status != "lobby" or member_location == "disconnected":
        assert (response.status_code, response.json()["code"]) == (409, "INVALID_ROOM_STATE")
        assert Room.objects.values("version", "status").get(pk=scene.room.pk) == {
            "version": was.version,
            "status": room_status,
        }
        assert member_row(scene) == was.member and history_since(scene, was) == []
        return
    assert response.status_code == 200, response.content
    assert Room.objects.values("version", "status").get(pk=scene.room.pk) == {
        "version": was.version + 1,
        "status": "in_game",
    }
    assert member_row(scene) == {"current_location": "game", "status": "in_game", "is_connected": True, "in_game": True}
    moved = [(h["player_id"], h["old_location"], h["new_location"]) for h in history_since(scene, was)]
    assert (scene.player_id, member_location, "game") in moved and len(moved) == 2


# -- a socket opening: the game page's seat is in the game only while the room plays one ------------
def check_connect(scene: Scene, scene_state: tuple[str, str], client: str, was, update: dict) -> None:
    room_status, member_location = scene_state
    location = "game" if client == "game" and room_status == "in_game" else "lobby"
    assert update["changes"]["location"] == location
    # A returning room is a lobby once nobody is in the game (status._returning_room_fields).
    room_after = "lobby" if room_status == "returning" and location != "game" else room_status
    assert Room.objects.values("version", "status").get(pk=scene.room.pk) == {
        "version": was.version + 1,
        "status": room_after,
    }
    assert member_row(scene) == {
        "current_location": location,
        "status": "in_game" if location == "game" else "connected",
        "is_connected": True,
        "in_game": location == "game",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("client", ["game", "lobby"])
async def test_a_socket_opening_puts_its_seat_in_the_game_only_while_the_room_plays_one(client, settings):
    settings.WS_DISCONNECT_GRACE_SECONDS = 0  # each scene's socket is a first connect, not a quick reconnect
    scene = await database_sync_to_async(make_scene)()
    me = str(scene.player_id)
    failures = Failures()
    for scene_state in SCENES:
        was = await database_sync_to_async(set_scene)(scene, *scene_state)
        tab = seat_socket(scene.code, scene.member.token, client=client)
        assert (await tab.connect())[0]
        try:
            update = await receive_until(
                tab, lambda m: m.get("event") == "player_connected" and m["changes"]["playerId"] == me
            )
            with failures.case(scene_id(scene_state)):
                await database_sync_to_async(check_connect)(scene, scene_state, client, was, update)
        finally:
            await tab.disconnect()
    failures.assert_none()
