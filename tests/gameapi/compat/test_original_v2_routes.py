"""The original API v2 under /api/v2/game/, called as the original games call it."""

from __future__ import annotations

import uuid

import pytest

from gameapi.compat import words
from players.models import PlayerStatusHistory
from rooms import services
from rooms.models import GameState, Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room

from ..client import make_key
from .original_games import RawClient, base, playing_room

pytestmark = pytest.mark.django_db


def member(seat) -> RoomMember:
    return RoomMember.objects.get(pk=seat.member.pk)


def version(room) -> int:
    return Room.objects.get(pk=room.pk).version


# -- validate --------------------------------------------------------------------------
def test_validate_answers_room_participant_connected_participants_and_session_validity(game):
    room, seats = playing_room()
    services.game_state_save(room=room.pk, game_slug="quiz", state={"round": 2}, actor=SYSTEM)
    response = game.get(f"{base(room)}/validate", playerId=str(seats[1].player.pk), sessionToken=seats[1].token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["valid"], body["version"]) == (True, "2.0")
    assert body["room"]["code"] == room.room_code and body["room"]["gameType"] == "quiz"
    assert (body["room"]["status"], body["room"]["currentPlayers"]) == ("in_game", 3)
    assert body["participant"]["id"] == str(seats[1].player.pk)
    assert body["participant"]["sessionValid"] is True and body["sessionInfo"] == {"valid": True}
    assert body["participant"]["currentLocation"] == "game" and body["participant"]["isHost"] is False
    assert {p["id"] for p in body["participants"]} == {str(s.player.pk) for s in seats}
    assert body["gameState"]["data"] == {"round": 2} and body["gameState"]["version"] == 1


def test_validate_finds_the_participant_by_name_and_says_a_wrong_token_is_not_valid(game):
    room, seats = playing_room()
    response = game.get(f"{base(room)}/validate", playerName="player 1", sessionToken=seats[0].token)
    body = response.json()
    assert body["participant"]["id"] == str(seats[1].player.pk)
    assert body["participant"]["sessionValid"] is False and body["sessionInfo"] == {"valid": False}
    assert game.get(f"{base(room)}/validate").json()["sessionInfo"] is None


def test_validate_leaves_disconnected_players_out_of_participants(game):
    room, seats = playing_room()
    services.update_player_status(room=room.pk, player_id=seats[2].player.pk, status="disconnected", actor=SYSTEM)
    body = game.get(f"{base(room)}/validate").json()
    assert str(seats[2].player.pk) not in {p["id"] for p in body["participants"]}
    assert body["room"]["currentPlayers"] == 2


def test_validate_unknown_room_is_404_valid_false_room_not_found(game):
    response = game.get("/api/v2/game/rooms/QQQQQQ/validate")
    assert response.status_code == 404
    body = response.json()
    assert (body["valid"], body["success"], body["code"]) == (False, False, "ROOM_NOT_FOUND")
    assert body["error"] and body["requestId"] == response["X-Request-Id"]


def test_validate_ended_room_is_400_room_not_available_with_allowed_statuses(game):
    room, _ = playing_room()
    services.room_close(room=room.pk, actor=SYSTEM)
    body = game.get(f"{base(room)}/validate").json()
    assert body["code"] == "ROOM_NOT_AVAILABLE" and body["valid"] is False
    assert body["status"] == "finished" and body["allowedStatuses"] == ["lobby", "in_game", "returning"]


def test_validate_room_of_another_game_is_400_wrong_game_type_naming_both_games(db, quiz_game):
    # The original's answer (issue 20); every other route keeps ROOM_NOT_FOUND for such a room.
    from rooms.models import Game

    Game.objects.create(slug="ddf", name="DDF", launch_url="https://ddf.example/")
    raw, _ = make_key(game_slug="ddf", service="ddf")
    room, _ = playing_room()
    response = RawClient(raw).get(f"{base(room)}/validate")
    assert response.status_code == 400
    body = response.json()
    assert (body["valid"], body["code"], body["success"]) == (False, "WRONG_GAME_TYPE", False)
    assert (body["expectedGame"], body["actualGame"]) == ("ddf", "quiz")
    assert RawClient(raw).post(f"{base(room)}/sync").json()["code"] == "ROOM_NOT_FOUND"
    services.room_close(room=room.pk, actor=SYSTEM)
    assert RawClient(raw).get(f"{base(room)}/validate").json()["code"] == "ROOM_NOT_FOUND"


