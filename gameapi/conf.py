"""Game API settings, read when used (tests and operators change them in gamebuddies/settings.py,
which reads each from the environment; README.md lists them)."""

from __future__ import annotations

from django.conf import settings

# The tiers as the environment set them when the app loaded: a settings override that names
# only some tiers (a test, a deployment's own settings module) keeps the others.
_CONFIGURED_RATE_TIERS = dict(settings.GAME_API_RATE_LIMITS)


def rate_tiers() -> dict[str, str]:
    """Requests per window, per API key (and per room or player where the tier says so)."""
    return {**_CONFIGURED_RATE_TIERS, **settings.GAME_API_RATE_LIMITS}


def key_lifetime_days() -> int:
    return settings.GAME_API_KEY_LIFETIME_DAYS


def rotation_grace_days() -> int:
    return settings.GAME_API_ROTATION_GRACE_DAYS


def idempotency_ttl_seconds() -> int:
    return settings.GAME_API_IDEMPOTENCY_TTL_SECONDS


def in_flight_seconds() -> int:
    """How long an unfinished Idempotency-Key blocks duplicates if its worker died mid-request."""
    return settings.GAME_API_IN_FLIGHT_SECONDS


def dedup_seconds() -> int:
    """Identical requests without Idempotency-Key are deduplicated while in flight, at most this long."""
    return settings.GAME_API_DEDUP_SECONDS


def request_log_batch_size() -> int:
    return settings.GAME_API_REQUEST_LOG_BATCH


def request_log_interval_seconds() -> float:
    return settings.GAME_API_REQUEST_LOG_INTERVAL_SECONDS


def request_log_background() -> bool:
    """Flush the request log from a background thread (off in tests, which flush explicitly)."""
    return settings.GAME_API_REQUEST_LOG_BACKGROUND


def last_used_resolution_seconds() -> int:
    return settings.GAME_API_LAST_USED_RESOLUTION_SECONDS


# How long an answer with `waitForBroadcast` waits for the change's broadcast (both paths).
BROADCAST_WAIT_SECONDS = 2.0
