"""The original API v2's behaviours, built from our services (one state core).

Every change here is a call to rooms/ and players/ services under their room lock, so it
is versioned, recorded, broadcast after commit and authorised exactly like our own API.
What lives here are only the original's rules that have no home elsewhere: the games'
status words, ignoring the `disconnected` reports games send while their players go back
to the lobby, returning a room from a game page, session recovery, and the return link's
seat-by-name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from gamebuddies.actors import Actor, ActorKind
from gamebuddies.errors import (
    InvalidSessionError,
    PlayerNotFoundError,
    RoomClosedError,
    RoomNotFoundError,
    ValidationError,
)
from players.claims import claim_issue
from players.models import PlayerSession, SessionStatus
from players.names import clean_display_name
from players.selectors import session_get_active
from players.services import IssuedSession, session_issue
from rooms import services as room_services
from rooms.locks import lock_room, members_of_locked_room
from rooms.models import Location, MemberRole, PlayerStatus, Room, RoomMember, RoomStatus
from rooms.permissions import authorize_room, require_self
from rooms.selectors import member_get, normalize_room_code, room_get_live

from . import words
from .errors import RoomNotAvailableError, WrongGameTypeError

# The original's return window: after a return, games report their players `disconnected`
# as they leave for the lobby; those reports are not news and must not unseat anyone.
RETURN_WINDOW_SECONDS = 15
# How long after a game ended a player may be seated back by name from the return link
# (when their browser lost the seat cookie): long enough for a slow results screen.
REJOIN_GRACE_SECONDS = 120


def player_uuid(value) -> uuid.UUID:
    """A path or body player id; anything that is not one of ours is simply not in the room."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise PlayerNotFoundError() from None


def _stamp(room: Room, name: str) -> datetime | None:
    raw = (room.metadata or {}).get(name)
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _game_ended_at(room: Room) -> datetime | None:
    """When the room's last game ended (game_end stamps it); None while a newer one runs."""
    ended, started = _stamp(room, "gameEndedAt"), _stamp(room, "gameStartedAt")
    if ended is None or (started is not None and started > ended):
        return None
    return ended


def ended_within(room: Room, seconds: int) -> bool:
    ended = _game_ended_at(room)
    return ended is not None and timezone.now() - ended <= timedelta(seconds=seconds)


def history_reason(word: str, reason: str | None, label: str) -> str:
    """The game's own status word and reason, kept in the status history (PlayerStatusHistory.reason)."""
    parts = [word] + ([reason] if reason else [])
    return f"{': '.join(parts)} ({label})"[:200]


# -- room lookups --------------------------------------------------------------------
def _ended_room(code: str, actor: Actor) -> Room:
    """The latest ended room with this code, if this actor may know of it; else ROOM_NOT_FOUND."""
    ended = Room.objects.filter(room_code=normalize_room_code(code)).order_by("-created_at").first()
    if ended is None or (actor.game_slug and ended.current_game_id != actor.game_slug):
        raise RoomNotFoundError()
    return ended


def room_for_validation(*, code: str, actor: Actor) -> Room:
    """The original's validate checks: found (404), live (400 ROOM_NOT_AVAILABLE), this key's
    game (400 WRONG_GAME_TYPE with expectedGame and actualGame, as the original answered).

    WRONG_GAME_TYPE is this route's only exception to the platform's rule that another game's
    room does not exist for a bound key (authorize_room); the view counts it toward the
    code-guessing limit like an unknown code. An ended room of another game stays ROOM_NOT_FOUND.
    """
    try:
        room = room_get_live(code=code)
    except RoomClosedError:
        raise RoomNotAvailableError(room_status=_ended_room(code, actor).status) from None
    if actor.kind == ActorKind.API_KEY and actor.game_slug and room.current_game_id != actor.game_slug:
        raise WrongGameTypeError(expected_game=actor.game_slug, actual_game=room.current_game_id)
    authorize_room(actor, room)
    return room


