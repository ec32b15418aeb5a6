"""Reaction Race's server side: results checked by session token, scored, kept, and the game ended."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from demo import services as demo_services
from rooms import services
from rooms.models import GameState, Room, RoomMember
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db

RESULTS = "/games/reaction/results"
CHECK = "/games/reaction/check"


@pytest.fixture(autouse=True)
def demo_games(db):
    call_command("load_demo_data", stdout=io.StringIO())


def start_reaction(players: int = 3, rounds: int = 3):
    room, seats = make_room(players=players, game_slug="reaction")
    host = player_actor(seats[0])
    services.game_select(room=room, game_slug="reaction", settings={"rounds": rounds}, actor=host)
    services.game_start(room=room, actor=host)
    return Room.objects.get(pk=room.pk), seats


def rounds_of(*times, false_start_at=()):
    return [{"timeMs": t, "falseStart": i in false_start_at} for i, t in enumerate(times)]


def post(path, seat, room, **body):
    payload = {"roomCode": room.room_code, "sessionToken": seat.token, **body}
    return Client().post(path, json.dumps(payload), content_type="application/json")


def room_now(room) -> Room:
    return Room.objects.get(pk=room.pk)


def test_a_result_is_scored_by_the_server_and_the_game_waits_for_the_others():
    room, seats = start_reaction(players=3)
    response = post(RESULTS, seats[1], room, rounds=rounds_of(250, 300, 200))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] and not body["gameEnded"] and body["result"] is None
    assert body["entry"]["timeMs"] == 750 and body["entry"]["bestMs"] == 200
    assert set(body["waitingFor"]) == {str(seats[0].player.pk), str(seats[2].player.pk)}
    assert room_now(room).status == "in_game"
    saved = GameState.objects.get(room=room, game_id="reaction")
    assert saved.state["run"] == room.metadata["gameStartedAt"]
    assert saved.state["results"][str(seats[1].player.pk)]["name"] == "Player 1"


def test_the_last_result_ends_the_game_with_a_ranking_and_returns_everyone_to_the_lobby():
    room, seats = start_reaction(players=3)
    post(RESULTS, seats[0], room, rounds=rounds_of(400, 400, 400))
    post(RESULTS, seats[2], room, rounds=rounds_of(200, 220, 240))
    last = post(RESULTS, seats[1], room, rounds=rounds_of(300, 300, 300))
    assert last.status_code == 200
    body = last.json()
    assert body["gameEnded"] is True

    after = room_now(room)
    assert after.status == "lobby"
    result = after.metadata["lastGameResult"]
    assert result == body["result"]
    assert result["game"] == "reaction" and result["endedBy"] == "all_finished"
    assert [(r["rank"], r["name"], r["timeMs"]) for r in result["ranking"]] == [
        (1, "Player 2", 660),
        (2, "Player 1", 900),
        (3, "Host", 1200),
    ]
    assert result["winner"]["playerId"] == str(seats[2].player.pk)
    assert result["summary"] == "Player 2 wins Reaction Race (660 ms)."
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"lobby"}


def test_false_starts_misses_and_inhuman_times_are_penalised_by_the_server():
    room, seats = start_reaction(players=2, rounds=4)
    body = post(RESULTS, seats[0], room, rounds=rounds_of(250, 30, None, 5000, false_start_at=(0,))).json()
    assert body["entry"]["rounds"][0]["outcome"] == "false_start"  # pressed before the signal
    assert body["entry"]["rounds"][1]["outcome"] == "false_start"  # 30 ms is anticipation, not reaction
    assert [r["outcome"] for r in body["entry"]["rounds"][2:]] == ["miss", "miss"]
    assert body["entry"]["timeMs"] == 1000 + 1000 + 3000 + 3000
    assert body["entry"]["falseStarts"] == 2 and body["entry"]["bestMs"] is None


def test_a_token_from_another_room_is_refused_and_changes_nothing():
    room, seats = start_reaction(players=2)
    _, strangers = start_reaction(players=2)
    response = post(RESULTS, strangers[1], room, rounds=rounds_of(200, 200, 200))
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert not GameState.objects.filter(room=room).exists()


def test_a_missing_or_unknown_token_is_refused():
    room, seats = start_reaction(players=2)
    for token in (None, "gbs_made-up"):
        response = Client().post(
            RESULTS,
            json.dumps({"roomCode": room.room_code, "sessionToken": token, "rounds": rounds_of(1, 2, 3)}),
            content_type="application/json",
        )
        assert response.status_code == 401 and response.json()["code"] == "INVALID_SESSION"


def test_the_wrong_number_of_rounds_or_bad_values_name_the_field():
    room, seats = start_reaction(players=2, rounds=3)
    short = post(RESULTS, seats[0], room, rounds=rounds_of(200, 200))
    assert short.status_code == 400 and short.json()["field"] == "rounds"
    bad = post(RESULTS, seats[0], room, rounds=[{"timeMs": "fast"}, {"timeMs": 1}, {"timeMs": 1}])
    assert bad.status_code == 400 and bad.json()["field"] == "rounds[0].timeMs"
    not_json = Client().post(RESULTS, "{", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json()["code"] == "VALIDATION_ERROR"


def test_a_second_submission_keeps_the_first_result():
    room, seats = start_reaction(players=2)
    first = post(RESULTS, seats[0], room, rounds=rounds_of(300, 300, 300)).json()
    again = post(RESULTS, seats[0], room, rounds=rounds_of(101, 101, 101)).json()
    assert again["alreadySubmitted"] is True and again["entry"]["timeMs"] == first["entry"]["timeMs"] == 900
    assert GameState.objects.filter(room=room).count() == 1


def test_spectators_cannot_send_results():
    room, seats = start_reaction(players=2)
    watcher = services.room_join(room=room.room_code, display_name="Watcher", actor=SYSTEM, role="spectator")
    response = post(RESULTS, watcher, room, rounds=rounds_of(200, 200, 200))
    assert response.status_code == 403


def test_players_who_went_back_to_the_lobby_are_not_waited_for():
    room, seats = start_reaction(players=3)
    services.update_player_status(
        room=room.pk, player_id=seats[2].player.pk, status="returning", location="lobby", actor=player_actor(seats[2])
    )
    post(RESULTS, seats[0], room, rounds=rounds_of(300, 300, 300))
    body = post(RESULTS, seats[1], room, rounds=rounds_of(250, 250, 250)).json()
    assert body["gameEnded"] is True
    assert [r["name"] for r in room_now(room).metadata["lastGameResult"]["ranking"]] == ["Player 1", "Host"]


def test_a_check_ends_the_game_only_once_everyone_left_is_done():
    room, seats = start_reaction(players=2)
    post(RESULTS, seats[0], room, rounds=rounds_of(300, 300, 300))
    waiting = post(CHECK, seats[0], room).json()
    assert waiting["gameEnded"] is False and waiting["waitingFor"] == [str(seats[1].player.pk)]
    assert room_now(room).status == "in_game"
    # The straggler closes the game tab and goes back to the lobby: nobody is left to wait for.
    services.update_player_status(
        room=room.pk, player_id=seats[1].player.pk, status="lobby", location="lobby", actor=player_actor(seats[1])
    )
    ended = post(CHECK, seats[0], room).json()
    assert ended["gameEnded"] is True and ended["result"]["ranking"][0]["name"] == "Host"
    assert room_now(room).status == "lobby"


def test_after_the_time_limit_a_check_ends_the_game_with_the_results_so_far():
    room, seats = start_reaction(players=3, rounds=3)
    post(RESULTS, seats[1], room, rounds=rounds_of(300, 300, 300))
    started = room.metadata["gameStartedAt"]
    limit = demo_services.reaction.deadline_seconds({"rounds": 3})
    early = timezone.datetime.fromisoformat(started) + timedelta(seconds=limit - 1)
    outcome = demo_services.result_check(
        game="reaction", session_token=seats[1].token, room_code=room.room_code, now=early
    )
    assert outcome.game_ended is False
    late = early + timedelta(seconds=2)
    outcome = demo_services.result_check(
        game="reaction", session_token=seats[1].token, room_code=room.room_code, now=late
    )
    assert outcome.game_ended is True and outcome.result["endedBy"] == "time_limit"
    assert [r["name"] for r in outcome.result["ranking"]] == ["Player 1"]
    assert room_now(room).status == "lobby"


def test_a_result_after_the_game_ended_is_refused():
    room, seats = start_reaction(players=2)
    services.game_end(room=room, actor=SYSTEM, result={"endedBy": "host"})
    response = post(RESULTS, seats[0], room, rounds=rounds_of(200, 200, 200))
    assert response.status_code == 409 and response.json()["code"] == "INVALID_ROOM_STATE"


def test_a_new_game_in_the_same_room_starts_with_an_empty_result_table():
    room, seats = start_reaction(players=2)
    post(RESULTS, seats[0], room, rounds=rounds_of(300, 300, 300))
    post(RESULTS, seats[1], room, rounds=rounds_of(200, 200, 200))
    assert room_now(room).status == "lobby"
    services.game_start(room=room, actor=player_actor(seats[0]))
    room = room_now(room)
    body = post(RESULTS, seats[1], room, rounds=rounds_of(500, 500, 500)).json()
    assert body["alreadySubmitted"] is False and body["gameEnded"] is False
    assert body["waitingFor"] == [str(seats[0].player.pk)]


def test_the_game_page_is_a_static_shell_under_the_strict_csp():
    response = Client().get("/games/reaction/?roomCode=ABCDEF&playerId=x&sessionToken=gbs_x&role=player")
    assert response.status_code == 200
    html = response.content.decode()
    assert "gbs_x" not in html, "the token is read by the page's script, never rendered"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '<script type="module" src="/static/demo/reaction.js">' in html
    assert "<script>" not in html and " style=" not in html
