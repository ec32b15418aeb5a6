"""The demo games' server side: record each player's result, end the game when all are done.

This is what an external game's server does through the Game API, done here with the
same services the API calls: the player's session token is checked
(`session_get_active`, like `POST /sessions/validate`), results are kept as versioned
game state (`game_state_save`, like `PUT /game-state`), and the game is ended with
`game_end` (like `POST /game-end`), which returns every player to the lobby with the
result in `room.metadata.lastGameResult`.

A game run is identified by the room's `gameStartedAt`, so a second game in the same
room starts from an empty result table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType

from django.db import transaction
from django.utils import timezone

from gamebuddies.actors import Actor
from gamebuddies.errors import (
    GameNotFoundError,
    InvalidRoomStateError,
    PlayerNotFoundError,
)
from players.models import PlayerSession
from players.selectors import session_get_active
from rooms.models import Location, MemberRole, Room, RoomMember, RoomStatus
from rooms.permissions import require_participant, require_session_in_room
from rooms.selectors import game_state_latest, member_get, normalize_room_code, room_members
from rooms.services import game_end, game_state_save, lock_room

from . import quiz, reaction

GAMES: dict[str, ModuleType] = {reaction.SLUG: reaction, quiz.SLUG: quiz}
# Ends games on behalf of the demo's "game server", like an API key would.
GAME_SERVER = Actor.system("demo-games")


def rules_for(slug: str) -> ModuleType:
    try:
        return GAMES[slug]
    except KeyError:
        raise GameNotFoundError(f"No demo game {slug}") from None


@dataclass
class Outcome:
    """What a player's page learns after submitting or checking."""

    entry: dict | None = None
    already_submitted: bool = False
    game_ended: bool = False
    result: dict | None = None
    waiting_for: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "accepted": self.entry is not None,
            "alreadySubmitted": self.already_submitted,
            "entry": self.entry,
            "gameEnded": self.game_ended,
            "result": self.result,
            "waitingFor": self.waiting_for,
        }


def player_session(*, token, room_code) -> PlayerSession:
    """The caller's active session, which must belong to the room they name."""
    session = session_get_active(token=token)
    require_session_in_room(session, room_code=normalize_room_code(room_code if isinstance(room_code, str) else ""))
    return session


def run_id(room: Room) -> str:
    return str((room.metadata or {}).get("gameStartedAt") or "")


def results_of_run(room: Room, rules) -> tuple[dict, int]:
    """(results by player id, game-state version) for the room's current run."""
    latest = game_state_latest(room=room, game_slug=rules.SLUG)
    if latest is None:
        return {}, 0
    state = latest.state if isinstance(latest.state, dict) else {}
    results = state.get("results") if state.get("run") == run_id(room) else None
    return dict(results or {}), latest.version


def is_running(room: Room, rules) -> bool:
    return room.status == RoomStatus.IN_GAME and room.current_game_id == rules.SLUG


def ensure_running(room: Room, rules) -> None:
    if is_running(room, rules):
        return
    last = (room.metadata or {}).get("lastGameResult") or {}
    if room.status == RoomStatus.LOBBY and last.get("game") == rules.SLUG:
        raise InvalidRoomStateError("This game has already ended; the results are in the lobby")
    raise InvalidRoomStateError(f"{rules.NAME} is not running in this room")


def playing_member(room: Room, player_id) -> RoomMember:
    """The caller's seat, if it may play (spectators watch)."""
    member = member_get(room=room, player_id=player_id)
    if member is None:
        raise PlayerNotFoundError()
    player = Actor.player(player_id=player_id, room_id=room.pk)
    require_participant(player, member, message="Spectators watch the game; they do not send results")
    return member


def _still_playing(room: Room, results: dict) -> list[RoomMember]:
    """Connected participants in the game who have not finished yet."""
    return [
        m
        for m in room_members(room=room)
        if m.role != MemberRole.SPECTATOR
        and m.is_connected
        and m.current_location == Location.GAME
        and not results.get(str(m.player_id), {}).get("finished")
    ]


