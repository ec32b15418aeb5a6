"""Player status: single updates without the read-then-write race, atomic bulk updates, heartbeats."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from gamebuddies import metrics
from gamebuddies.actors import Actor
from gamebuddies.errors import (
    GameBuddiesError,
    PlayerDisconnectedError,
    PlayerNotFoundError,
    RoomNotInGameError,
    StateConflictError,
    ValidationError,
)
from gamebuddies.limits import MAX_BULK_PLAYERS, MAX_GAME_DATA_BYTES, MAX_METADATA_BYTES, in_kb
from gamebuddies.validation import ensure_storable_json
from players.models import PlayerStatusHistory
from players.services import status_history_record_many

from ..locks import RoomRef, lock_room, members_of_locked_room
from ..models import Location, PlayerStatus, Room, RoomEvent, RoomMember, RoomStatus
from ..permissions import authorize_room, require_integration, require_participant, require_self
from ..selectors import member_get
from ..snapshot import room_state
from .changes import RoomChange, commit_room_change
from .history import history_row

logger = logging.getLogger(__name__)

_CONDITIONAL_UPDATE_ATTEMPTS = 5

# Which locations each status may be reported with.
ALLOWED_LOCATIONS = {
    PlayerStatus.CONNECTED: {Location.LOBBY, Location.GAME},
    PlayerStatus.LOBBY: {Location.LOBBY},
    PlayerStatus.IN_GAME: {Location.GAME},
    PlayerStatus.RETURNING: {Location.LOBBY, Location.GAME},
    PlayerStatus.DISCONNECTED: {Location.DISCONNECTED},
}
DEFAULT_LOCATION = {
    PlayerStatus.LOBBY: Location.LOBBY,
    PlayerStatus.IN_GAME: Location.GAME,
    PlayerStatus.RETURNING: Location.LOBBY,
    PlayerStatus.DISCONNECTED: Location.DISCONNECTED,
}


def clean_status_and_location(
    status, location, *, room: Room, member: RoomMember | None, field: str = ""
) -> tuple[str, str]:
    prefix = f"{field}." if field else ""
    if status not in PlayerStatus.values:
        raise ValidationError(f"status must be one of {', '.join(PlayerStatus.values)}", field=f"{prefix}status")
    if location is None:
        location = DEFAULT_LOCATION.get(status)
        if location is None:  # "connected": stay where you are, or come back where the room is
            current = member.current_location if member else Location.DISCONNECTED
            location = (
                current
                if current != Location.DISCONNECTED
                else (Location.GAME if room.status == RoomStatus.IN_GAME else Location.LOBBY)
            )
    if location not in Location.values:
        raise ValidationError(f"location must be one of {', '.join(Location.values)}", field=f"{prefix}location")
    if location not in ALLOWED_LOCATIONS[status]:
        raise ValidationError(f"status {status} cannot be reported with location {location}", field=f"{prefix}location")
    require_location_fits_room(room, member, location, field=f"{prefix}location")
    return status, location


def require_location_fits_room(room: Room, member: RoomMember | None, location: str, *, field: str = "") -> None:
    """A member is in the game only while the room plays one.

    While a room is returning, members still in the game may keep reporting from it; a
    report for a game that has ended (the room is back in the lobby) is refused, so a late
    progress report can never pull a player back into a game that is over.
    """
    if location != Location.GAME or room.status == RoomStatus.IN_GAME:
        return
    if room.status == RoomStatus.RETURNING and member is not None and member.current_location == Location.GAME:
        return
    raise RoomNotInGameError(room_status=room.status, field=field or None)


def clean_metadata(metadata, *, field: str = "metadata") -> dict:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ValidationError("metadata must be an object", field=field)
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise ValidationError(f"metadata is larger than {in_kb(MAX_METADATA_BYTES)}", field=field)
    ensure_storable_json(metadata, field=field)
    return metadata


def _merged_game_data(member: RoomMember, metadata: dict) -> dict:
    merged = {**(member.game_data or {}), **metadata}
    if len(json.dumps(merged)) > MAX_GAME_DATA_BYTES:
        raise ValidationError(
            f"gameData would grow past {in_kb(MAX_GAME_DATA_BYTES)}; send smaller metadata", field="metadata"
        )
    return merged


def _member_fields(status: str, location: str, game_data: dict, now) -> dict:
    return {
        "status": status,
        "current_location": location,
        "is_connected": location != Location.DISCONNECTED,
        "in_game": location == Location.GAME,
        "game_data": game_data,
        "last_ping": now,
        "disconnected_at": now if location == Location.DISCONNECTED else None,
    }


def _returning_room_fields(room: Room) -> dict:
    """A room waiting for players to come back becomes a lobby once nobody is in the game.

    Call after the member writes; costs a query only while the room is returning.
    """
    if room.status != RoomStatus.RETURNING:
        return {}
    if RoomMember.objects.filter(room_id=room.pk, current_location=Location.GAME).exists():
        return {}
    return {"status": RoomStatus.LOBBY}


@dataclass
class StatusUpdateResult:
    change: RoomChange
    member: RoomMember
    retries: int


def clean_status_request(*, metadata, expected_version) -> dict:
    """What can be checked before the room is locked; returns the cleaned metadata."""
    metadata = clean_metadata(metadata)
    if expected_version is not None and (isinstance(expected_version, bool) or not isinstance(expected_version, int)):
        raise ValidationError("expectedVersion must be an integer", field="expectedVersion")
    return metadata


@dataclass
class StatusPlan:
    """One member's status change, decided under the room lock; every writer applies it as is.

    Both the portable ORM path below and the PostgreSQL fast path (fast_status.py) build
    their writes from this, so the rules live here once.
    """

    member: RoomMember  # as read under the lock, before the change
    status: str
    location: str
    fields: dict  # the member's new column values
    history_reason: str
    metadata: dict
    changes: dict  # the RoomEvent's data (without the actor)
    room_fields: dict  # room columns the change also sets (a returning room becomes a lobby)

    def apply(self) -> RoomMember:
        """Write the plan into the in-memory member, as the UPDATE and its trigger wrote the row."""
        for name, value in self.fields.items():
            setattr(self.member, name, value)
        self.member.version += 1
        return self.member


def plan_status_change(
    *,
    room: Room,
    members: dict,
    actor: Actor,
    player_id,
    status: str,
    location: str | None,
    metadata: dict,
    expected_version: int | None,
    reason: str,
    now,
) -> StatusPlan:
    """Authorise and validate one status report against the locked room and its members."""
    authorize_room(actor, room)
    require_self(actor, player_id)
    member = members.get(player_id)
    if member is None:
        raise PlayerNotFoundError()
    require_participant(actor, member)
    if expected_version is not None and member.version != expected_version:
        metrics.state_conflicts.labels(metrics.source_of(actor)).inc()
        raise StateConflictError(
            f"Player is at version {member.version}, not {expected_version}",
            current_state={
                "version": room.version,
                "playerVersion": member.version,
                **room_state(room, members.values()),
            },
        )
    new_status, new_location = clean_status_and_location(status, location, room=room, member=member)
    fields = _member_fields(new_status, new_location, _merged_game_data(member, metadata), now)
    # In memory, not a query: every member was read under the lock.
    still_in_game = any(
        (new_location if m.player_id == player_id else m.current_location) == Location.GAME for m in members.values()
    )
    room_fields = {"status": RoomStatus.LOBBY} if room.status == RoomStatus.RETURNING and not still_in_game else {}
    return StatusPlan(
        member=member,
        status=new_status,
        location=new_location,
        fields=fields,
        history_reason=(reason or actor.source)[:200],
        metadata=metadata,
        changes={
            "playerId": str(player_id),
            "status": new_status,
            "location": new_location,
            "previousLocation": member.current_location,
        },
        room_fields=room_fields,
    )


@transaction.atomic
def update_player_status(
    *,
    room: RoomRef,
    player_id,
    status: str,
    actor: Actor,
    location: str | None = None,
    metadata: dict | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> StatusUpdateResult:
    """Set one member's status and location; metadata merges into gameData.

    Race-free by construction: the room row lock serialises every change to the room,
    and the member UPDATE is conditional on the version read under it. A conditional
    update that still loses (a writer that bypassed the services, e.g. raw SQL) is
    re-read and retried, unless the caller named `expected_version`, in which case a
    stale version is their conflict to resolve: StateConflictError with the current state.
    """
    metadata = clean_status_request(metadata=metadata, expected_version=expected_version)
    locked = lock_room(room)
    plan, members, retries = _write_member_status(
        locked,
        actor=actor,
        player_id=player_id,
        status=status,
        location=location,
        metadata=metadata,
        expected_version=expected_version,
        reason=reason,
    )
    status_history_record_many([_history_of(plan)])
    plan.apply()
    source = metrics.source_of(actor)
    transaction.on_commit(lambda: metrics.status_updates.labels(source).inc())
    change = commit_room_change(
        room=locked,
        event="player_status_changed",
        actor=actor,
        player_id=player_id,
        changes=plan.changes,
        room_fields=plan.room_fields,
        members=list(members.values()),
    )
    return StatusUpdateResult(change=change, member=change.member(player_id), retries=retries)


def _write_member_status(locked: Room, *, actor: Actor, player_id, expected_version, **request):
    """Plan the change against the members read under the lock and write it with a conditional
    UPDATE, re-reading after a lost race; returns (plan, members as read, retries)."""
    retries = 0
    for attempt in range(_CONDITIONAL_UPDATE_ATTEMPTS):
        # One query for every seat: the member to change and, later, the snapshot.
        members = members_of_locked_room(locked)
        plan = plan_status_change(
            room=locked,
            members=members,
            actor=actor,
            player_id=player_id,
            expected_version=expected_version,
            now=timezone.now(),
            **request,
        )
        if RoomMember.objects.filter(pk=plan.member.pk, version=plan.member.version).update(**plan.fields):
            return plan, members, retries
        if expected_version is not None:
            continue  # the next read raises the conflict with the fresh state
        retries += 1
        metrics.status_update_retries.inc()
        time.sleep(0.005 * (attempt + 1))
    raise StateConflictError("Player changed too often to update; try again", current_state=None)


def _history_of(plan: StatusPlan) -> PlayerStatusHistory:
    member = plan.member  # as read under the lock: its old status and location
    return history_row(
        player_id=member.player_id,
        room_id=member.room_id,
        old_location=member.current_location,
        old_status=member.status,
        new_location=plan.location,
        new_status=plan.status,
        reason=plan.history_reason,
        metadata=plan.metadata,
    )


@dataclass
class BulkRow:
    player_id: object
    location: str | None
    status: str | None
    game_data: dict


@transaction.atomic
def bulk_update_status(*, room: RoomRef, rows: list[BulkRow], actor: Actor, reason: str = "") -> RoomChange:
    """All listed players change together, or none do: one bump, one event, one broadcast."""
    _require_bulk_size(rows)
    locked = lock_room(room)
    authorize_room(actor, locked)
    require_integration(actor)
    members = members_of_locked_room(locked)
    now = timezone.now()
    updated, history = _apply_bulk_rows(locked, members, rows, reason=reason or "bulk update", now=now)
    # One UPDATE ... CASE for all rows; the trigger bumps each member's own version.
    RoomMember.objects.bulk_update(updated, list(_member_fields("", "", {}, now)))
    status_history_record_many(history)
    source, count = metrics.source_of(actor), len(updated)
    transaction.on_commit(lambda: metrics.status_updates.labels(source).inc(count))
    return commit_room_change(
        room=locked,
        event="bulk_status_update",
        actor=actor,
        changes={
            "playersUpdated": len(updated),
            "reason": reason,
            "players": [{"playerId": str(m.player_id), "location": m.current_location} for m in updated],
        },
        room_fields=_returning_room_fields(locked),
    )


def _require_bulk_size(rows: list[BulkRow]) -> None:
    if not rows:
        raise ValidationError("players must not be empty", field="players")
    if len(rows) > MAX_BULK_PLAYERS:
        raise ValidationError(f"at most {MAX_BULK_PLAYERS} players per bulk update", field="players")


def _apply_bulk_rows(
    locked: Room, members: dict, rows: list[BulkRow], *, reason: str, now
) -> tuple[list[RoomMember], list[PlayerStatusHistory]]:
    """Check every row and apply it to its member in memory (nothing is written if one fails);
    returns the changed members and their history rows."""
    seen: set = set()
    updated: list[RoomMember] = []
    history: list[PlayerStatusHistory] = []
    for index, row in enumerate(rows):
        field = f"players[{index}]"
        member = _bulk_row_member(members, row, seen, field=field)
        status, location, game_data = _clean_bulk_row(locked, member, row, field=field)
        history.append(
            history_row(
                player_id=member.player_id,
                room_id=locked.pk,
                old_location=member.current_location,
                old_status=member.status,
                new_location=location,
                new_status=status,
                reason=reason,
                metadata=row.game_data,
            )
        )
        for name, value in _member_fields(status, location, game_data, now).items():
            setattr(member, name, value)
        updated.append(member)
    return updated, history


def _bulk_row_member(members: dict, row: BulkRow, seen: set, *, field: str) -> RoomMember:
    member = members.get(row.player_id)
    if member is None:
        raise PlayerNotFoundError(f"Player {row.player_id} is not in this room", field=f"{field}.playerId")
    if row.player_id in seen:
        raise ValidationError(f"Player {row.player_id} is listed twice", field=f"{field}.playerId")
    seen.add(row.player_id)
    return member


def _clean_bulk_row(locked: Room, member: RoomMember, row: BulkRow, *, field: str) -> tuple[str, str, dict]:
    """(status, location, merged gameData) of one row, by the single update's rules."""
    if row.location is not None and row.location not in Location.values:
        raise ValidationError(f"location must be one of {', '.join(Location.values)}", field=f"{field}.location")
    status = row.status or DEFAULT_STATUS_FOR_LOCATION.get(row.location, PlayerStatus.CONNECTED)
    status, location = clean_status_and_location(status, row.location, room=locked, member=member, field=field)
    game_data = _merged_game_data(member, clean_metadata(row.game_data, field=f"{field}.gameData"))
    return status, location, game_data


