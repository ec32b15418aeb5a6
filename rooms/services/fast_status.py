"""Status updates and heartbeats on PostgreSQL without leaving the event loop: two round trips.

The same change as `status.update_player_status` (same rules: `plan_status_change`; same
rows: member, history, room version, event; same snapshot and broadcast after commit),
written for the hot path of the Game API:

1. one pipelined round trip: BEGIN, lock the room row (SELECT ... FOR UPDATE), read
   every member. The members are read by a statement that starts after the lock is
   held, so under READ COMMITTED they are the committed state the next version builds on;
2. the plan is made in Python under the lock (authorisation, validation, merging);
3. one pipelined round trip: a data-modifying CTE writes the member (conditional on
   the version read), the history row, the room (its trigger bumps the version) and the
   event, then COMMIT.

A room whose changes also feed an outbox (webhook endpoints subscribed to its game)
takes the portable ORM path in a worker thread, so the outbox rows stay in the same
transaction. A member UPDATE that loses to a writer that bypassed the lock (raw SQL)
starts over, as the ORM path does.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from gamebuddies import aredis, metrics, pg
from gamebuddies.actors import Actor
from gamebuddies.errors import (
    DuplicateRequestError,
    PlayerDisconnectedError,
    PlayerNotFoundError,
    RoomClosedError,
    RoomNotFoundError,
    StateConflictError,
)

from ..broadcast import BroadcastTicket, Publication, broadcaster
from ..models import LIVE_ROOM_STATUSES, Room, RoomMember
from ..permissions import authorize_room, require_self
from ..selectors import is_well_formed_room_code, normalize_room_code, room_state_cache_entry
from ..snapshot import room_state_update, to_json
from . import changes
from . import status as rules

logger = logging.getLogger(__name__)

_ATTEMPTS = 5
# Lost races on the optimistic path before the locked path takes over.
_OPTIMISTIC_ATTEMPTS = 2
# Only model metadata and constants are formatted into the SQL below (S608 is about input);
# every value from a request is a bound parameter. The live statuses are literals so the
# planner can use the partial unique index on live room codes.
_LIVE = ", ".join(f"'{s}'" for s in LIVE_ROOM_STATUSES)
_ROOM_FIELDS = [f.attname for f in Room._meta.concrete_fields]
_MEMBER_FIELDS = [f.attname for f in RoomMember._meta.concrete_fields]

LOCK_ROOM_SQL = (
    f"SELECT {', '.join(f.column for f in Room._meta.concrete_fields)} FROM rooms "  # noqa: S608
    f"WHERE room_code = %(code)s AND status IN ({_LIVE}) FOR UPDATE"
)
# What the snapshot shows of each member's player (rooms/snapshot.player_fields).
_PLAYER_FIELDS = ("display_name", "avatar", "avatar_colour")
_PLAYER_COLUMNS = ", ".join(f"p.{name}" for name in _PLAYER_FIELDS)
MEMBERS_SQL = (
    f"SELECT {', '.join('m.' + f.column for f in RoomMember._meta.concrete_fields)}, {_PLAYER_COLUMNS} "  # noqa: S608
    "FROM room_members m JOIN players p ON p.id = m.player_id "
    f"WHERE m.room_id = (SELECT id FROM rooms WHERE room_code = %(code)s AND status IN ({_LIVE})) "
    "ORDER BY m.joined_at, m.id"
)
# The optimistic read: the room and every member in one statement, one snapshot, no lock.
READ_SQL = (
    f"SELECT {', '.join('r.' + f.column for f in Room._meta.concrete_fields)}, "  # noqa: S608
    f"{', '.join('m.' + f.column for f in RoomMember._meta.concrete_fields)}, {_PLAYER_COLUMNS} "
    "FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id LEFT JOIN players p ON p.id = m.player_id "
    f"WHERE r.room_code = %(code)s AND r.status IN ({_LIVE}) "
    "ORDER BY m.joined_at, m.id"
)
CODE_EXISTS_SQL = "SELECT EXISTS (SELECT 1 FROM rooms WHERE room_code = %(code)s)"
# `guard`: under the optimistic read, the room row lock is taken here and the write applies
# only if the room is still at the version the plan was made from (every change to a room
# or its members raises that version); under the locked read it is already held.
_WRITE_CTES = """
WITH guard AS (
  SELECT id FROM rooms WHERE id = %(room_id)s AND version = %(room_version)s FOR UPDATE
), m AS (
  UPDATE room_members
     SET status = %(status)s, current_location = %(location)s, is_connected = %(is_connected)s,
         in_game = %(in_game)s, game_data = %(game_data)s, last_ping = %(now)s,
         disconnected_at = %(disconnected_at)s
   WHERE id = %(member_id)s AND version = %(member_version)s AND EXISTS (SELECT 1 FROM guard)
  RETURNING version
), h AS (
  INSERT INTO player_status_history
         (player_id, room_id, old_location, new_location, old_status, new_status, reason, metadata, created_at)
  SELECT %(player_id)s, %(room_id)s, %(old_location)s, %(location)s, %(old_status)s, %(status)s,
         %(reason)s, %(metadata)s, %(now)s
    FROM m
), r AS (
  UPDATE rooms SET last_activity = %(now)s, updated_at = %(now)s, status = COALESCE(%(room_status)s, status)
   WHERE id = %(room_id)s AND EXISTS (SELECT 1 FROM m)
  RETURNING version, status
), e AS (
  INSERT INTO room_events (room_id, player_id, event_type, event_data, room_version, created_at)
  SELECT %(room_id)s, %(player_id)s, 'player_status_changed', %(event_data)s, r.version, %(now)s FROM r
  RETURNING id
)"""
_WRITE_RESULT = """
SELECT (SELECT version FROM m), (SELECT version FROM r), (SELECT status FROM r), (SELECT id FROM e)
"""
WRITE_STATUS_SQL = _WRITE_CTES + _WRITE_RESULT
# With an Idempotency-Key, one more part of the same statement: the durable record, written
# only if the change was (and at the versions its sealed answer reports).
_RECORD_CTE = """, idem AS (
  INSERT INTO {table} (api_key_id, key_hash, fingerprint, status_code, response, event_id, created_at)
  SELECT %(idem_api_key_id)s, %(idem_key_hash)s, %(idem_fingerprint)s, 200, %(idem_response)s, e.id, %(now)s
    FROM e, r, m WHERE r.version = %(room_version)s + 1 AND m.version = %(member_version)s + 1
)"""
_PRIOR_SQL = (
    "SELECT fingerprint, response, event_id FROM {table} "
    "WHERE api_key_id = %(idem_api_key_id)s AND key_hash = %(idem_key_hash)s"
)
# `departed` is only looked up when there is no seat (CASE evaluates lazily).
HEARTBEAT_SQL = (
    f"SELECT {', '.join('r.' + f.column for f in Room._meta.concrete_fields)}, m.id, m.is_connected, "  # noqa: S608
    "CASE WHEN m.id IS NULL THEN EXISTS (SELECT 1 FROM room_events e WHERE e.room_id = r.id "
    "AND e.player_id = %(player_id)s AND e.event_type = ANY(%(departures)s)) END "
    f"FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id AND m.player_id = %(player_id)s "
    f"WHERE r.room_code = %(code)s AND r.status IN ({_LIVE})"
)


@dataclass
class FastStatusResult:
    version: int
    event_id: int | None
    member: RoomMember
    ticket: BroadcastTicket
    state: dict
    retries: int = 0
    # The snapshot's cache entry (key, value, seconds) for the caller to write; None when written.
    snapshot_cache: tuple | None = None
    # The broadcast for the caller's Redis pipeline to PUBLISH (`publish_with_caller`); None when sent.
    publication: Publication | None = None


class _Retry(Exception):  # noqa: N818 - control flow
    """The conditional member UPDATE lost to a writer that bypassed the room lock."""


@dataclass
class IdempotentWrite:
    """An Idempotency-Key request's durable record (the caller's table, gameapi's), written by
    the same statement as the change, so it exists exactly when the change committed.

    The answer is sealed before the statement runs, from the versions the change will have
    (the room and member rows are written only at the versions read, and their triggers add
    one); the event's id, not known until then, is stored beside it.
    """

    table: str
    api_key_id: int
    key_hash: str
    fingerprint: str
    seal: Callable[[int, Any], bytes]  # (room version, member after the change) -> sealed answer
    find: Callable[[], Any]  # the ORM path: the stored record or None (in its transaction)
    save: Callable[[bytes, int], None]  # the ORM path: store (sealed answer, event id)

    def params(self) -> dict:
        return {"idem_api_key_id": self.api_key_id, "idem_key_hash": self.key_hash}


class AlreadyApplied(Exception):  # noqa: N818 - an answer, not a failure
    """This Idempotency-Key's change committed before (its connection may have been lost
    during COMMIT): the caller replays the stored answer instead of applying it again."""

    def __init__(self, fingerprint: str, response: bytes, event_id: int | None):
        super().__init__("idempotency record exists")
        self.fingerprint, self.response, self.event_id = fingerprint, bytes(response), event_id


@functools.cache
def _recorded_sql(table: str) -> tuple[str, str]:
    """The write with the record's part, and the record's lookup, for the record table."""
    return _WRITE_CTES + _RECORD_CTE.format(table=table) + _WRITE_RESULT, _PRIOR_SQL.format(table=table)


def _room_from_row(row) -> Room:
    return Room.from_db("default", _ROOM_FIELDS, row)


class _PlayerFields:
    """The player columns a snapshot shows, read with the member."""

    __slots__ = _PLAYER_FIELDS

    def __init__(self, values):
        for name, value in zip(_PLAYER_FIELDS, values, strict=True):
            setattr(self, name, value)


class MemberRow:
    """A member as read on the fast path: the RoomMember attributes the rules and the snapshot
    read, without building a model instance for every seat on every update (a tenth of the
    path's CPU in a room of eight)."""

    __slots__ = (*_MEMBER_FIELDS, "player")

    def __init__(self, values, player_values):
        for name, value in zip(_MEMBER_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.player = _PlayerFields(player_values)

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_host(self) -> bool:
        return self.role == "host"


def _members_from_rows(rows) -> dict[uuid.UUID, MemberRow]:
    width = len(_MEMBER_FIELDS)
    members = {}
    for row in rows:
        member = MemberRow(row[:width], row[width:])
        members[member.player_id] = member
    return members


async def _rollback(conn) -> None:
    """End a failed transaction; a connection that is already gone is the pool's to drop."""
    try:
        await conn.execute("ROLLBACK")
    except Exception:
        logger.debug("rollback failed", exc_info=True)


async def _raise_missing_room(conn, code: str) -> None:
    cur = await conn.execute(CODE_EXISTS_SQL, {"code": code})
    exists = (await cur.fetchone())[0]
    raise RoomClosedError() if exists else RoomNotFoundError()


async def update_player_status(
    *,
    room_code: str,
    player_id: uuid.UUID,
    status: str,
    actor: Actor,
    location: str | None = None,
    metadata: dict | None = None,
    expected_version: int | None = None,
    reason: str = "",
    record: IdempotentWrite | None = None,
    publish_with_caller: bool = False,
) -> FastStatusResult:
    """`status.update_player_status` for PostgreSQL on the event loop (see the module docstring).

    `record`: an Idempotency-Key request's durable record, looked up in the read's round trip
    and written by the write's statement; AlreadyApplied if the change was made before.
    `publish_with_caller`: the caller sends `result.publication` in its own Redis round trip
    (when the channel layer allows it; otherwise the broadcast is handed over as usual).
    """
    metadata = rules.clean_status_request(metadata=metadata, expected_version=expected_version)
    code = normalize_room_code(room_code)
    if not is_well_formed_room_code(code):
        raise RoomNotFoundError()
    request = _Request(
        code, player_id, status, actor, location, metadata, expected_version, reason, record, publish_with_caller
    )
    pool = await pg.get_pool()
    progress = _Progress()
    reconnected = False
    while True:
        try:
            async with pg.connection(pool) as conn:
                return await _update_on(conn, request, progress)
        except _ReadFailed as failed:
            # Nothing was written: once, on a fresh connection, after the pool drops its dead ones.
            if reconnected:
                raise failed.__cause__ from None
            reconnected = True
            await pool.check()
        except _UseOrmPath:
            return await _update_with_orm(request)


@dataclass
class _Progress:
    attempt: int = 0
    retries: int = 0


async def _update_on(conn, request: _Request, progress: _Progress) -> FastStatusResult:
    """Attempt the change until it lands, on the one connection the request holds.

    A lost race is retried on the same connection: handing it back to the pool would put
    the retry behind every request queued for one, which is where the slowest answers under
    load came from. The locked path takes over after `_OPTIMISTIC_ATTEMPTS` lost races.
    """
    while progress.attempt < _ATTEMPTS:
        attempt = progress.attempt
        progress.attempt += 1
        try:
            if attempt < _OPTIMISTIC_ATTEMPTS:
                return await _update_optimistic(conn, request, progress.retries)
            return await _update_locked(conn, request, progress.retries)
        except _Retry:
            progress.retries += 1
            metrics.status_update_retries.inc()
            if attempt >= _OPTIMISTIC_ATTEMPTS:
                await asyncio.sleep(0.005 * (attempt + 1))
    raise StateConflictError("Player changed too often to update; try again", current_state=None)


@dataclass
class _Request:
    code: str
    player_id: uuid.UUID
    status: str
    actor: Actor
    location: str | None
    metadata: dict
    expected_version: int | None
    reason: str
    record: IdempotentWrite | None = None
    publish_with_caller: bool = False

    def report(self) -> dict:
        """The status report, as the services take it."""
        return {
            "player_id": self.player_id,
            "status": self.status,
            "actor": self.actor,
            "location": self.location,
            "metadata": self.metadata,
            "expected_version": self.expected_version,
            "reason": self.reason,
        }


class _ReadFailed(Exception):  # noqa: N818 - control flow
    """The connection broke before anything was written (a backend killed, a restart)."""


class _UseOrmPath(Exception):  # noqa: N818 - control flow
    """This room's changes have side effects (an outbox) that only the ORM path writes."""


async def _update_with_orm(request: _Request) -> FastStatusResult:
    if request.record is None:
        result = await pg.run_orm(rules.update_player_status, room=request.code, **request.report())
    else:
        result = await pg.run_orm(_orm_update_recorded, request)
    return FastStatusResult(
        version=result.change.version,
        event_id=result.change.event_id,
        member=result.member,
        ticket=result.change.ticket,
        state=result.change.state,
        retries=result.retries,
    )


def _orm_update_recorded(request: _Request):
    """The ORM path with the durable record in the change's transaction."""
    record = request.record
    with transaction.atomic():
        stored = record.find()
        if stored is not None:
            raise AlreadyApplied(stored.fingerprint, stored.response, stored.event_id)
        result = rules.update_player_status(room=request.code, **request.report())
        record.save(record.seal(result.change.version, result.member), result.change.event_id)
    return result


def _raise_if_applied(prior) -> None:
    if prior is not None:
        raise AlreadyApplied(*prior)


async def _plan(conn, request: _Request, room: Room | None, members: dict) -> rules.StatusPlan:
    if room is None:
        await _raise_missing_room(conn, request.code)
    if await changes.room_change_has_side_effects(room):
        raise _UseOrmPath()
    return rules.plan_status_change(room=room, members=members, now=timezone.now(), **request.report())


def _write_params(request: _Request, room: Room, plan: rules.StatusPlan) -> dict:
    now = plan.fields["last_ping"]
    return {
        **{k: (Jsonb(v) if k == "game_data" else v) for k, v in plan.fields.items()},
        "location": plan.location,
        "status": plan.status,
        "member_id": plan.member.pk,
        "member_version": plan.member.version,
        "player_id": request.player_id,
        "room_id": room.pk,
        "room_version": room.version,
        "old_location": plan.member.current_location,
        "old_status": plan.member.status,
        "reason": plan.history_reason,
        "metadata": Jsonb(plan.metadata),
        "now": now,
        "room_status": plan.room_fields.get("status"),
        "event_data": Jsonb({**plan.changes, "actor": request.actor.as_event_data()}),
    }


async def _write(conn, request: _Request, room: Room, plan: rules.StatusPlan):
    """Send the write statement (with the durable record's part for an Idempotency-Key)."""
    params = _write_params(request, room, plan)
    record = request.record
    if record is None:
        return await conn.execute(WRITE_STATUS_SQL, params)
    # The answer as it will be: the member after the plan, at the version its trigger gives.
    member = copy.copy(plan.member)
    for name, value in plan.fields.items():
        setattr(member, name, value)
    member.version += 1
    params.update(
        record.params(),
        idem_fingerprint=record.fingerprint,
        idem_response=record.seal(room.version + 1, member),
    )
    with _record_conflict(record):
        return await conn.execute(_recorded_sql(record.table)[0], params)


@contextlib.contextmanager
def _record_conflict(record: IdempotentWrite | None):
    """Another request with this key wrote its record first (Redis lost the in-flight claim):
    the statement applied nothing, and the client's retry replays the other's answer."""
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        if record is None:
            raise
        raise DuplicateRequestError() from exc


async def _read_prior(conn, request: _Request):
    """Queue the durable record's lookup in the current pipeline (None without a record)."""
    if request.record is None:
        return None
    return await conn.execute(_recorded_sql(request.record.table)[1], request.record.params())


async def _update_optimistic(conn, request: _Request, retries: int) -> FastStatusResult:
    """Read without a lock, plan, then one statement that locks, checks the version and writes.

    Two round trips in autocommit and no lock held while Python plans; a room that changed
    in between is a lost race (retried, and then taken by the locked path).
    """
    try:
        if request.record is None:
            cur = await conn.execute(READ_SQL, {"code": request.code})
            prior = None
        else:  # the record's lookup rides in the same round trip
            async with conn.pipeline():
                prior_cur = await _read_prior(conn, request)
                cur = await conn.execute(READ_SQL, {"code": request.code})
            prior = await prior_cur.fetchone()
        rows = await cur.fetchall()
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise _ReadFailed() from exc
    _raise_if_applied(prior)
    width = len(_ROOM_FIELDS)
    room = _room_from_row(rows[0][:width]) if rows else None
    members = _members_from_rows(row[width:] for row in rows if row[width] is not None)
    plan = await _plan(conn, request, room, members)
    cur = await _write(conn, request, room, plan)
    return _finish(room, members, plan, await cur.fetchone(), retries, request)


async def _update_locked(conn, request: _Request, retries: int) -> FastStatusResult:
    """Lock the room first, then read and write: progress is certain however busy the room."""
    params = {"code": request.code}
    # Leaving a pipeline block sends its one Sync: one round trip per block.
    async with conn.pipeline():
        await conn.execute("BEGIN")
        room_cur = await conn.execute(LOCK_ROOM_SQL, params)
        members_cur = await conn.execute(MEMBERS_SQL, params)
        prior_cur = await _read_prior(conn, request)
    room_row = await room_cur.fetchone()
    member_rows = await members_cur.fetchall()
    committed = False
    try:
        _raise_if_applied(await prior_cur.fetchone() if prior_cur is not None else None)
        room = _room_from_row(room_row) if room_row else None
        members = _members_from_rows(member_rows)
        plan = await _plan(conn, request, room, members)
        with _record_conflict(request.record):  # in a pipeline, errors arrive at its end
            async with conn.pipeline():
                write_cur = await _write(conn, request, room, plan)
                await conn.execute("COMMIT")
        written = await write_cur.fetchone()
        committed = True
    finally:
        if not committed:
            await _rollback(conn)
    return _finish(room, members, plan, written, retries, request)


def _finish(
    room: Room, members: dict, plan: rules.StatusPlan, written, retries: int, request: _Request
) -> FastStatusResult:
    member_version, room_version, room_status, event_id = written
    if member_version is None:
        raise _Retry()
    plan.apply().version = member_version
    now = plan.fields["last_ping"]
    room.version, room.status, room.last_activity, room.updated_at = room_version, room_status, now, now
    return _after_commit(room, list(members.values()), plan, event_id, retries, request)


def _after_commit(
    room: Room, members: list[RoomMember], plan: rules.StatusPlan, event_id, retries, request: _Request
) -> FastStatusResult:
    payload = room_state_update(room, members, event="player_status_changed", changes=plan.changes)
    payload_json = to_json(payload)
    # The caller writes the snapshot's cache entry together with its own Redis commands, and
    # the publish too when it can (one Redis round trip after the commit instead of two).
    publication = None
    if request.publish_with_caller:
        publication = broadcaster.publication(group=room.group_name, version=room.version, payload_json=payload_json)
    if publication is not None:
        ticket = publication.ticket
    else:
        ticket = broadcaster.publish_committed(
            group=room.group_name,
            room_id=room.pk,
            version=room.version,
            payload_json=payload_json,
            cache_snapshot=False,
        )
    metrics.room_changes.labels("player_status_changed").inc()
    metrics.status_updates.labels(metrics.source_of(request.actor)).inc()
    return FastStatusResult(
        version=room.version,
        event_id=event_id,
        member=plan.member,
        ticket=ticket,
        state=payload["state"],
        retries=retries,
        snapshot_cache=room_state_cache_entry(room_id=room.pk, version=room.version, payload_json=payload_json),
        publication=publication,
    )


async def presence_touch(*, member_id: int) -> None:
    """`status.presence_touch` without blocking the loop: same key, same value format."""
    at = time.time()
    ttl = settings.IN_GAME_HEARTBEAT_TIMEOUT_SECONDS * 2
    try:
        if aredis.is_available():
            await aredis.client().set(aredis.key(rules.heartbeat_cache_key(member_id)), aredis.dumps(at), ex=ttl)
        else:  # local memory: no I/O to wait for
            rules.presence_touch(member_id=member_id, at=at)
    except Exception:  # presence is best effort; the sweep falls back to last_ping
        logger.debug("presence touch failed", exc_info=True)


async def member_heartbeat(*, room_code: str, player_id: uuid.UUID, actor: Actor) -> int:
    """`status.member_heartbeat` on the event loop: one read, then the beat goes to the shared cache.

    Returns the seat's member id. The same rules: a disconnected or departed seat is refused.
    """
    code = normalize_room_code(room_code)
    if not is_well_formed_room_code(code):
        raise RoomNotFoundError()
    row = await pg.fetch(
        HEARTBEAT_SQL, {"code": code, "player_id": player_id, "departures": list(rules.DEPARTURE_EVENTS)}
    )
    if row is None:
        exists = (await pg.fetch(CODE_EXISTS_SQL, {"code": code}))[0]
        raise RoomClosedError() if exists else RoomNotFoundError()
    width = len(_ROOM_FIELDS)
    room = _room_from_row(row[:width])
    member_id, is_connected, departed = row[width : width + 3]
    authorize_room(actor, room)
    require_self(actor, player_id)
    if member_id is None:
        raise PlayerDisconnectedError("The player has left the room") if departed else PlayerNotFoundError()
    rules.require_connected_for_heartbeat(is_connected=is_connected)
    await presence_touch(member_id=member_id)
    return member_id
