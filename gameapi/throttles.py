"""Tiered rate limits per API key, counted on the shared cache (django-ratelimit via gamebuddies.ratelimits)."""

from __future__ import annotations

from django.conf import settings

from gamebuddies import ratelimits

from . import conf
from .models import ApiKey
from .services import RATE_PATTERN

# Tiers whose requests write: they count in the key's writes-per-minute quota too.
WRITE_TIERS = frozenset({"status", "bulk", "room_create", "write"})  # heartbeats only refresh presence


def rate_for(api_key: ApiKey, tier: str) -> str:
    """The key's own rate for a tier when it has a valid override, else the platform's."""
    override = (api_key.rate_limits or {}).get(tier)
    if isinstance(override, str) and RATE_PATTERN.match(override):
        return override
    return conf.rate_tiers()[tier]


def enforce(*, api_key: ApiKey, tier: str, subject: str = "") -> None:
    """Count one request in the tier; RateLimitedError (429, Retry-After) past its rate.

    `subject` narrows the bucket (a room for status updates, a player for heartbeats).
    """
    value = f"{api_key.pk}:{subject}" if subject else str(api_key.pk)
    ratelimits.hit(group=f"gameapi:{tier}", value=value, rate=rate_for(api_key, tier))
    enforce_key_quota(api_key=api_key, tier=tier)


def enforce_unauthenticated(*, ip: str) -> None:
    """A request without a valid key (none, a bad one, an unknown path): at most
    API_ANONYMOUS_RATE per client IP, then 429 (issue 18 #5)."""
    ratelimits.hit(group="gameapi:unauthenticated", value=ip, rate=settings.API_ANONYMOUS_RATE)


WRITES_QUOTA_GROUP = "gameapi:quota-writes"


def enforce_key_quota(*, api_key: ApiKey, tier: str) -> None:
    """The key's overall quota across all its rooms (issue 18 #5), on top of the tiers: rooms
    created per hour, and writes of any kind per minute."""
    if tier == "room_create":
        ratelimits.hit(group="gameapi:quota-rooms", value=str(api_key.pk), rate=settings.API_KEY_ROOMS_PER_HOUR)
    if (quota := writes_quota(tier)) is not None:
        ratelimits.hit(group=quota[0], value=str(api_key.pk), rate=quota[1])


def writes_quota(tier: str) -> tuple[str, str] | None:
    """(group, rate) of the writes-per-minute quota a request of `tier` counts in, or None.
    The lean path counts it in its guard script (gameapi/lean/guard.py), in the same bucket."""
    return (WRITES_QUOTA_GROUP, settings.API_KEY_WRITES_PER_MINUTE) if tier in WRITE_TIERS else None
