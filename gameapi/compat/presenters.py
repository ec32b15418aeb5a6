"""The original API v2's answer bodies, built from our models (field names as the games read them)."""

from __future__ import annotations

from django.conf import settings

from gamebuddies.errors import utc_now_iso
from players.models import PlayerSession
from rooms.models import GameState, MemberRole, Room, RoomMember

from ..presenters import iso

PREMIUM_TIER = "free"  # no accounts here, so no premium
HEALTH_FEATURES = [
    "enhanced_status_sync",
    "session_recovery",
    "conflict_resolution",
    "bulk_updates",
    "heartbeat_monitoring",
    "optimistic_updates",
]


def validate_room(
    room: Room,
    members: list[RoomMember],
    participant: RoomMember | None,
    session_valid: bool,
    session_given: bool,
    state: GameState | None,
) -> dict:
    connected = [m for m in members if m.is_connected]
    return {
        "valid": True,
        "version": "2.0",
        "room": {
            "id": str(room.id),
            "code": room.room_code,
            "gameType": room.current_game_id,
            "status": room.status,
            "currentPlayers": len(connected),
            "maxPlayers": room.max_players,
            "settings": room.game_settings,
            "metadata": room.metadata,
            "createdAt": iso(room.created_at),
            "lastActivity": iso(room.last_activity),
            "roomVersion": room.version,
            "gameRunId": _run_id(room.game_run_id),
        },
        "participant": _participant(participant, session_valid) if participant else None,
        "participants": [
            {
                "id": str(m.player_id),
                "name": m.player.display_name,
                "role": m.role,
                "isHost": m.is_host,
                "currentLocation": m.current_location,
                "inGame": m.in_game,
                "lastPing": iso(m.last_ping),
            }
            for m in connected
        ],
        "gameState": (
            {
                "id": state.pk,
                "data": state.state,
                "version": state.version,
                "createdAt": iso(state.created_at),
                "gameRunId": _run_id(state.game_run_id),
            }
            if state
            else None
        ),
        "sessionInfo": {"valid": session_valid} if session_given else None,
    }


def _run_id(value) -> str | None:
    return str(value) if value else None


def _participant(member: RoomMember, session_valid: bool) -> dict:
    return {
        "id": str(member.player_id),
        "name": member.player.display_name,
        "role": member.role,
        "isHost": member.is_host,
        "isConnected": member.is_connected,
        "currentLocation": member.current_location,
        "inGame": member.in_game,
        "sessionValid": session_valid,
        "gameData": member.game_data,
    }


def status_ack(outcome) -> dict:
    return {
        "success": True,
        "updated": {"status": outcome.word, "location": outcome.location, "timestamp": utc_now_iso()},
        "conflicts": [],
        # We never rotate a player's session from a game server: it would sign the player's
        # browser out of the lobby. The launch URL's token stays valid.
        "sessionToken": None,
        "queued": False,
        "ignored": outcome.ignored,
        "updateId": str(outcome.update_id) if outcome.update_id else None,
        "roomVersion": outcome.version,
    }


def heartbeat_ack() -> dict:
    return {
        "success": True,
        "nextHeartbeat": settings.HEARTBEAT_INTERVAL_MS,
        "nextHeartbeatMs": settings.HEARTBEAT_INTERVAL_MS,
        "serverTime": utc_now_iso(),
    }


def bulk_ack(outcome) -> dict:
    total = len(outcome.players)
    return {
        "success": True,
        "results": outcome.players,
        "errors": [],
        "summary": {"total": total, "successful": total, "failed": 0},
        "gameStateSaved": outcome.game_state_version is not None,
        "gameStateVersion": outcome.game_state_version,
        "returnInitiated": outcome.returned,
        "roomVersion": outcome.version,
    }


def session_lookup(session: PlayerSession, member: RoomMember, total_players: int) -> dict:
    """Both shapes real games read, in one body: the flat fields and the nested `session`."""
    room = session.room
    player_id = str(member.player_id)
    name = member.player.display_name
    is_host = member.role == MemberRole.HOST
    return {
        "success": True,
        "roomCode": room.room_code,
        "gameType": room.current_game_id,
        "streamerMode": False,
        "playerId": player_id,
        "playerName": name,
        "isHost": is_host,
        "metadata": {
            "player_id": player_id,
            "player_name": name,
            "is_host": is_host,
            "total_players": total_players,
            "premium_tier": PREMIUM_TIER,
        },
        "expiresAt": iso(session.expires_at),
        "session": {
            "playerId": player_id,
            "userId": player_id,
            "roomCode": room.room_code,
            "gameType": room.current_game_id,
            "isHost": is_host,
            "playerName": name,
            "premiumTier": PREMIUM_TIER,
            "avatarUrl": None,
            "streamerMode": False,
        },
    }


def player_state(member: RoomMember, room: Room) -> dict:
    return {
        "playerId": str(member.player_id),
        "playerName": member.player.display_name,
        "roomCode": room.room_code,
        "roomId": str(room.id),
        "currentLocation": member.current_location,
        "inGame": member.in_game,
        "isConnected": member.is_connected,
        "isHost": member.is_host,
        "role": member.role,
        "status": member.status,
        "gameData": member.game_data,
    }
