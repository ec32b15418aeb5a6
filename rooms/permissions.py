"""Who may do what to a room: the one place these rules live.

Services call them for every change, selectors for reads on behalf of an actor
(`room_get_for_actor`), and the pages, the socket and the demo games for a session: a
player's session acts only in its own room, spectators change nothing, host actions need
the host, and a game-bound API key touches only its game and that game's rooms.
"""

from __future__ import annotations

from gamebuddies.actors import Actor, ActorKind
from gamebuddies.errors import ForbiddenError, RoomNotFoundError

from .models import MemberRole, Room, RoomMember

SESSION_OF_ANOTHER_ROOM = "This session belongs to another room"


def authorize_room(actor: Actor, room: Room, *, visitors_allowed: bool = False) -> None:
    """May this actor act on this room at all? Visitors only where the caller says so (joining)."""
    if actor.kind == ActorKind.VISITOR and not visitors_allowed:
        raise ForbiddenError("Join the room first")
    if actor.kind == ActorKind.PLAYER and actor.room_id != room.pk:
        raise ForbiddenError(SESSION_OF_ANOTHER_ROOM)
    if actor.kind == ActorKind.API_KEY and actor.game_slug and room.current_game_id != actor.game_slug:
        # For a key bound to another game this room does not exist: the answer an unknown code
        # gets, so a key cannot learn which codes are live rooms of other games (issue 18, info).
        raise RoomNotFoundError()


def require_session_in_room(session, *, room: Room | None = None, room_code: str | None = None) -> None:
    """A player's session (players.models.PlayerSession) acts only in the room it was issued for:
    `room` as found, or the (normalised) code the client named. A code is reused once its room
    has closed, so a code match alone does not make the room live; callers check that."""
    in_room = session.room_id == room.pk if room is not None else session.room.room_code == room_code
    if not in_room:
        raise ForbiddenError(SESSION_OF_ANOTHER_ROOM)


def require_game_binding(actor: Actor, game_slug: str | None) -> str | None:
    """A key bound to a game acts for that game only; returns the game the request is about
    (the one named, or a bound key's own when none is)."""
    if actor.kind != ActorKind.API_KEY or not actor.game_slug:
        return game_slug
    if game_slug and game_slug != actor.game_slug:
        raise ForbiddenError("This API key is bound to another game", field="game")
    return actor.game_slug


def acting_member(actor: Actor, members_by_player: dict) -> RoomMember | None:
    """The actor's own seat (players only); a player without a seat may do nothing."""
    if actor.kind != ActorKind.PLAYER:
        return None
    member = members_by_player.get(actor.player_id)
    if member is None:
        raise ForbiddenError("You are not in this room")
    return member


def require_participant(
    actor: Actor, member: RoomMember | None, *, message: str = "Spectators can watch but not change the room"
) -> None:
    """Spectators (and players without a seat) change nothing; `message` says what they tried."""
    if actor.kind == ActorKind.PLAYER and (member is None or member.role == MemberRole.SPECTATOR):
        raise ForbiddenError(message)


def require_host(actor: Actor, member: RoomMember | None) -> None:
    if actor.kind == ActorKind.PLAYER and (member is None or member.role != MemberRole.HOST):
        raise ForbiddenError("Only the host can do that")
    if actor.kind == ActorKind.API_KEY:
        raise ForbiddenError("Host actions are for the host and staff")


def require_host_or_game_server(actor: Actor, member: RoomMember | None) -> None:
    """Starting a game: the host, staff, or the game's own server (an API key, which
    authorize_room has already bound to the room's game)."""
    if actor.kind == ActorKind.API_KEY:
        return
    require_host(actor, member)


def require_platform(actor: Actor, *, message: str = "Only the platform can do that") -> None:
    """Upkeep only the platform itself (staff, the worker) may do."""
    if actor.kind not in (ActorKind.STAFF, ActorKind.SYSTEM):
        raise ForbiddenError(message)


def require_integration(actor: Actor) -> None:
    """Changes made on behalf of a game (bulk status, game state): API keys, staff or the platform."""
    if actor.kind in (ActorKind.PLAYER, ActorKind.VISITOR):
        raise ForbiddenError("Only the game's server can do that")


def require_self(actor: Actor, target_player_id) -> None:
    """Players change only their own status; keys, staff and the system may change anyone's."""
    if actor.kind == ActorKind.PLAYER and actor.player_id != target_player_id:
        raise ForbiddenError("Players can only change their own status")


def require_staff_permission(actor: Actor, permission: str) -> None:
    """Staff change things only with the admin permission for that change ("rooms.close_room").

    The platform itself (system actor) always may; other actors are governed by the rules above.
    """
    if actor.kind == ActorKind.STAFF and permission not in actor.permissions:
        raise ForbiddenError("Your staff account does not have the permission for this")


def require_chat_sender(actor: Actor, member: RoomMember | None, *, spectators_allowed: bool) -> None:
    """Lobby chat: players and the host write; spectators only when the host allows it."""
    if actor.kind != ActorKind.PLAYER:
        raise ForbiddenError("Chat is for the people in the room")
    if member is None:
        raise ForbiddenError("You are not in this room")
    if member.role == MemberRole.SPECTATOR and not spectators_allowed:
        raise ForbiddenError("Spectators can read the chat; the host has not let them write")
