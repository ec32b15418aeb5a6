"""Room services: every write to rooms and their members goes through here.

Each service is a keyword-only function that takes the room lock, checks who is
asking (an Actor), writes, and finishes with one versioned, broadcast change.

What other apps use is exported here (`__all__`), so they import `rooms.services`, never one of
its modules (tests/import_rules.py holds them to it). The lean Game API path uses `fast_status`,
the status update in two round trips, as a module of its own.
"""

from ..locks import lock_room
from . import fast_status
from .changes import RoomChange, commit_room_change, register_in_transaction_hook
from .fast_status import AlreadyApplied, IdempotentWrite
from .gameplay import GameEndResult, game_end, game_play_again, game_select, game_start, game_state_save
from .lifecycle import SeatResult, room_abandon, room_close, room_create
from .membership import (
    host_migrate_if_needed,
    host_transfer,
    member_connect,
    member_disconnect,
    member_kick,
    member_set_profile,
    member_set_ready,
    member_unblock,
    room_join,
    room_leave,
)
from .status import (
    ALLOWED_LOCATIONS,
    DEFAULT_STATUS_FOR_LOCATION,
    BulkRow,
    StatusUpdateResult,
    bulk_update_status,
    clean_metadata,
    member_heartbeat,
    update_player_status,
)

__all__ = [
    "ALLOWED_LOCATIONS",
    "DEFAULT_STATUS_FOR_LOCATION",
    "AlreadyApplied",
    "BulkRow",
    "IdempotentWrite",
    "GameEndResult",
    "RoomChange",
    "SeatResult",
    "StatusUpdateResult",
    "bulk_update_status",
    "clean_metadata",
    "commit_room_change",
    "fast_status",
    "game_end",
    "game_play_again",
    "game_select",
    "game_start",
    "game_state_save",
    "host_migrate_if_needed",
    "host_transfer",
    "lock_room",
    "member_connect",
    "member_disconnect",
    "member_heartbeat",
    "member_kick",
    "member_set_profile",
    "member_set_ready",
    "member_unblock",
    "register_in_transaction_hook",
    "room_abandon",
    "room_close",
    "room_create",
    "room_join",
    "room_leave",
    "update_player_status",
]