def test_wrong_game_type_answers_count_toward_the_code_guessing_limit_like_unknown_codes(db, quiz_game, settings):
    from rooms.models import Game

    settings.ROOM_CODE_GUESS_RATE = "3/m"
    Game.objects.create(slug="ddf", name="DDF", launch_url="https://ddf.example/")
    raw, _ = make_key(game_slug="ddf", service="ddf")
    room, _ = playing_room()
    client = RawClient(raw)
    answers = [client.get(f"{base(room)}/validate").status_code for _ in range(3)]
    assert answers == [400, 400, 400]
    # The limit is spent: another game's room, an unknown code and even the key's own game's rooms are refused.
    assert client.get(f"{base(room)}/validate").status_code == 429
    assert client.get("/api/v2/game/rooms/ZZZZZZ/validate").status_code == 429


def test_unbound_key_validates_a_room_of_any_game(db, quiz_game):
    raw, _ = make_key(service="any")
    room, _ = playing_room()
    assert RawClient(raw).get(f"{base(room)}/validate").status_code == 200


# -- status in the games' own words ------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "location", "expected"),
    [
        ("in-game", "game", ("game", "in_game")),
        ("playing", None, ("game", "in_game")),
        ("eliminated", "game", ("game", "in_game")),
        ("in_game", None, ("game", "in_game")),
        ("connected", None, ("game", "connected")),
        ("returned-to-lobby", "lobby", ("lobby", "lobby")),
        ("in-lobby", None, ("lobby", "lobby")),
        ("lobby", None, ("lobby", "lobby")),
    ],
)
def test_status_words_of_existing_games_put_the_player_where_the_location_says(game, word, location, expected):
    room, seats = playing_room()
    body = {"status": word, "reason": "round over", "gameData": {"score": 7}}
    if location:
        body["location"] = location
    response = game.post(f"{base(room)}/players/{seats[1].player.pk}/status", body)
    assert response.status_code == 200, response.content
    ack = response.json()
    assert ack["success"] is True and ack["updated"]["status"] == word and ack["updated"]["location"] == expected[0]
    assert (ack["conflicts"], ack["sessionToken"], ack["queued"]) == ([], None, False)
    assert ack["roomVersion"] == version(room)
    seat = member(seats[1])
    assert (seat.current_location, seat.status) == expected and seat.game_data["score"] == 7
    history = PlayerStatusHistory.objects.filter(player_id=seats[1].player.pk).latest("id")
    assert history.reason.startswith(f"{word}: round over")


def test_status_accepts_null_game_data_as_the_unified_server_sends_it(game):
    room, seats = playing_room()
    response = game.post(
        f"{base(room)}/players/{seats[1].player.pk}/status",
        {"status": "finished", "location": "game", "reason": "Game finished", "gameData": None},
    )
    assert response.status_code == 200, response.content


