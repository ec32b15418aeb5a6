"""Quick Quiz's server side: hand out the run's questions, check answers one at a time.

Built on the same pieces as Reaction Race (demo/services.py): the session token
decides who is asking, answers live in the room's versioned game state, and the
last player's last answer (or the time limit) ends the game for everyone.
"""

from __future__ import annotations

from django.db import transaction

from rooms.selectors import room_get
from rooms.services import game_state_save, lock_room

from . import quiz
from .services import (
    GAME_SERVER,
    Outcome,
    end_if_done,
    ensure_running,
    player_session,
    playing_member,
    results_of_run,
    run_id,
)


def _seed(room) -> str:
    return f"{room.pk}:{run_id(room)}"


def quiz_questions(*, session_token, room_code) -> dict:
    """The run's questions without answers, and what this player already answered (after a reload)."""
    session = player_session(token=session_token, room_code=room_code)
    room = room_get(room_id=session.room_id)
    ensure_running(room, quiz)
    count = quiz.rounds_for(room.game_settings)
    results, _ = results_of_run(room, quiz)
    entry = results.get(str(session.player_id))
    return {
        "questions": quiz.public_questions(_seed(room), count),
        "questionSeconds": quiz.QUESTION_SECONDS,
        "answered": entry["answers"] if entry else [],
        "score": entry["score"] if entry else 0,
    }


@transaction.atomic
def quiz_answer(*, session_token, room_code, index, choice, time_ms) -> tuple[Outcome, dict]:
    """Score the caller's next answer; a repeated answer (a retry) returns the stored one unchanged."""
    session = player_session(token=session_token, room_code=room_code)
    room = lock_room(session.room_id)
    ensure_running(room, quiz)
    member = playing_member(room, session.player_id)
    results, version = results_of_run(room, quiz)
    key = str(member.player_id)
    entry = results.get(key) or quiz.new_entry(member.player.display_name)
    seed, count = _seed(room), quiz.rounds_for(room.game_settings)
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(entry["answers"]):
        stored = entry["answers"][index]
        right = quiz.questions_for(seed, count)[index][2]
        feedback = {"index": index, "correct": stored["correct"], "points": stored["points"], "rightChoice": right}
        return Outcome(entry=entry, already_submitted=True), feedback
    entry, feedback = quiz.answer(entry, seed=seed, count=count, index=index, choice=choice, time_ms=time_ms)
    results[key] = entry
    game_state_save(
        room=room,
        game_slug=quiz.SLUG,
        state={"run": run_id(room), "results": results},
        actor=GAME_SERVER,
        expected_version=version,
    )
    outcome = end_if_done(room, quiz, results) if entry["finished"] else Outcome()
    outcome.entry = entry
    return outcome, feedback
