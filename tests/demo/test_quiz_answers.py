"""Quick Quiz's server side: same questions for the run, answers checked one at a time, game end."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from demo import quiz
from demo.quiz_services import _seed
from rooms import services
from rooms.models import Room
from tests.factories import make_room, player_actor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_games(db):
    call_command("load_demo_data", stdout=io.StringIO())


def start_quiz(players: int = 2, rounds: int = 2):
    room, seats = make_room(players=players, game_slug="quiz")
    host = player_actor(seats[0])
    services.game_select(room=room, game_slug="quiz", settings={"rounds": rounds}, actor=host)
    services.game_start(room=room, actor=host)
    return Room.objects.get(pk=room.pk), seats


def post(path, seat, room, **body):
    payload = {"roomCode": room.room_code, "sessionToken": seat.token, **body}
    return Client().post(f"/games/quiz/{path}", json.dumps(payload), content_type="application/json")


def right_answers(room) -> list[int]:
    return [answer for _, _, answer in quiz.questions_for(_seed(room), quiz.rounds_for(room.game_settings))]


def test_every_player_of_a_run_gets_the_same_questions_without_their_answers():
    room, seats = start_quiz(rounds=3)
    first = post("questions", seats[0], room).json()
    second = post("questions", seats[1], room).json()
    assert first["questions"] == second["questions"] and len(first["questions"]) == 3
    assert set(first["questions"][0]) == {"index", "text", "choices"}
    assert first["answered"] == [] and first["questionSeconds"] == quiz.QUESTION_SECONDS


def test_right_answers_score_more_when_quicker_and_wrong_ones_nothing():
    room, seats = start_quiz(rounds=2)
    right = right_answers(room)
    quick = post("answer", seats[0], room, index=0, choice=right[0], timeMs=0).json()
    assert quick["feedback"] == {"index": 0, "correct": True, "points": 1000, "rightChoice": right[0]}
    wrong = post("answer", seats[0], room, index=1, choice=(right[1] + 1) % 4, timeMs=2000).json()
    assert wrong["feedback"]["correct"] is False and wrong["feedback"]["points"] == 0
    slow = post("answer", seats[1], room, index=0, choice=right[0], timeMs=quiz.QUESTION_SECONDS * 1000).json()
    assert slow["feedback"]["points"] == quiz.MIN_POINTS


def test_answers_come_in_order_and_a_repeated_answer_keeps_the_first():
    room, seats = start_quiz(rounds=2)
    right = right_answers(room)
    skipped = post("answer", seats[0], room, index=1, choice=0, timeMs=100)
    assert skipped.status_code == 400 and skipped.json()["field"] == "index"
    first = post("answer", seats[0], room, index=0, choice=right[0], timeMs=100).json()
    retry = post("answer", seats[0], room, index=0, choice=(right[0] + 1) % 4, timeMs=100).json()
    assert retry["alreadySubmitted"] is True and retry["feedback"] == first["feedback"]
    assert post("questions", seats[0], room).json()["score"] == first["entry"]["score"]


def test_the_last_answer_of_the_last_player_ends_the_game_ranked_by_score():
    room, seats = start_quiz(rounds=2)
    right = right_answers(room)
    for index in range(2):
        post("answer", seats[0], room, index=index, choice=(right[index] + 1) % 4, timeMs=500)
    outcome = None
    for index in range(2):
        outcome = post("answer", seats[1], room, index=index, choice=right[index], timeMs=500).json()
    assert outcome["gameEnded"] is True
    result = Room.objects.get(pk=room.pk).metadata["lastGameResult"]
    assert result["game"] == "quiz" and [r["name"] for r in result["ranking"]] == ["Player 1", "Host"]
    assert result["ranking"][0]["correct"] == 2 and result["summary"].startswith("Player 1 wins Quick Quiz")


def test_a_token_from_another_room_gets_no_questions():
    room, seats = start_quiz()
    _, strangers = start_quiz()
    assert post("questions", strangers[0], room).status_code == 403
    assert post("answer", strangers[0], room, index=0, choice=0, timeMs=1).status_code == 403
