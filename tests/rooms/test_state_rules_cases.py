"""Issue 17's cases 2, 3 and 5, each the way it failed, and the PostgreSQL triggers behind the rule.

2. After game-end, a report of `in_game` answered 200 and put the player back "in game" in a
   lobby room; the browser SDK's progress report sent with the winning move did the same
   when it arrived just after `game_ended`.
3. bulk-status put players in the game while the room was a lobby, and game-end (which did
   nothing unless the room was in a game) left them there.
5. A heartbeat for a player whose browser had closed made them connected again.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from gamebuddies import pg
from players.models import PlayerStatusHistory
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from rooms.services.status import heartbeat_cache_key
from tests.factories import SYSTEM, make_room, player_actor
from tests.gameapi.client import ApiClient, assert_envelope, make_key
from tests.gameapi.fixtures import _request_log_flushed_by_tests  # noqa: F401 - autouse: no request-log rows here
from tests.gameapi.lean_client import asgi_request, settle

from .sockets import browser, receive_until, request
from .state_table import agreement_triggers_off, lean_path, seat_socket  # noqa: F401 - lean_path is a fixture

API = "/api/v2"


@pytest.fixture
def api(db) -> ApiClient:
    raw, _ = make_key(service="late-game")
    return ApiClient(raw)


def started(players: int = 2):
    room, seats = make_room(players=players, game_slug="quiz")
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    return Room.objects.get(pk=room.pk), seats


def ended(room) -> Room:
    services.game_end(room=room.pk, actor=SYSTEM, result={"winner": "Host"})
    return Room.objects.get(pk=room.pk)


def rows(room) -> dict:
    """Everything a refused report must leave as it was."""
    return {
        "room": Room.objects.values("status", "version").get(pk=room.pk),
        "members": list(
            RoomMember.objects.filter(room=room).order_by("pk").values("current_location", "status", "in_game")
        ),
        "history": PlayerStatusHistory.objects.filter(room=room).count(),
        "events": list(RoomEvent.objects.filter(room=room).values_list("room_version", "event_type")),
    }


# -- 2: reports for a game that has ended ------------------------------------------------------------
@pytest.mark.django_db
def test_in_game_report_after_game_end_is_409_room_not_in_game_and_changes_nothing(api, quiz_game):
    room, seats = started()
    room = ended(room)
    before = rows(room)
    response = api.post(
        f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status",
        {"status": "in_game", "location": "game", "metadata": {"score": 7}},
    )
    body = assert_envelope(response, "ROOM_NOT_IN_GAME", 409)
    assert body["details"] == {"roomStatus": "lobby"} and body["field"] == "location"
    assert body["retryable"] is False
    assert rows(room) == before
    assert before["events"][-1][1] == "game_ended"


@pytest.mark.usefixtures("lean_path")
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_in_game_report_after_game_end_is_refused_by_the_lean_path_too(quiz_game):
    raw_key, _ = await pg.run_orm(make_key, service="late-game")
    room, seats = await pg.run_orm(started)
    room = await pg.run_orm(ended, room)
    before = await pg.run_orm(rows, room)
    try:
        response = await asgi_request(
            "POST",
            f"{API}/rooms/{room.room_code}/players/{seats[1].player.pk}/status",
            body=json.dumps({"status": "in_game", "location": "game"}).encode(),
            headers={"X-API-Key": raw_key},
        )
    finally:
        await settle()
    assert response.status == 409
    assert (response.json()["code"], response.json()["details"]) == ("ROOM_NOT_IN_GAME", {"roomStatus": "lobby"})
    assert await pg.run_orm(rows, room) == before


@pytest.mark.django_db(transaction=True)
async def test_progress_report_arriving_just_after_game_end_cannot_pull_the_player_back(quiz_game):
    room, seats = await database_sync_to_async(started)()
    page = seat_socket(room.room_code, seats[1].token, client="game")
    assert (await page.connect())[0]
    try:
        await receive_until(page, lambda m: m.get("event") == "player_connected")
        # The game's server ends the game; the winning move's report is still on its way.
        room = await database_sync_to_async(ended)(room)
        before = await database_sync_to_async(rows)(room)
        ack = await request(page, "late", {"type": "updateStatus", "status": "in_game", "location": "game"})
        assert ack["success"] is False
        assert (ack["error"]["code"], ack["error"]["details"]) == ("ROOM_NOT_IN_GAME", {"roomStatus": "lobby"})
        after = await database_sync_to_async(rows)(room)
    finally:
        await page.disconnect()
    assert after == before
    assert after["events"][-1][1] == "game_ended", "nothing after the game ended"
    assert {m["current_location"] for m in after["members"]} == {"lobby"}


# -- 3: nobody stranded in the game of a lobby room ------------------------------------------------------
@pytest.mark.django_db
def test_bulk_status_into_the_game_while_the_room_is_a_lobby_is_refused_and_changes_nothing(api):
    room, seats = make_room(players=4)
    before = rows(room)
    players = [{"playerId": str(s.player.pk), "location": "game"} for s in seats]
    response = api.post(f"/rooms/{room.room_code}/bulk-status", {"players": players, "reason": "round 1"})
    body = assert_envelope(response, "ROOM_NOT_IN_GAME", 409)
    assert body["field"] == "players[0].location" and body["details"] == {"roomStatus": "lobby"}
    assert rows(room) == before


def strand_everyone(room) -> None:
    """What bulk-status used to do: everyone "in game" while the room stays a lobby. Written
    past the services, which refuse it; on PostgreSQL with the agreement triggers off, so the
    scene would survive a commit."""
    with transaction.atomic(), agreement_triggers_off():
        RoomMember.objects.filter(room=room).update(current_location="game", in_game=True, status="in_game")


@pytest.mark.django_db
def test_game_end_brings_every_stranded_player_back_in_one_version_and_a_retry_says_unchanged(api):
    room, seats = make_room(players=4)
    strand_everyone(room)
    version = Room.objects.get(pk=room.pk).version

    first = api.post(f"/rooms/{room.room_code}/game-end").json()
    assert first == {"success": True, "changed": True, "playersReturned": 4, "roomVersion": version + 1}
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", "status")) == {("lobby", "lobby")}
    assert Room.objects.get(pk=room.pk).status == "lobby"
    assert list(RoomEvent.objects.filter(room=room, room_version__gt=version).values_list("event_type")) == [
        ("game_ended",)
    ]
    history = PlayerStatusHistory.objects.filter(room=room, reason="game ended")
    assert sorted(history.values_list("player_id", flat=True)) == sorted(s.player.pk for s in seats)

    again = api.post(f"/rooms/{room.room_code}/game-end").json()
    assert again == {"success": True, "changed": False, "playersReturned": 0, "roomVersion": version + 1}
    assert Room.objects.get(pk=room.pk).version == version + 1


@pytest.mark.django_db
def test_game_end_with_return_players_false_still_returns_the_stranded_players_of_a_lobby_room(api):
    room, _ = make_room(players=3)
    strand_everyone(room)
    body = api.post(f"/rooms/{room.room_code}/game-end", {"returnPlayers": False}).json()
    assert (body["changed"], body["playersReturned"]) == (True, 3)
    assert Room.objects.get(pk=room.pk).status == "lobby"
    assert not RoomMember.objects.filter(room=room, current_location="game").exists()


@pytest.mark.django_db
def test_game_end_retried_with_return_players_false_changes_nothing_the_second_time(api, quiz_game):
    room, _ = started(players=3)
    path = f"/rooms/{room.room_code}/game-end"
    first = api.post(path, {"gameResult": {"winner": "Host"}, "returnPlayers": False}).json()
    assert (first["changed"], first["playersReturned"], first["roomVersion"]) == (True, 0, room.version + 1)
    again = api.post(path, {"gameResult": {"winner": "Host"}, "returnPlayers": False}).json()
    assert (again["changed"], again["roomVersion"]) == (False, first["roomVersion"])
    assert RoomEvent.objects.filter(room=room, event_type="game_ended").count() == 1  # one game.ended webhook
    final = api.post(path, {}).json()  # then everyone is brought back
    assert (final["changed"], final["playersReturned"], Room.objects.get(pk=room.pk).status) == (True, 3, "lobby")


# -- 5: heartbeats keep presence alive; they never bring anyone back ---------------------------------------
@pytest.mark.usefixtures("lean_path")
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_lean_heartbeat_for_a_disconnected_or_departed_player_is_409_and_changes_nothing():
    raw_key, _ = await pg.run_orm(make_key, service="ghost-game")
    room, seats = await pg.run_orm(make_room, players=3)
    gone, left = seats[1], seats[2]
    await pg.run_orm(
        services.update_player_status, room=room.pk, player_id=gone.player.pk, status="disconnected", actor=SYSTEM
    )
    await pg.run_orm(services.room_leave, room=room.pk, player_id=left.player.pk, actor=player_actor(left))

    def state():
        return rows(room), RoomMember.objects.values("is_connected", "last_ping").get(pk=gone.member.pk)

    before = await pg.run_orm(state)
    answers = []
    try:
        for seat in (gone, left, gone):  # and again: a game server that keeps beating
            response = await asgi_request(
                "POST",
                f"{API}/rooms/{room.room_code}/players/{seat.player.pk}/heartbeat",
                headers={"X-API-Key": raw_key},
            )
            answers.append((response.status, response.json()["code"]))
    finally:
        await settle()
    assert answers == [(409, "PLAYER_DISCONNECTED")] * 3
    assert await pg.run_orm(state) == before
    assert await database_sync_to_async(cache.get)(heartbeat_cache_key(gone.member.pk)) is None


@pytest.mark.django_db(transaction=True)
async def test_heartbeat_after_the_browser_closed_is_409_and_an_explicit_connected_report_brings_them_back(settings):
    settings.WS_DISCONNECT_GRACE_SECONDS = 0  # the close is applied at once (no reconnect grace)
    raw_key, _ = await database_sync_to_async(make_key)(service="ghost-game")
    room, seats = await database_sync_to_async(make_room)(players=2)
    tab = await browser(seats[1])
    await tab.disconnect()  # the browser closed: the lobby socket marks the seat disconnected
    member = await database_sync_to_async(RoomMember.objects.get)(pk=seats[1].member.pk)
    assert member.current_location == "disconnected"
    client = ApiClient(raw_key)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}"

    beat = await database_sync_to_async(client.post)(f"{path}/heartbeat")
    assert_envelope(beat, "PLAYER_DISCONNECTED", 409)
    still = await database_sync_to_async(RoomMember.objects.get)(pk=member.pk)
    assert (still.current_location, still.last_ping, still.version) == (
        "disconnected",
        member.last_ping,
        member.version,
    )

    back = await database_sync_to_async(client.post)(f"{path}/status", {"status": "connected"})
    assert back.status_code == 200 and back.json()["player"]["currentLocation"] == "lobby"
    assert (await database_sync_to_async(client.post)(f"{path}/heartbeat")).status_code == 200


# -- PostgreSQL backs the rule: raw SQL cannot strand a member either --------------------------------------
def violated_constraint(exc: IntegrityError) -> str:
    return exc.__cause__.diag.constraint_name


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE room_members SET current_location = 'game', in_game = true WHERE id = %(member)s",
        "INSERT INTO room_members (room_id, player_id, role, current_location, is_connected, is_ready, in_game, "
        "status, game_data, version, joined_at, last_ping) SELECT %(room)s, id, 'player', 'game', true, false, true, "
        "'in_game', '{}', 1, now(), now() FROM players WHERE id = %(stranger)s",
    ],
    ids=["update", "insert"],
)
@pytest.mark.usefixtures("transactional_db")
@pytest.mark.postgres
def test_raw_sql_putting_a_member_in_the_game_of_a_lobby_room_fails_at_commit(statement):
    room, seats = make_room(players=2)
    _, strangers = make_room()
    params = {"member": seats[1].member.pk, "room": room.pk, "stranger": strangers[0].player.pk}
    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)  # deferred: the statement itself goes through
            cursor.execute(
                "SELECT count(*) FROM room_members WHERE room_id = %s AND current_location = 'game'", [room.pk]
            )
            assert cursor.fetchone()[0] == 1
    assert violated_constraint(refused.value) == "room_members_game_needs_room_in_game"
    assert not RoomMember.objects.filter(room=room, current_location="game").exists()


@pytest.mark.usefixtures("transactional_db")
@pytest.mark.postgres
def test_raw_sql_moving_a_room_with_a_member_in_the_game_to_the_lobby_fails_at_commit(quiz_game):
    room, _ = started()
    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE rooms SET status = 'lobby' WHERE id = %s", [room.pk])
    assert violated_constraint(refused.value) == "rooms_lobby_has_nobody_in_game"
    assert Room.objects.get(pk=room.pk).status == "in_game"


@pytest.mark.usefixtures("transactional_db")
@pytest.mark.postgres
def test_raw_sql_that_keeps_room_and_members_in_agreement_commits_in_either_order():
    room, _ = make_room(players=2)
    with transaction.atomic(), connection.cursor() as cursor:  # a start: members first, then the room
        cursor.execute(
            "UPDATE room_members SET current_location = 'game', in_game = true WHERE room_id = %s", [room.pk]
        )
        cursor.execute("UPDATE rooms SET status = 'in_game' WHERE id = %s", [room.pk])
    with transaction.atomic(), connection.cursor() as cursor:  # an end: the room first, then the members
        cursor.execute("UPDATE rooms SET status = 'lobby' WHERE id = %s", [room.pk])
        cursor.execute(
            "UPDATE room_members SET current_location = 'lobby', in_game = false WHERE room_id = %s", [room.pk]
        )
    assert Room.objects.get(pk=room.pk).status == "lobby"
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"lobby"}


# -- a returning room is a lobby once nobody is left in the game, however they left it ---------------------
@pytest.mark.django_db(transaction=True)
async def test_players_coming_back_through_the_lobby_page_end_a_returning_room(quiz_game, api):
    room, seats = await database_sync_to_async(started)()
    body = (
        await database_sync_to_async(api.post)(f"/rooms/{room.room_code}/game-end", {"returnPlayers": False})
    ).json()
    assert (body["changed"], body["playersReturned"]) == (True, 0)
    tabs = []
    try:
        for seat in seats:  # the browser SDK's returnToLobby() in a returning room: the lobby page opens
            tabs.append(await browser(seat))
        final = await database_sync_to_async(Room.objects.get)(pk=room.pk)
    finally:
        for tab in tabs:
            await tab.disconnect()
    assert final.status == "lobby", "everyone is back: the room must be able to start the next game"


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["leave", "kick"])
def test_the_last_player_in_the_game_leaving_ends_a_returning_room(quiz_game, how):
    room, seats = started(players=3)
    services.game_end(room=room.pk, actor=SYSTEM, return_players=False)
    for seat in seats[:2]:
        services.update_player_status(room=room.pk, player_id=seat.player.pk, status="lobby", actor=SYSTEM)
    assert Room.objects.get(pk=room.pk).status == "returning"
    last = seats[2]
    if how == "leave":
        services.room_leave(room=room.pk, player_id=last.player.pk, actor=player_actor(last))
    else:
        services.member_kick(room=room.pk, target_player_id=last.player.pk, actor=player_actor(seats[0]))
    assert Room.objects.get(pk=room.pk).status == "lobby"
