"""Seats in a room: join, leave, kick, host changes, ready, presence."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gamebuddies.actors import Actor, ActorKind
from gamebuddies.errors import InvalidRoomStateError, PlayerNotFoundError, RoomFullError, ValidationError
from gamebuddies.limits import MAX_SPECTATORS
from players.avatars import clean_avatar, clean_avatar_colour
from players.blocks import kick_block_record, kick_blocks_lift
from players.names import clean_display_name, ensure_name_free
from players.services import player_create, player_profile_update, session_issue, session_revoke_all

from ..locks import RoomRef, lock_room, members_of_locked_room
from ..models import Location, MemberRole, PlayerStatus, Room, RoomMember, RoomStatus
from ..permissions import (
    acting_member,
    authorize_room,
    require_host,
    require_participant,
    require_platform,
    require_self,
    require_staff_permission,
)
from .changes import RoomChange, commit_room_change
from .lifecycle import SeatResult

UNSET = object()  # member_set_profile: "not sent", unlike None ("no avatar")


def _pick_successor(members: dict, *, excluding=None) -> RoomMember | None:
    """Earliest-joined connected participant: deterministic, like Photon's lowest actor."""
    candidates = [
        m for m in members.values() if m.player_id != excluding and m.is_connected and m.role != MemberRole.SPECTATOR
    ]
    return min(candidates, key=lambda m: (m.joined_at, m.pk), default=None)


def _make_host(room: Room, successor: RoomMember, previous: RoomMember | None) -> dict:
    """Role updates for a host change; returns the room fields to set with the bump."""
    if previous is not None:
        RoomMember.objects.filter(pk=previous.pk).update(role=MemberRole.PLAYER)
    RoomMember.objects.filter(pk=successor.pk).update(role=MemberRole.HOST)
    return {"host_id": successor.player_id}


@transaction.atomic
def room_join(
    *,
    room: RoomRef,
    display_name: str,
    actor: Actor,
    role: str = MemberRole.PLAYER,
    avatar: str | None = None,
    avatar_colour: int | None = None,
) -> SeatResult:
    """Seat a new player (or spectator).

    A returning player is recognised by their session (cookie or token) before this is
    called and simply resumes their seat; this always creates a new seat.
    """
    if role not in (MemberRole.PLAYER, MemberRole.SPECTATOR):
        raise ValidationError("role must be player or spectator", field="role")
    locked = lock_room(room)
    authorize_room(actor, locked, visitors_allowed=True)
    members = members_of_locked_room(locked)
    participants = sum(1 for m in members.values() if m.role != MemberRole.SPECTATOR)
    if role == MemberRole.PLAYER and participants >= locked.max_players:
        raise RoomFullError()
    if role == MemberRole.SPECTATOR and len(members) - participants >= MAX_SPECTATORS:
        raise RoomFullError("This room has as many spectators as it can take")
    # One name per look: under the room lock, so two joins cannot both take "Alice".
    name = clean_display_name(display_name)
    ensure_name_free(name, [m.player.display_name for m in members.values()])
    player = player_create(display_name=name, avatar=avatar, avatar_colour=avatar_colour)
    member = RoomMember.objects.create(
        room=locked,
        player=player,
        role=role,
        status=PlayerStatus.CONNECTED,
        is_connected=True,
        current_location=Location.LOBBY,
        last_ping=timezone.now(),
    )
    session = session_issue(player=player, room=locked)
    change = commit_room_change(
        room=locked,
        event="player_joined",
        actor=actor,
        player_id=player.pk,
        changes={"playerId": str(player.pk), "name": player.display_name, "role": role},
    )
    return SeatResult(change=change, member=member, player=player, session=session)


def _remove_member(*, locked: Room, members: dict, target: RoomMember) -> dict:
    """Delete a seat and revoke its sessions; returns room fields (host, status) to update."""
    target.delete()
    session_revoke_all(player_id=target.player_id, room_id=locked.pk)
    remaining = {pid: m for pid, m in members.items() if pid != target.player_id}
    fields: dict = {}
    if target.role == MemberRole.HOST:
        successor = _pick_successor(remaining) or min(
            (m for m in remaining.values() if m.role != MemberRole.SPECTATOR),
            key=lambda m: (m.joined_at, m.pk),
            default=None,
        )
        fields["host_id"] = None
        if successor is not None:
            fields.update(_make_host(locked, successor, previous=None))
    if not remaining:
        fields["status"] = RoomStatus.ABANDONED
    else:
        fields.update(returning_room_done(locked, (m.current_location for m in remaining.values())))
    return fields


def returning_room_done(room: Room, locations) -> dict:
    """A room waiting for its players to come back from a game becomes a lobby once nobody is
    in the game (`locations`: every member's, after the change), however they left it."""
    if room.status == RoomStatus.RETURNING and Location.GAME not in set(locations):
        return {"status": RoomStatus.LOBBY}
    return {}


