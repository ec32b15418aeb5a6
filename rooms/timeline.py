"""A room's history for staff: events and status history in version order, and the state
the room was in at any version, replayed from what the events recorded.

Reads only. A status-history row is written in the same transaction as the event of its
change, just before it, so it belongs to the first event recorded at or after it.

The replay knows what each event's `changes` say; what an event did not record (the host
picked after a kicked host, fields of events it does not know) is carried over and noted.
When the history was pruned (the first event kept is not version 1) the replay starts
from nothing at the first kept event, and says so.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from players.models import Player, PlayerStatusHistory

from .models import Location, MemberRole, PlayerStatus, Room, RoomEvent, RoomStatus

TIMELINE_LIMIT = 300
REPLAY_LIMIT = 5000
_HISTORY_PER_EVENT = 20


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    at: datetime
    kind: str  # "event" or "status"
    what: str  # the event type, or "old -> new" for a status row
    player_id: str | None
    player_name: str
    details: dict
    actor: str = ""


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    first_version: int | None  # the oldest event kept for the room
    pruned: bool  # history before first_version was deleted
    truncated: bool  # older entries exist than the ones listed


@dataclass
class RoomAtVersion:
    version: int
    room: dict
    players: list[dict]
    replayed_from: int | None  # the first event replayed
    complete: bool  # replay began at version 1 (nothing pruned or skipped)
    notes: list[str] = field(default_factory=list)


def room_timeline(*, room: Room, limit: int = TIMELINE_LIMIT) -> Timeline:
    """The newest `limit` events with their status-history rows, oldest first."""
    newest = list(
        RoomEvent.objects.filter(room_id=room.pk).select_related("player").order_by("-room_version", "-id")[: limit + 1]
    )
    truncated = len(newest) > limit
    before = newest[limit] if truncated else None
    events = list(reversed(newest[:limit]))
    history = _history(room, after=before.created_at if before else None, limit=limit * _HISTORY_PER_EVENT)
    first = (
        RoomEvent.objects.filter(room_id=room.pk)
        .order_by("room_version", "id")
        .values_list("room_version", flat=True)
        .first()
    )
    return Timeline(
        entries=_merge(events, history, last_version=room.version),
        first_version=first,
        pruned=first is not None and first > 1,
        truncated=truncated,
    )


def room_state_at(*, room: Room, version: int, limit: int = REPLAY_LIMIT) -> RoomAtVersion:
    """The room as the events up to `version` describe it (at most the last `limit` events)."""
    newest = list(
        RoomEvent.objects.filter(room_id=room.pk, room_version__lte=version)
        .select_related("player")
        .order_by("-room_version", "-id")[: limit + 1]
    )
    skipped = len(newest) > limit
    before = newest[limit] if skipped else None
    events = list(reversed(newest[:limit]))
    if not events:
        return RoomAtVersion(
            version=version,
            room={},
            players=[],
            replayed_from=None,
            complete=False,
            notes=["No event is recorded at or before this version."],
        )
    history = _history(room, after=before.created_at if before else None, until=events[-1].created_at)
    entries = _merge(events, history, last_version=events[-1].room_version)
    names = dict(Player.objects.filter(pk__in=_player_ids(entries)).values_list("pk", "display_name"))
    state = replay(entries, names={str(pk): name for pk, name in names.items()})
    state.version = events[-1].room_version
    state.complete = events[0].room_version == 1
    if not state.complete:
        reason = "only the last events were replayed" if skipped else "the history before it was pruned"
        state.notes.insert(0, f"Replayed from version {events[0].room_version}: {reason}; earlier facts are missing.")
    return state


def _history(room: Room, *, after=None, until=None, limit: int = REPLAY_LIMIT * _HISTORY_PER_EVENT):
    rows = PlayerStatusHistory.objects.filter(room_id=room.pk).select_related("player")
    if after is not None:
        rows = rows.filter(created_at__gt=after)
    if until is not None:
        rows = rows.filter(created_at__lte=until)
    return list(rows.order_by("created_at", "id")[:limit])


def _merge(events: list[RoomEvent], history: list[PlayerStatusHistory], *, last_version: int) -> list[TimelineEntry]:
    """Events and the status rows of their changes, in version order (a change's rows after its event)."""
    entries = [_event_entry(event) for event in events]
    times = [event.created_at for event in events]
    for row in history:
        index = bisect.bisect_left(times, row.created_at)
        version = events[index].room_version if index < len(events) else last_version
        entries.append(_status_entry(row, version))
    entries.sort(key=lambda e: (e.version, e.kind != "event", e.at))
    return entries


def _event_entry(event: RoomEvent) -> TimelineEntry:
    data = dict(event.event_data or {})
    actor = data.pop("actor", {}) or {}
    return TimelineEntry(
        version=event.room_version,
        at=event.created_at,
        kind="event",
        what=event.event_type,
        player_id=str(event.player_id) if event.player_id else None,
        player_name=event.player.display_name if event.player else "",
        details=data,
        actor=actor.get("label") or actor.get("kind", ""),
    )


def _status_entry(row: PlayerStatusHistory, version: int) -> TimelineEntry:
    return TimelineEntry(
        version=version,
        at=row.created_at,
        kind="status",
        what=f"{row.old_location or '?'}/{row.old_status or '?'} -> {row.new_location}/{row.new_status}",
        player_id=str(row.player_id),
        player_name=row.player.display_name,
        details={"location": row.new_location, "status": row.new_status, "reason": row.reason},
    )


def _player_ids(entries: list[TimelineEntry]) -> set[str]:
    ids = {e.player_id for e in entries if e.player_id}
    for entry in entries:
        for key in ("playerId", "hostId", "previousHostId", "newHostId"):
            if entry.details.get(key):
                ids.add(entry.details[key])
        for player in entry.details.get("players", []):
            ids.add(player.get("playerId") if isinstance(player, dict) else player)
    return {pid for pid in ids if isinstance(pid, str) and pid}


# --- The replay: one small rule per event type -------------------------------------------
def replay(entries: list[TimelineEntry], *, names: dict[str, str]) -> RoomAtVersion:
    """Fold timeline entries (oldest first) into the room's state. Pure: no queries."""
    state = RoomAtVersion(
        version=0,
        room={"status": None, "game": None, "hostId": None, "settings": {}},
        players=[],
        replayed_from=entries[0].version if entries else None,
        complete=False,
    )
    players: dict[str, dict] = {}
    for entry in entries:
        if entry.kind == "status":
            seat = _seat(players, entry.player_id, names)
            seat.update(location=entry.details["location"], status=entry.details["status"])
            continue
        rule = _RULES.get(entry.what)
        if rule is None:
            state.notes.append(f"v{entry.version}: {entry.what} is not known to the replay; nothing applied")
            continue
        rule(state, players, entry.details, entry, names)
        _returning_rule(state, players)
    state.players = sorted(players.values(), key=lambda p: p["order"])
    host = players.get(state.room["hostId"])
    state.room["hostName"] = host["name"] if host else None
    return state


def _seat(players: dict, player_id: str | None, names: dict, **fields) -> dict:
    if player_id not in players:
        players[player_id] = {
            "id": player_id,
            "name": names.get(player_id, "?"),
            "role": MemberRole.PLAYER,
            "location": Location.LOBBY,
            "status": PlayerStatus.CONNECTED,
            "ready": False,
            "order": len(players),
        }
    players[player_id].update(fields)
    return players[player_id]


def _set_host(state: RoomAtVersion, players: dict, host_id: str | None, names: dict) -> None:
    for seat in players.values():
        if seat["role"] == MemberRole.HOST:
            seat["role"] = MemberRole.PLAYER
    if host_id:
        _seat(players, host_id, names, role=MemberRole.HOST)
    state.room["hostId"] = host_id


def _room_created(state, players, changes, entry, names):
    state.room.update(status=RoomStatus.LOBBY, game=changes.get("game"))
    _set_host(state, players, changes.get("hostId") or entry.player_id, names)


def _player_joined(state, players, changes, entry, names):
    pid = changes.get("playerId") or entry.player_id
    _seat(
        players,
        pid,
        {**names, pid: changes.get("name") or names.get(pid, "?")},
        role=changes.get("role", MemberRole.PLAYER),
    )


def _player_removed(state, players, changes, entry, names):
    pid = changes.get("playerId") or entry.player_id
    seat = players.pop(pid, None)
    if "newHostId" in changes:
        _set_host(state, players, changes["newHostId"], names)
    elif seat is not None and seat["role"] == MemberRole.HOST:
        state.room["hostId"] = None
        state.notes.append(f"v{entry.version}: the host was removed; the new host is not recorded in the event")
    if not players:
        state.room["status"] = RoomStatus.ABANDONED


def _host_changed(state, players, changes, entry, names):
    _set_host(state, players, changes.get("hostId"), names)


def _player_ready(state, players, changes, entry, names):
    _seat(players, changes.get("playerId"), names, ready=bool(changes.get("isReady")))


def _player_connected(state, players, changes, entry, names):
    location = changes.get("location", Location.LOBBY)
    status = PlayerStatus.IN_GAME if location == Location.GAME else PlayerStatus.CONNECTED
    _seat(players, changes.get("playerId"), names, location=location, status=status)


def _player_disconnected(state, players, changes, entry, names):
    _seat(players, changes.get("playerId"), names, location=Location.DISCONNECTED, status=PlayerStatus.DISCONNECTED)


def _player_status_changed(state, players, changes, entry, names):
    _seat(players, changes.get("playerId"), names, location=changes.get("location"), status=changes.get("status"))


def _bulk_status_update(state, players, changes, entry, names):
    for row in changes.get("players", []):
        # The statuses are in the status-history rows of this version, applied before the event.
        _seat(players, row.get("playerId"), names, location=row.get("location"))


def _game_selected(state, players, changes, entry, names):
    state.room.update(game=changes.get("game"), settings=changes.get("settings") or {})


def _game_started(state, players, changes, entry, names):
    state.room.update(status=RoomStatus.IN_GAME, game=changes.get("game", state.room["game"]))
    for pid in changes.get("players", []):
        _seat(players, pid, names, location=Location.GAME, status=PlayerStatus.IN_GAME, ready=False)


def _game_ended(state, players, changes, entry, names):
    in_game = [seat for seat in players.values() if seat["location"] == Location.GAME]
    if changes.get("playersReturned"):
        for seat in in_game:
            seat.update(location=Location.LOBBY, status=PlayerStatus.LOBBY, ready=seat.get("role") != "spectator")
        in_game = []
    state.room["status"] = RoomStatus.RETURNING if in_game else RoomStatus.LOBBY


def _room_ended(state, players, changes, entry, names):
    state.room["status"] = changes.get("status") or RoomStatus.FINISHED
    for seat in players.values():
        seat.update(location=Location.DISCONNECTED, status=PlayerStatus.DISCONNECTED)


def _returning_rule(state, players) -> None:
    # A returning room is back in the lobby once nobody is left in the game.
    if state.room["status"] == RoomStatus.RETURNING and all(p["location"] != Location.GAME for p in players.values()):
        state.room["status"] = RoomStatus.LOBBY


_RULES = {
    "room_created": _room_created,
    "player_joined": _player_joined,
    "player_left": _player_removed,
    "player_kicked": _player_removed,
    "host_changed": _host_changed,
    "player_ready": _player_ready,
    "player_connected": _player_connected,
    "player_disconnected": _player_disconnected,
    "player_status_changed": _player_status_changed,
    "bulk_status_update": _bulk_status_update,
    "game_selected": _game_selected,
    "game_started": _game_started,
    "game_ended": _game_ended,
    "room_closed": _room_ended,
    "room_abandoned": _room_ended,
}