def actor_for_session(token, *, room_code: str | None = None) -> tuple[Actor, PlayerSession]:
    """A player's session token as the actor (401 INVALID_SESSION when it is not an active one)."""
    session = session_get_active(token=token)
    if room_code is not None and session.room.room_code != normalize_room_code(room_code):
        raise InvalidSessionError("This session belongs to another room")
    return Actor.player(player_id=session.player_id, room_id=session.room_id), session


# -- status ----------------------------------------------------------------------------
@dataclass
class StatusOutcome:
    word: str
    location: str
    member: RoomMember
    ignored: bool = False
    version: int | None = None
    update_id: int | None = None


def report_status(
    *, room_code: str, player_id, word, location, metadata: dict, reason: str | None, actor: Actor, label: str
) -> StatusOutcome:
    """One status report in a game's words; `disconnected` while going back to the lobby is ignored."""
    status, location = words.resolve(word, location)
    player_id = player_uuid(player_id)
    if status == PlayerStatus.DISCONNECTED:
        room = room_get_live(code=room_code)
        authorize_room(actor, room)
        require_self(actor, player_id)
        member = member_get(room=room, player_id=player_id)
        if member is None:
            raise PlayerNotFoundError()
        if member.current_location == Location.LOBBY or ended_within(room, RETURN_WINDOW_SECONDS):
            return StatusOutcome(word=word, location=member.current_location, member=member, ignored=True)
    result = room_services.update_player_status(
        room=room_code,
        player_id=player_id,
        status=status,
        location=location,
        metadata=metadata,
        actor=actor,
        reason=history_reason(word, reason, label),
    )
    return StatusOutcome(
        word=word,
        location=result.member.current_location,
        member=result.member,
        version=result.change.version,
        update_id=result.change.event_id,
    )


@dataclass
class BulkOutcome:
    version: int
    players: list[dict]
    game_state_version: int | None
    returned: bool


@transaction.atomic
def bulk_report(
    *, room_code: str, rows: list[dict], reason: str | None, game_state, return_to_lobby: bool, actor: Actor
) -> BulkOutcome:
    """The original's bulk update, all or nothing: the rows, the game state and the return commit together."""
    bulk_rows, echoed = [], []
    for index, row in enumerate(rows):
        word = row.get("status")
        location = row.get("location") or (None if word else Location.LOBBY)  # the original's default
        try:
            status, location = words.resolve(word or words.DEFAULT_WORD_FOR[location], location)
        except ValidationError as exc:
            exc.field = f"players[{index}].{exc.field}"
            raise
        except KeyError:
            raise ValidationError(
                f"location must be one of {', '.join(words.VALID_LOCATIONS)}",
                field=f"players[{index}].location",
                details={"validLocations": words.VALID_LOCATIONS},
            ) from None
        try:
            player_id = player_uuid(row["playerId"])
        except PlayerNotFoundError:
            raise PlayerNotFoundError(
                f"Player {row['playerId']} is not in this room", field=f"players[{index}].playerId"
            )
        game_data = {**(row.get("gameData") or {})}
        bulk_rows.append(
            room_services.BulkRow(player_id=player_id, location=location, status=status, game_data=game_data)
        )
        echoed.append({"playerId": str(player_id), "success": True, "location": location, "status": word or status})
    change = room_services.bulk_update_status(
        room=room_code, rows=bulk_rows, actor=actor, reason=reason or "Bulk update"
    )
    version, saved = change.version, None
    if game_state is not None:
        game = actor.game_slug or change.room.current_game_id
        if not game:
            raise ValidationError("The room has no game to save gameState for", field="gameState")
        saved = room_services.game_state_save(room=change.room, game_slug=game, state=game_state, actor=actor).version
    if return_to_lobby:
        version = room_services.game_end(
            room=change.room, actor=actor, result={"reason": reason or "bulk returnToLobby"}, return_players=True
        ).version
    return BulkOutcome(version=version, players=echoed, game_state_version=saved, returned=return_to_lobby)


