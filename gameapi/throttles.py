"""Tiered rate limits per API key, counted on the shared cache (django-ratelimit via gamebuddies.ratelimits)."""

from __future__ import annotations

from gamebuddies import ratelimits

from . import conf
from .models import ApiKey
from .services import RATE_PATTERN


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
