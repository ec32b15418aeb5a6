"""Game API settings with their defaults; gamebuddies/settings.py may override any of them."""

from __future__ import annotations

from django.conf import settings

# Requests per window, per API key (and per room or player where the tier says so).
DEFAULT_RATE_TIERS = {
    "validation": "100/m",  # keys/validate, sessions/validate
    "status": "60/m",  # status updates, per room
    "bulk": "10/m",  # bulk status updates
    "heartbeat": "120/m",  # heartbeats, per player
    "room_create": "30/m",  # rooms created through the API
    "read": "300/m",  # snapshots, events, game state reads
    "write": "120/m",  # seats, game end, game state writes
}


def rate_tiers() -> dict[str, str]:
    return {**DEFAULT_RATE_TIERS, **getattr(settings, "GAME_API_RATE_LIMITS", {})}


def key_lifetime_days() -> int:
    return getattr(settings, "GAME_API_KEY_LIFETIME_DAYS", 365)


def rotation_grace_days() -> int:
    return getattr(settings, "GAME_API_ROTATION_GRACE_DAYS", 7)


def idempotency_ttl_seconds() -> int:
    return getattr(settings, "GAME_API_IDEMPOTENCY_TTL_SECONDS", 24 * 3600)


def in_flight_seconds() -> int:
    """How long an unfinished Idempotency-Key blocks duplicates if its worker died mid-request."""
    return getattr(settings, "GAME_API_IN_FLIGHT_SECONDS", 60)


def dedup_seconds() -> int:
    """Identical requests without Idempotency-Key are deduplicated while in flight, at most this long."""
    return getattr(settings, "GAME_API_DEDUP_SECONDS", 5)


def request_log_batch_size() -> int:
    return getattr(settings, "GAME_API_REQUEST_LOG_BATCH", 100)


def request_log_interval_seconds() -> float:
    return getattr(settings, "GAME_API_REQUEST_LOG_INTERVAL_SECONDS", 1.0)


def request_log_background() -> bool:
    """Flush the request log from a background thread (off in tests, which flush explicitly)."""
    return getattr(settings, "GAME_API_REQUEST_LOG_BACKGROUND", True)


def last_used_resolution_seconds() -> int:
    return getattr(settings, "GAME_API_LAST_USED_RESOLUTION_SECONDS", 60)


# How long an answer with `waitForBroadcast` waits for the change's broadcast (both paths).
BROADCAST_WAIT_SECONDS = 2.0