# -- returning to the lobby ---------------------------------------------------------------
@dataclass
class ReturnOutcome:
    room: Room
    players_returned: int
    version: int
    everyone: bool
    member: RoomMember | None = None  # the one player returned, when not everyone


def return_claim(outcome: ReturnOutcome) -> str | None:
    """A one-time seat claim for the one player returned: their return link seats them in any
    browser, once (the original put a session token in that link; a claim code is single use)."""
    if outcome.member is None:
        return None
    return claim_issue(player=outcome.member.player, room=outcome.room)


def return_all(*, room_code: str, actor: Actor, reason: str = "return_all", extra: dict | None = None) -> ReturnOutcome:
    """Every player in the game back to the lobby and the room a lobby, in one version.

    The host needs no fixing: our rooms always have one while anyone is seated (the role
    passes on when the host leaves), which is what the original's host repair ensured.
    """
    result = room_services.game_end(
        room=room_code, actor=actor, result={"reason": reason, **(extra or {})}, return_players=True
    )
    room = result.change.room if result.change else room_get_live(code=room_code)
    return ReturnOutcome(room=room, players_returned=result.players_returned, version=result.version, everyone=True)


def external_return(
    *, room_code: str, actor: Actor, return_all_players: bool, player_id, reason: str, extra: dict
) -> ReturnOutcome:
    """A game page or server sends its players back.

    With an API key: everyone (returnAll) or the named player. With a player's session only:
    everyone if it is the host's session, else just that player.
    """
    everyone = return_all_players
    if actor.kind == ActorKind.PLAYER:
        room = room_get_live(code=room_code)
        authorize_room(actor, room)
        me = member_get(room=room, player_id=actor.player_id)
        if me is None:
            raise InvalidSessionError()
        everyone = everyone and me.role == MemberRole.HOST
        target = actor.player_id
    elif not everyone:
        if not player_id:
            raise ValidationError("playerId is required when returnAll is false", field="playerId")
        target = player_uuid(player_id)
    if everyone:
        return return_all(room_code=room_code, actor=actor, reason=reason, extra=extra)
    result = room_services.update_player_status(
        room=room_code,
        player_id=target,
        status=PlayerStatus.LOBBY,
        location=Location.LOBBY,
        actor=actor,
        reason=f"external return: {reason}"[:200],
    )
    return ReturnOutcome(
        room=result.change.room,
        players_returned=1,
        version=result.change.version,
        everyone=False,
        member=result.member,
    )


def should_return(room: Room) -> bool:
    """For games that poll: the platform has taken the room out of the game (ended, returned)."""
    return room.status != RoomStatus.IN_GAME and ended_within(room, REJOIN_GRACE_SECONDS)


# -- room upkeep ---------------------------------------------------------------------------
@transaction.atomic
def room_sync(*, room_code: str, actor: Actor) -> tuple[int, int]:
    """Send the authoritative snapshot to every client again, as a versioned change: (version, players)."""
    locked = lock_room(room_code)
    authorize_room(actor, locked)
    members = members_of_locked_room(locked)
    change = room_services.commit_room_change(
        room=locked, event="room_synced", actor=actor, changes={"reason": "sync requested"}
    )
    return change.version, len(members)


@dataclass
class AbandonOutcome:
    status: str
    abandoned: bool


@transaction.atomic
def game_room_abandon(*, room_code: str, actor: Actor, reason: str) -> AbandonOutcome:
    """The game deleted its own room. Nobody left in the lobby: the room is abandoned, as in the
    original. Players waiting in the lobby keep it: the game just ends for those still in it.
    A room that has already ended answers its status (a retried abandon is not an error)."""
    try:
        locked = lock_room(room_code)
    except RoomClosedError:
        ended = _ended_room(room_code, actor)
        return AbandonOutcome(status=ended.status, abandoned=False)
    authorize_room(actor, locked)
    members = members_of_locked_room(locked)
    if any(m.current_location == Location.LOBBY for m in members.values()):
        room_services.game_end(room=locked, actor=actor, result={"abandoned": reason}, return_players=True)
        return AbandonOutcome(status=Room.objects.get(pk=locked.pk).status, abandoned=False)
    # Abandoning is the platform's own act; the key was authorised on the room just above.
    platform = Actor.system(f"game room abandoned via API: {actor.label}"[:100])
    room_services.room_abandon(room=locked, actor=platform, reason=reason)
    return AbandonOutcome(status=RoomStatus.ABANDONED, abandoned=True)


