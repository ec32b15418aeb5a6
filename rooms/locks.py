"""Row locks for room changes, in the shape of Saleor's `lock_objects` helpers.

Lock contract: `lock_room` takes the room row lock (PostgreSQL `SELECT ... FOR UPDATE`;
on SQLite every transaction is BEGIN IMMEDIATE, which serialises writers). Every writer takes
it before any member row is read or written, so two changes to one room never interleave and
never deadlock, and the members read after it (`members_of_locked_room`) cannot change until
the transaction ends. Both must run inside `transaction.atomic()`; they assert it.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from gamebuddies.errors import RoomClosedError, RoomNotFoundError

from .models import LIVE_ROOM_STATUSES, Room, RoomMember
from .selectors import live_room_with_code, room_members

RoomRef = Room | uuid.UUID | str


def _require_transaction(name: str) -> None:
    assert transaction.get_connection().in_atomic_block, f"{name} needs a transaction"


def lock_room(ref: RoomRef, *, allow_closed: bool = False) -> Room:
    """Lock and return a live room by instance, id or code (a closed one too with `allow_closed`)."""
    _require_transaction("lock_room")
    rooms = Room.objects.select_for_update()
    if isinstance(ref, Room | uuid.UUID):
        room = rooms.filter(pk=ref.pk if isinstance(ref, Room) else ref).first()
    else:
        room = live_room_with_code(rooms, ref)
    if room is None:
        raise RoomNotFoundError()
    if not allow_closed and room.status not in LIVE_ROOM_STATUSES:
        raise RoomClosedError()
    return room


def members_of_locked_room(room: Room) -> dict[uuid.UUID, RoomMember]:
    """Every member of a room this transaction has locked, keyed by player id (one query).

    Takes no lock of its own: the room's lock is what keeps these rows from changing.
    """
    _require_transaction("members_of_locked_room")
    return {m.player_id: m for m in room_members(room=room)}
