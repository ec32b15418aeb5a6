"""Room services: every write to rooms and their members goes through here.

Each service is a keyword-only function that takes the room lock, checks who is
asking (an Actor), writes, and finishes with one versioned, broadcast change.
"""

from ..locks import lock_room
from .changes import RoomChange, commit_room_change
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
from .status import BulkRow, StatusUpdateResult, bulk_update_status, member_heartbeat, update_player_status

__all__ = [
    "BulkRow",
    "GameEndResult",
    "RoomChange",
    "SeatResult",
    "StatusUpdateResult",
    "bulk_update_status",
    "commit_room_change",
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
    "room_abandon",
    "room_close",
    "room_create",
    "room_join",
    "room_leave",
    "update_player_status",
]