# -- sessions ------------------------------------------------------------------------------
@dataclass
class Recovered:
    issued: IssuedSession
    member: RoomMember
    room: Room


@transaction.atomic
def session_recover(*, token) -> Recovered:
    """A new token for the seat of an active one (after a reload); the old token stops working."""
    session = session_get_active(token=token)
    try:
        locked = lock_room(session.room)
    except RoomClosedError:
        raise InvalidSessionError() from None
    # Re-read under the lock: two recoveries of one token must not both succeed.
    if not PlayerSession.objects.filter(pk=session.pk, status=SessionStatus.ACTIVE).exists():
        raise InvalidSessionError()
    member = members_of_locked_room(locked).get(session.player_id)
    if member is None:
        raise InvalidSessionError()
    return Recovered(issued=session_issue(player=session.player, room=locked), member=member, room=locked)


def lobby_claim_for_token(*, code: str, token) -> str | None:
    """`/lobby/<CODE>?session=<token>`: a claim for the token's seat in that room, or None."""
    try:
        session = session_get_active(token=token)
    except InvalidSessionError:
        return None
    room = session.room
    if room.room_code != normalize_room_code(code) or not room.is_live:
        return None
    if member_get(room=room, player_id=session.player_id) is None:
        return None
    return claim_issue(player=session.player, room=room)


# -- the original return link: /?rejoin=<CODE>&name=<NAME>&fromGame=true --------------------
@dataclass
class Rejoined:
    room: Room
    member: RoomMember
    token: str
    new_token: bool


def rejoin(*, room: Room, name: str, cookie_token: str | None, from_game: bool) -> Rejoined | None:
    """Seat a player coming back from a game: by their seat cookie, else by name while the game
    has just ended (or is still running and they are in it). None: no seat to give back.

    A seat is given by name only if nobody is sitting in it in the lobby right now, so a name
    cannot take over a present player's seat.
    """
    seat = _seat_by_cookie(room, cookie_token) or _seat_by_name(room, name)
    if seat is None:
        return None
    member, token, new_token = seat
    if from_game and member.current_location == Location.GAME:
        # Back in the lobby for everyone, as one versioned, broadcast change.
        result = room_services.update_player_status(
            room=room,
            player_id=member.player_id,
            status=PlayerStatus.LOBBY,
            location=Location.LOBBY,
            actor=Actor.player(player_id=member.player_id, room_id=room.pk),
            reason="returned from the game",
        )
        member = result.member
    return Rejoined(room=room, member=member, token=token, new_token=new_token)


def _seat_by_cookie(room: Room, token: str | None):
    if not token:
        return None
    try:
        session = session_get_active(token=token)
    except InvalidSessionError:
        return None
    member = member_get(room=room, player_id=session.player_id) if session.room_id == room.pk else None
    return (member, token, False) if member is not None else None


@transaction.atomic
def _seat_by_name(room: Room, name: str):
    try:
        wanted = clean_display_name(name).casefold()
    except ValidationError:
        return None
    locked = lock_room(room)
    member = next(
        (m for m in members_of_locked_room(locked).values() if m.player.display_name.casefold() == wanted),
        None,
    )
    if member is None or member.current_location == Location.LOBBY:
        return None
    in_the_game = (
        locked.status in (RoomStatus.IN_GAME, RoomStatus.RETURNING) and member.current_location == Location.GAME
    )
    if not (in_the_game or ended_within(locked, REJOIN_GRACE_SECONDS)):
        return None
    issued = session_issue(player=member.player, room=locked)
    return member, issued.token, True
