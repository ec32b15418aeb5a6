"""Quick Quiz rules: the run's questions, what an answer is worth. Pure functions, no I/O.

Every player in a run gets the same questions (drawn from the bank with the run as
seed). Answers are checked here, one at a time, so the right answers never reach a
page before it has answered.
"""

from __future__ import annotations

import hashlib
import random

from gamebuddies.errors import ValidationError

from .quiz_questions import QUESTIONS
from .rounds import game_deadline_seconds, rounds_setting

SLUG = "quiz"
NAME = "Quick Quiz"
DEFAULT_ROUNDS = 3
MAX_ROUNDS = 10
QUESTION_SECONDS = 15
# A right answer is worth between these, more for answering sooner.
MIN_POINTS, MAX_POINTS = 500, 1000
START_GRACE_SECONDS = 20
SECONDS_PER_ROUND = QUESTION_SECONDS + 5


def rounds_for(settings: dict | None) -> int:
    return rounds_setting(settings, default=DEFAULT_ROUNDS, maximum=MAX_ROUNDS)


def deadline_seconds(settings: dict | None) -> int:
    return game_deadline_seconds(
        start_grace=START_GRACE_SECONDS, per_round=SECONDS_PER_ROUND, rounds=rounds_for(settings)
    )


def client_config(settings: dict | None = None) -> dict:
    return {
        "game": SLUG,
        "rounds": rounds_for(settings),
        "questionSeconds": QUESTION_SECONDS,
        "startGraceSeconds": START_GRACE_SECONDS,
        "secondsPerRound": SECONDS_PER_ROUND,
    }


def questions_for(seed: str, count: int) -> list[tuple[str, tuple[str, ...], int]]:
    """The run's questions: the same for every player of the run, different between runs."""
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    return rng.sample(QUESTIONS, min(count, len(QUESTIONS)))


def public_questions(seed: str, count: int) -> list[dict]:
    questions = questions_for(seed, count)
    return [{"index": i, "text": text, "choices": list(choices)} for i, (text, choices, _) in enumerate(questions)]


def new_entry(name: str) -> dict:
    return {"name": name, "answers": [], "score": 0, "correct": 0, "finished": False}


def answer(entry: dict, *, seed: str, count: int, index, choice, time_ms) -> tuple[dict, dict]:
    """(the entry with the next answer scored in, feedback for the page: right choice, points)."""
    questions = questions_for(seed, count)
    expected = len(entry["answers"])
    if isinstance(index, bool) or not isinstance(index, int) or index != expected:
        raise ValidationError(f"answer question {expected} next", field="index")
    if index >= len(questions):
        raise ValidationError("every question is answered already", field="index")
    if choice is not None and (isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice <= 3):
        raise ValidationError("choice must be 0-3, or null when time ran out", field="choice")
    if isinstance(time_ms, bool) or not isinstance(time_ms, int | float) or time_ms < 0:
        raise ValidationError("timeMs must be a number of milliseconds", field="timeMs")
    limit_ms = QUESTION_SECONDS * 1000
    time_ms = min(round(time_ms), limit_ms)
    right = questions[index][2]
    correct = choice == right
    points = round(MIN_POINTS + (MAX_POINTS - MIN_POINTS) * (1 - time_ms / limit_ms)) if correct else 0
    answers = [*entry["answers"], {"choice": choice, "correct": correct, "points": points, "timeMs": time_ms}]
    updated = {
        **entry,
        "answers": answers,
        "score": entry["score"] + points,
        "correct": entry["correct"] + correct,
        "finished": len(answers) == len(questions),
    }
    return updated, {"index": index, "correct": correct, "points": points, "rightChoice": right}


def score(payload: dict, *, settings: dict | None, seed: str = "") -> dict:
    raise ValidationError("Quick Quiz takes answers one at a time: POST /games/quiz/answer", field="body")


def sort_key(entry: dict) -> tuple:
    return (-entry["score"], -entry["correct"])


def display(entry: dict) -> str:
    points = f"{entry['score']:,}".replace(",", " ")
    # No brackets: the summary puts this in brackets ("Maya wins Quick Quiz (1 500 pts · 2/3 right).").
    return f"{points} pts · {entry['correct']}/{len(entry['answers'])} right"


def ranking_fields(entry: dict) -> dict:
    return {"score": entry["score"], "correct": entry["correct"]}