def test_unknown_status_word_is_400_with_valid_statuses_and_changes_nothing(game):
    room, seats = playing_room()
    before = version(room)
    response = game.post(f"{base(room)}/players/{seats[1].player.pk}/status", {"status": "dancing"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR" and body["validStatuses"] == words.VALID_STATUSES
    response = game.post(
        f"{base(room)}/players/{seats[1].player.pk}/status", {"status": "connected", "location": "moon"}
    )
    assert response.json()["validLocations"] == ["lobby", "game", "disconnected"]
    assert version(room) == before


def test_disconnected_for_a_player_already_back_in_the_lobby_is_ignored(game):
    room, seats = playing_room()
    services.update_player_status(room=room.pk, player_id=seats[1].player.pk, status="lobby", actor=SYSTEM)
    before = version(room)
    response = game.post(f"{base(room)}/players/{seats[1].player.pk}/status", {"status": "disconnected"})
    assert response.status_code == 200 and response.json()["ignored"] is True
    assert member(seats[1]).current_location == "lobby" and version(room) == before


def test_disconnected_inside_the_return_window_is_ignored_and_outside_it_applies(game):
    room, seats = playing_room()
    response = game.post(f"{base(room)}/players/{seats[2].player.pk}/status", {"status": "disconnected"})
    assert response.json()["ignored"] is False and member(seats[2]).current_location == "disconnected"
    assert game.post(f"{base(room)}/return-all").status_code == 200
    response = game.post(f"{base(room)}/players/{seats[1].player.pk}/status", {"status": "disconnected"})
    assert response.json()["ignored"] is True and member(seats[1]).current_location == "lobby"


def test_connected_without_a_location_after_the_game_ended_keeps_the_player_in_the_lobby(game):
    room, seats = playing_room()
    services.game_end(room=room.pk, actor=SYSTEM)
    response = game.post(f"{base(room)}/players/{seats[1].player.pk}/status", {"status": "connected"})
    assert response.status_code == 200 and response.json()["updated"]["location"] == "lobby"
    assert member(seats[1]).current_location == "lobby"


def test_the_return_window_closes_when_the_next_game_starts(game):
    room, seats = playing_room()
    game.post(f"{base(room)}/return-all")
    services.game_start(room=room.pk, actor=SYSTEM)
    response = game.post(f"{base(room)}/players/{seats[1].player.pk}/status", {"status": "disconnected"})
    assert response.json()["ignored"] is False and member(seats[1]).current_location == "disconnected"


def test_legacy_v1_status_route_takes_connected_and_disconnected(game):
    room, seats = playing_room()
    path = f"/api/game/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    assert game.post(path, {"status": "disconnected"}).status_code == 200
    assert member(seats[1]).current_location == "disconnected"
    assert game.post(path, {"status": "connected"}).status_code == 200
    assert member(seats[1]).current_location == "game"


def test_disconnect_beacon_with_the_players_token_as_text_plain_is_accepted_for_that_player_only(anon):
    room, seats = playing_room()
    path = f"{base(room)}/players/{seats[1].player.pk}/status"
    beacon = {"status": "disconnected", "reason": "page unload", "sessionToken": seats[1].token}
    response = anon.post(path, beacon, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200, response.content
    assert member(seats[1]).current_location == "disconnected"
    other = f"{base(room)}/players/{seats[2].player.pk}/status"
    response = anon.post(other, beacon, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    response = anon.post(other, {"status": "disconnected"}, content_type="text/plain")
    assert response.status_code == 401 and response.json()["code"] == "INVALID_API_KEY"
    assert member(seats[2]).current_location == "game"


def test_status_through_compat_needs_the_same_scope_as_our_api(db, quiz_game):
    raw, _ = make_key(game_slug="quiz", scopes=["rooms:read"])
    room, seats = playing_room()
    response = RawClient(raw).post(f"{base(room)}/players/{seats[1].player.pk}/status", {"status": "in-game"})
    assert response.status_code == 403 and response.json()["code"] == "INSUFFICIENT_SCOPE"


def test_compat_writes_are_idempotent_with_our_idempotency_key(game):
    room, seats = playing_room()
    path = f"{base(room)}/players/{seats[1].player.pk}/status"
    headers = {"Idempotency-Key": "beat-1"}
    first = game.post(path, {"status": "eliminated", "gameData": {"n": 1}}, headers=headers)
    again = game.post(path, {"status": "eliminated", "gameData": {"n": 1}}, headers=headers)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert RoomEvent.objects.filter(room=room, event_type="player_status_changed").count() == 1


def test_compat_status_counts_in_our_status_rate_tier(db, quiz_game):
    raw, _ = make_key(game_slug="quiz", rate_limits={"status": "2/m"})
    room, seats = playing_room()
    client = RawClient(raw)
    for word in ("playing", "eliminated"):
        assert client.post(f"{base(room)}/players/{seats[1].player.pk}/status", {"status": word}).status_code == 200
    ours = f"/api/v2/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    response = client.post(ours, {"status": "in_game"})
    assert response.status_code == 429 and response.json()["code"] == "RATE_LIMITED"


# -- heartbeat, bulk, game end, return-all, sync -------------------------------------------
def test_heartbeat_answers_next_heartbeat_in_ms(game, settings):
    settings.HEARTBEAT_INTERVAL_MS = 20000
    room, seats = playing_room()
    response = game.post(f"{base(room)}/players/{seats[1].player.pk}/heartbeat", {"metadata": {"fps": 60}})
    assert response.status_code == 200 and response.json()["nextHeartbeat"] == 20000


def test_bulk_status_with_game_state_and_return_to_lobby_commits_together(game):
    room, seats = playing_room()
    body = {
        "reason": "round over",
        "players": [
            {"playerId": str(seats[1].player.pk), "location": "game", "gameData": {"score": 3}},
            {"playerId": str(seats[2].player.pk), "gameData": {"score": 1}},
        ],
        "gameState": {"round": 3},
        "returnToLobby": True,
    }
    response = game.post(f"{base(room)}/bulk-status", body)
    assert response.status_code == 200, response.content
    ack = response.json()
    assert ack["summary"] == {"total": 2, "successful": 2, "failed": 0} and ack["errors"] == []
    assert ack["gameStateSaved"] is True and ack["returnInitiated"] is True
    assert Room.objects.get(pk=room.pk).status == "lobby"
    assert {m.current_location for m in RoomMember.objects.filter(room=room)} == {"lobby"}
    assert member(seats[1]).game_data["score"] == 3
    assert GameState.objects.get(room=room).state == {"round": 3}


def test_bulk_status_with_one_bad_row_changes_nothing(game):
    room, seats = playing_room()
    before = version(room)
    body = {
        "players": [{"playerId": str(seats[1].player.pk), "location": "lobby"}, {"playerId": str(uuid.uuid4())}],
        "gameState": {"round": 9},
    }
    response = game.post(f"{base(room)}/bulk-status", body)
    assert response.status_code == 404 and response.json()["field"] == "players[1].playerId"
    assert version(room) == before and not GameState.objects.exists()
    assert member(seats[1]).current_location == "game"


def test_game_end_returns_the_players(game):
    room, _ = playing_room()
    response = game.post(f"{base(room)}/game-end", {"gameResult": {"winner": "Host"}})
    assert response.status_code == 200
    assert response.json()["success"] is True and response.json()["playersReturned"] == 3
    assert Room.objects.get(pk=room.pk).status == "lobby"


def test_return_all_brings_everyone_to_the_lobby_with_the_host_kept(game):
    room, seats = playing_room()
    response = game.post(f"{base(room)}/return-all")
    body = response.json()
    assert (body["success"], body["roomCode"], body["roomStatus"], body["updated"]) == (
        True,
        room.room_code,
        "lobby",
        3,
    )
    assert member(seats[0]).role == "host"
    assert RoomEvent.objects.filter(room=room, event_type="game_ended").count() == 1


def test_sync_rebroadcasts_the_snapshot_as_a_new_version(game):
    room, _ = playing_room()
    before = version(room)
    body = game.post(f"{base(room)}/sync").json()
    assert (body["success"], body["synced"], body["playersCount"]) == (True, True, 3)
    assert body["roomVersion"] == version(room) == before + 1


# -- sessions, health, abandon, account features -----------------------------------------------
def test_session_recovery_issues_a_new_token_and_retires_the_old_one(anon):
    room, seats = playing_room()
    response = anon.post("/api/v2/game/sessions/recover", {"sessionToken": seats[1].token, "socketId": "s1"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True and body["newSessionToken"] != seats[1].token
    state = body["playerState"]
    assert (state["playerId"], state["roomCode"], state["currentLocation"]) == (
        str(seats[1].player.pk),
        room.room_code,
        "game",
    )
    again = anon.post("/api/v2/game/sessions/recover", {"sessionToken": seats[1].token})
    assert again.status_code == 401 and again.json()["code"] == "INVALID_SESSION"
    lookup = anon.get(f"/api/game-sessions/{body['newSessionToken']}")
    assert lookup.json()["playerId"] == str(seats[1].player.pk)


def test_health_answers_the_original_features(anon):
    body = anon.get("/api/v2/game/health").json()
    assert (body["status"], body["version"]) == ("healthy", "2.0")
    assert "session_recovery" in body["features"] and body["timestamp"].endswith("Z")


def test_abandon_of_a_room_nobody_is_waiting_in_abandons_it(game):
    room, seats = playing_room()
    response = game.post(f"{base(room)}/abandon", {"reason": "game_room_deleted"})
    assert response.status_code == 200
    body = response.json()
    assert (body["success"], body["status"], body["reason"]) == (True, "abandoned", "game_room_deleted")
    assert Room.objects.get(pk=room.pk).status == "abandoned"


def test_abandon_of_a_room_that_already_ended_answers_its_status(game):
    room, _ = playing_room()
    assert game.post(f"{base(room)}/abandon", {"reason": "first"}).json()["abandoned"] is True
    again = game.post(f"{base(room)}/abandon", {"reason": "retry"})
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["abandoned"]) == ("abandoned", False)


def test_abandon_keeps_a_room_whose_players_wait_in_the_lobby(game):
    room, seats = playing_room()
    services.update_player_status(room=room.pk, player_id=seats[0].player.pk, status="lobby", actor=SYSTEM)
    body = game.post(f"{base(room)}/abandon", {"reason": "game_room_deleted"}).json()
    assert body["abandoned"] is False and body["status"] == "lobby"
    assert {m.current_location for m in RoomMember.objects.filter(room=room)} == {"lobby"}


def test_abandon_of_an_unknown_room_is_404_room_not_found(game):
    response = game.post("/api/v2/game/rooms/QQQQQQ/abandon", {"reason": "x"})
    assert response.status_code == 404 and response.json()["code"] == "ROOM_NOT_FOUND"


def test_account_features_answer_honestly_and_grant_nothing(game):
    assert game.get(f"/api/v2/game/users/{uuid.uuid4()}/friends").json() == {
        "success": True,
        "friends": [],
        "supported": False,
    }
    for path in ("/api/v2/game/reward", "/api/v2/game/progress/event"):
        response = game.post(path, {"userId": "u", "amount": 10})
        assert response.status_code == 200
        assert (response.json()["success"], response.json()["code"]) == (False, "NOT_SUPPORTED")


def test_unknown_routes_under_game_still_answer_our_404_envelope(game):
    response = game.get("/api/v2/game/nothing-here")
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_make_room_helper_untouched():
    # The lobby-only room the status tests start from has nobody in the game.
    room, _ = make_room(players=2)
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"lobby"}


# -- OpenAPI -----------------------------------------------------------------------------
def test_compat_routes_have_their_own_schema_and_stay_out_of_ours(anon):
    from django.urls import URLPattern, URLResolver

    from gameapi.compat import urls

    compat = anon.get("/api/v2/game/schema/", format="json").json()
    described = set(compat["paths"])
    mounted = {"/api/v2/game/" + str(p.pattern) for p in urls.game_api_urlpatterns if str(p.pattern) != "schema/"}
    mounted |= {"/api/v2/" + str(p.pattern) for p in urls.api_v2_urlpatterns}
    mounted |= {"/" + str(p.pattern) for p in urls.site_urlpatterns if isinstance(p, URLPattern | URLResolver)}
    normalized = {m.replace("<str:", "{").replace(">", "}") for m in mounted if not m.startswith("/^lobby")}
    assert described == normalized
    assert all(op["tags"] == ["compat"] for item in compat["paths"].values() for op in item.values())
    ours = anon.get("/api/v2/schema/", format="json").json()
    assert not [p for p in ours["paths"] if p.startswith(("/api/v2/game/", "/api/game"))]
