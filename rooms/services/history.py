"""The status history row every change of a member's status or location leaves behind."""

from __future__ import annotations

from players.models import PlayerStatusHistory


def history_row(
    *,
    player_id,
    room_id,
    old_location: str,
    old_status: str,
    new_location: str,
    new_status: str,
    reason: str,
    metadata: dict | None = None,
) -> PlayerStatusHistory:
    """One unsaved row; the caller writes them together (players.services.status_history_record_many)."""
    return PlayerStatusHistory(
        player_id=player_id,
        room_id=room_id,
        old_location=old_location,
        new_location=new_location,
        old_status=old_status,
        new_status=new_status,
        reason=reason[:200],
        metadata=metadata or {},
    )