DEFAULT_STATUS_FOR_LOCATION = {
    Location.LOBBY: PlayerStatus.LOBBY,
    Location.GAME: PlayerStatus.IN_GAME,
    Location.DISCONNECTED: PlayerStatus.DISCONNECTED,
}


def heartbeat_cache_key(member_id: int) -> str:
    return f"hb:{member_id}"


def presence_touch(*, member_id: int | None, at: float | None = None) -> None:
    """Record that a seat is alive (lobby ping or game heartbeat) in the shared cache."""
    if member_id is None:
        return
    try:
        cache.set(heartbeat_cache_key(member_id), at or time.time(), settings.IN_GAME_HEARTBEAT_TIMEOUT_SECONDS * 2)
    except Exception:  # presence is best effort; the sweep falls back to last_ping
        logger.debug("presence touch failed", exc_info=True)


def require_connected_for_heartbeat(*, is_connected: bool) -> None:
    """Heartbeats refresh presence; they never bring a departed player back (an explicit
    `connected` status report does, under the rules above)."""
    if not is_connected:
        raise PlayerDisconnectedError()


def missing_seat_error(*, room: Room, player_id) -> GameBuddiesError:
    """No seat for this player: one that left or was removed is told so, anyone else is not found."""
    departed = RoomEvent.objects.filter(
        room_id=room.pk, player_id=player_id, event_type__in=DEPARTURE_EVENTS
    ).exists()
    return PlayerDisconnectedError("The player has left the room") if departed else PlayerNotFoundError()


DEPARTURE_EVENTS = ("player_left", "player_kicked")


def member_heartbeat(*, room: Room, player_id, actor: Actor) -> None:
    """Keep a connected player's presence alive without writing a row on every beat.

    Beats go to the shared cache; the housekeeping sweep reads them before declaring
    anyone gone. A seat that is disconnected or gone gets 409 PLAYER_DISCONNECTED.
    """
    authorize_room(actor, room)
    require_self(actor, player_id)
    member = member_get(room=room, player_id=player_id)
    if member is None:
        raise missing_seat_error(room=room, player_id=player_id)
    require_connected_for_heartbeat(is_connected=member.is_connected)
    presence_touch(member_id=member.pk)