def _lock_own_seat(room: RoomRef, actor: Actor, player_id):
    """The locked room, its members and the actor's own seat (a player acting on themself)."""
    locked = lock_room(room)
    authorize_room(actor, locked)
    require_self(actor, player_id)
    members = members_of_locked_room(locked)
    target = members.get(player_id)
    if target is None:
        raise PlayerNotFoundError()
    return locked, members, target


@transaction.atomic
def room_leave(*, room: RoomRef, player_id, actor: Actor) -> RoomChange:
    locked, members, target = _lock_own_seat(room, actor, player_id)
    fields = _remove_member(locked=locked, members=members, target=target)
    return commit_room_change(
        room=locked,
        event="player_left",
        actor=actor,
        player_id=player_id,
        changes={"playerId": str(player_id), "newHostId": _str_or_none(fields.get("host_id", locked.host_id))},
        room_fields=fields,
    )


def _host_acts_on(room: RoomRef, actor: Actor, target_player_id):
    """Lock the room for a host action on another seat: (room, members, acting seat, target seat)."""
    locked = lock_room(room)
    authorize_room(actor, locked)
    members = members_of_locked_room(locked)
    me = acting_member(actor, members)
    if actor.kind not in (ActorKind.STAFF, ActorKind.SYSTEM):
        require_host(actor, me)
    target = members.get(target_player_id)
    if target is None:
        raise PlayerNotFoundError(field="playerId")
    return locked, members, me, target


@transaction.atomic
def member_kick(*, room: RoomRef, target_player_id, actor: Actor) -> RoomChange:
    """The host (or staff) removes a player; their session is revoked so the old cookie is dead."""
    require_staff_permission(actor, "rooms.kick_member")
    locked, members, me, target = _host_acts_on(room, actor, target_player_id)
    if me is not None and target.player_id == me.player_id:
        raise ValidationError("Use leave to leave the room", field="playerId")
    kick_block_record(player_id=target.player_id, room=locked)  # before _remove_member revokes the sessions
    fields = _remove_member(locked=locked, members=members, target=target)
    return commit_room_change(
        room=locked,
        event="player_kicked",
        actor=actor,
        player_id=target_player_id,
        changes={"playerId": str(target_player_id), "kickedPlayerId": str(target_player_id)},
        room_fields=fields,
    )


@transaction.atomic
def member_unblock(*, room: RoomRef, player_id, actor: Actor) -> int:
    """The host (or staff) lets a kicked player's browser take a seat again before the block ends."""
    require_staff_permission(actor, "rooms.kick_member")
    locked = lock_room(room)
    authorize_room(actor, locked)
    me = acting_member(actor, members_of_locked_room(locked))
    if actor.kind not in (ActorKind.STAFF, ActorKind.SYSTEM):
        require_host(actor, me)
    return kick_blocks_lift(player_id=player_id, room=locked)


@transaction.atomic
def host_transfer(*, room: RoomRef, new_host_id, actor: Actor) -> RoomChange:
    require_staff_permission(actor, "rooms.transfer_host")
    locked, members, _me, target = _host_acts_on(room, actor, new_host_id)
    if target.role == MemberRole.SPECTATOR:
        raise ValidationError("A spectator cannot be host", field="playerId")
    if target.role == MemberRole.HOST:
        raise ValidationError("That player is already the host", field="playerId")
    previous = next((m for m in members.values() if m.role == MemberRole.HOST), None)
    fields = _make_host(locked, target, previous)
    return commit_room_change(
        room=locked,
        event="host_changed",
        actor=actor,
        player_id=new_host_id,
        changes={
            "hostId": str(new_host_id),
            "previousHostId": _str_or_none(previous and previous.player_id),
            "reason": "transfer",
        },
        room_fields=fields,
    )


@transaction.atomic
def member_set_ready(*, room: RoomRef, player_id, ready: bool, actor: Actor) -> RoomChange:
    if not isinstance(ready, bool):
        raise ValidationError("ready must be true or false", field="ready")
    locked, members, target = _lock_own_seat(room, actor, player_id)
    require_participant(actor, target)
    RoomMember.objects.filter(pk=target.pk).update(is_ready=ready)
    return commit_room_change(
        room=locked,
        event="player_ready",
        actor=actor,
        player_id=player_id,
        changes={"playerId": str(player_id), "isReady": ready},
    )