def deadline_passed(room: Room, rules, *, now: datetime | None = None) -> bool:
    started = (room.metadata or {}).get("gameStartedAt")
    try:
        started_at = datetime.fromisoformat(started)
    except (TypeError, ValueError):
        return True  # no start time recorded: nothing to wait for
    limit = timedelta(seconds=rules.deadline_seconds(room.game_settings))
    return (now or timezone.now()) >= started_at + limit


def build_result(rules, results: dict, *, ended_by: str, now: datetime | None = None) -> dict:
    """The `gameResult` the lobby shows: ranking best first (ties share a rank), winner, summary."""
    ordered = sorted(results.items(), key=lambda item: rules.sort_key(item[1]))
    ranking, previous_key, rank = [], None, 0
    for position, (player_id, entry) in enumerate(ordered, start=1):
        key = rules.sort_key(entry)
        if key != previous_key:
            rank, previous_key = position, key
        ranking.append(
            {
                "rank": rank,
                "playerId": player_id,
                "name": entry["name"],
                "display": rules.display(entry),
                **rules.ranking_fields(entry),
            }
        )
    winners = [row for row in ranking if row["rank"] == 1]
    if not winners:
        summary = f"{rules.NAME} ended before anyone finished."
    elif len(winners) > 1:
        summary = f"{rules.NAME}: a tie between {', '.join(w['name'] for w in winners)} ({winners[0]['display']})."
    else:
        summary = f"{winners[0]['name']} wins {rules.NAME} ({winners[0]['display']})."
    return {
        "game": rules.SLUG,
        "gameName": rules.NAME,
        "ranking": ranking,
        "winner": {k: winners[0][k] for k in ("playerId", "name", "display")} if winners else None,
        "summary": summary,
        "endedBy": ended_by,
        "endedAt": (now or timezone.now()).isoformat(),
    }


def end_if_done(room: Room, rules, results: dict, *, now: datetime | None = None) -> Outcome:
    waiting = _still_playing(room, results)
    timed_out = bool(waiting) and deadline_passed(room, rules, now=now)
    if waiting and not timed_out:
        return Outcome(waiting_for=[str(m.player_id) for m in waiting])
    result = build_result(rules, results, ended_by="time_limit" if timed_out else "all_finished", now=now)
    game_end(room=room, actor=GAME_SERVER, result=result)
    return Outcome(game_ended=True, result=result)


def _finished(room: Room) -> Outcome:
    return Outcome(game_ended=True, result=(room.metadata or {}).get("lastGameResult"))


@transaction.atomic
def result_submit(*, game: str, session_token, room_code, payload: dict) -> Outcome:
    """Record the caller's result once (a repeat returns the first), then end the game if all are done."""
    rules = rules_for(game)
    session = player_session(token=session_token, room_code=room_code)
    room = lock_room(session.room_id)  # one submission per room at a time: no lost results
    ensure_running(room, rules)
    member = playing_member(room, session.player_id)
    results, version = results_of_run(room, rules)
    key = str(member.player_id)
    already = key in results
    if not already:
        scored = rules.score(payload, settings=room.game_settings, seed=f"{room.pk}:{run_id(room)}")
        results[key] = {"name": member.player.display_name, **scored, "finished": True}
        game_state_save(
            room=room,
            game_slug=rules.SLUG,
            state={"run": run_id(room), "results": results},
            actor=GAME_SERVER,
            expected_version=version,
        )
    outcome = end_if_done(room, rules, results)
    outcome.entry, outcome.already_submitted = results[key], already
    return outcome


@transaction.atomic
def result_check(*, game: str, session_token, room_code, now: datetime | None = None) -> Outcome:
    """Called by waiting pages: end the game once nobody is still playing, or when time is up."""
    rules = rules_for(game)
    session = player_session(token=session_token, room_code=room_code)
    room = lock_room(session.room_id)
    if not is_running(room, rules):
        return _finished(room)
    results, _ = results_of_run(room, rules)
    outcome = end_if_done(room, rules, results, now=now)
    outcome.entry = results.get(str(session.player_id))
    return outcome