@transaction.atomic
def member_set_profile(
    *, room: RoomRef, player_id, actor: Actor, name=None, avatar=UNSET, avatar_colour=UNSET
) -> RoomChange:
    """A player changes their own name and/or avatar in the lobby (spectators too: it is
    how they appear). The name follows the join rule: cleaned, and refused with NAME_TAKEN
    when it looks like another seat's name (the player's own old name does not count)."""
    locked, members, target = _lock_own_seat(room, actor, player_id)
    fields, changes = {}, {"playerId": str(player_id)}
    if name is not None:
        fields["display_name"] = clean_display_name(name)
        ensure_name_free(fields["display_name"], [m.player.display_name for m in members.values() if m is not target])
        changes["name"] = fields["display_name"]
    if avatar is not UNSET:
        fields["avatar"] = changes["avatar"] = clean_avatar(avatar)
    if avatar_colour is not UNSET:
        fields["avatar_colour"] = changes["avatarColour"] = clean_avatar_colour(avatar_colour)
    if not fields:
        raise ValidationError("Send a name, an avatar or an avatarColour", field="avatar")
    player_profile_update(player_id=player_id, fields=fields)
    return commit_room_change(
        room=locked, event="player_profile_changed", actor=actor, player_id=player_id, changes=changes
    )


@transaction.atomic
def member_connect(
    *, room: RoomRef, player_id, channel_name: str, actor: Actor, location: str = Location.LOBBY
) -> RoomChange:
    """A socket opened for this seat: connected, back in the lobby (or the game)."""
    locked = lock_room(room)
    authorize_room(actor, locked)
    members = members_of_locked_room(locked)
    target = members.get(player_id)
    if target is None:
        raise PlayerNotFoundError()
    if location == Location.GAME and locked.status != RoomStatus.IN_GAME:
        location = Location.LOBBY
    status = PlayerStatus.IN_GAME if location == Location.GAME else PlayerStatus.CONNECTED
    RoomMember.objects.filter(pk=target.pk).update(
        is_connected=True,
        in_game=location == Location.GAME,
        current_location=location,
        status=status,
        socket_id=channel_name,
        last_ping=timezone.now(),
        disconnected_at=None,
    )
    return commit_room_change(
        room=locked,
        event="player_connected",
        actor=actor,
        player_id=player_id,
        changes={
            "playerId": str(player_id),
            "location": location,
            "reconnected": target.current_location == Location.DISCONNECTED,
        },
        room_fields=returning_room_done(
            locked, [location, *(m.current_location for pid, m in members.items() if pid != player_id)]
        ),
    )


@transaction.atomic
def member_disconnect(*, room: RoomRef, player_id, channel_name: str, actor: Actor) -> RoomChange | None:
    """A socket closed. Only the seat's current socket counts (another tab may have taken over),
    and a player who left the lobby page for the game is not disconnected by it."""
    locked = lock_room(room, allow_closed=True)
    authorize_room(actor, locked)
    require_self(actor, player_id)
    members = members_of_locked_room(locked)
    target = members.get(player_id)
    if target is None or target.socket_id != channel_name or target.current_location != Location.LOBBY:
        return None
    if locked.status not in (RoomStatus.LOBBY, RoomStatus.IN_GAME, RoomStatus.RETURNING):
        return None
    RoomMember.objects.filter(pk=target.pk).update(
        is_connected=False,
        in_game=False,
        current_location=Location.DISCONNECTED,
        status=PlayerStatus.DISCONNECTED,
        socket_id=None,
        disconnected_at=timezone.now(),
    )
    changes = {"playerId": str(player_id)}
    if target.role == MemberRole.HOST:
        # Pages tell the others how long until the role passes on (host_migrate_if_needed).
        changes["hostGraceSeconds"] = settings.HOST_GRACE_SECONDS
    return commit_room_change(
        room=locked,
        event="player_disconnected",
        actor=actor,
        player_id=player_id,
        changes=changes,
    )


@transaction.atomic
def host_migrate_if_needed(*, room: RoomRef, actor: Actor, now=None) -> RoomChange | None:
    """Hand the host role on when the host has been gone longer than the grace period."""
    require_platform(actor)
    now = now or timezone.now()
    locked = lock_room(room)
    members = members_of_locked_room(locked)
    host = next((m for m in members.values() if m.role == MemberRole.HOST), None)
    if host is not None:
        if host.is_connected or host.disconnected_at is None:
            return None
        if now - host.disconnected_at < timedelta(seconds=settings.HOST_GRACE_SECONDS):
            return None
    successor = _pick_successor(members, excluding=host.player_id if host else None)
    if successor is None:
        return None
    fields = _make_host(locked, successor, host)
    return commit_room_change(
        room=locked,
        event="host_changed",
        actor=actor,
        player_id=successor.player_id,
        changes={
            "hostId": str(successor.player_id),
            "previousHostId": _str_or_none(host and host.player_id),
            "reason": "host_disconnected",
        },
        room_fields=fields,
    )


def _str_or_none(value) -> str | None:
    return str(value) if value else None


def ensure_room_in(locked: Room, *statuses: str) -> None:
    if locked.status not in statuses:
        raise InvalidRoomStateError(f"The room is {locked.status.replace('_', ' ')}")
