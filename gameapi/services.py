"""Writes of API keys: create, rotate, revoke, and the throttled last-used stamp."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from gamebuddies.actors import Actor
from gamebuddies.errors import GameNotFoundError, ValidationError
from rooms.models import Game
from rooms.permissions import require_staff_permission

from . import conf
from .keys import display_prefix, generate_key, hash_key
from .models import ALL_SCOPES, ApiKey
from .selectors import api_key_is_usable, forget_cached_key
from .webhooks.services import webhook_deliveries_cancel_for_key, webhook_endpoints_follow_rotation

logger = logging.getLogger(__name__)

RATE_PATTERN = re.compile(r"^[1-9][0-9]*/[0-9]*[smhd]$")
# Who changes keys when no one else is named: the management commands and the platform itself.
PLATFORM = Actor.system("platform")


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str  # shown once to whoever asked for it; never stored or logged


def clean_scopes(scopes) -> list[str]:
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise ValidationError("scopes must be a list of scope names", field="scopes")
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValidationError(f"Unknown scope {unknown[0]}; known: {', '.join(ALL_SCOPES)}", field="scopes")
    return sorted(set(scopes))


def clean_rate_limits(rate_limits) -> dict[str, str]:
    if not rate_limits:
        return {}
    tiers = conf.rate_tiers()
    if not isinstance(rate_limits, dict):
        raise ValidationError("rate limits must map a tier to a rate such as 120/m", field="rateLimits")
    for tier, rate in rate_limits.items():
        if tier not in tiers:
            raise ValidationError(f"Unknown rate tier {tier}; known: {', '.join(tiers)}", field="rateLimits")
        if not isinstance(rate, str) or not RATE_PATTERN.match(rate):
            raise ValidationError(f"Rate for {tier} must look like 120/m", field="rateLimits")
    return dict(rate_limits)


def api_key_create(
    *,
    service_name: str,
    scopes,
    game_slug: str | None = None,
    expires_days: int | None = None,
    rate_limits: dict | None = None,
    rotated_from: ApiKey | None = None,
    actor: Actor = PLATFORM,
) -> IssuedApiKey:
    require_staff_permission(actor, "gameapi.issue_apikey")
    service_name = (service_name or "").strip()
    if not service_name or len(service_name) > 100:
        raise ValidationError("service name must be 1-100 characters", field="service")
    days = conf.key_lifetime_days() if expires_days is None else expires_days
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationError("expiry must be at least one day", field="expiresDays")
    game = None
    if game_slug:
        game = Game.objects.filter(pk=game_slug).first()
        if game is None:
            raise GameNotFoundError(f"No game {game_slug}", field="game")
    raw_key = generate_key()
    key = ApiKey.objects.create(
        key_prefix=display_prefix(raw_key),
        key_hash=hash_key(raw_key),
        service_name=service_name,
        game=game,
        scopes=clean_scopes(scopes),
        rate_limits=clean_rate_limits(rate_limits),
        expires_at=timezone.now() + timedelta(days=days),
        rotated_from=rotated_from,
    )
    logger.info("API key %s created for %s", key.key_prefix, service_name)
    return IssuedApiKey(api_key=key, raw_key=raw_key)


@transaction.atomic
def api_key_rotate(*, api_key: ApiKey, grace_days: int | None = None, actor: Actor = PLATFORM) -> IssuedApiKey:
    """A new key with the same service, scopes, game and limits; the old one works until the grace ends."""
    require_staff_permission(actor, "gameapi.rotate_apikey")
    grace = conf.rotation_grace_days() if grace_days is None else grace_days
    if isinstance(grace, bool) or not isinstance(grace, int) or grace < 0:
        raise ValidationError("grace days must be zero or more", field="graceDays")
    old = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if not api_key_is_usable(old):
        raise ValidationError("This key is expired or revoked; create a new one instead", field="prefix")
    if old.grace_until is not None:
        raise ValidationError("This key was already rotated; rotate its successor instead", field="prefix")
    issued = api_key_create(
        service_name=old.service_name,
        scopes=old.scopes,
        game_slug=old.game_id,
        rate_limits=old.rate_limits,
        rotated_from=old,
    )
    old.grace_until = timezone.now() + timedelta(days=grace)
    old.save(update_fields=["grace_until"])
    webhook_endpoints_follow_rotation(old=old, new=issued.api_key)
    transaction.on_commit(lambda: forget_cached_key(old))
    logger.info("API key %s rotated to %s", old.key_prefix, issued.api_key.key_prefix)
    return issued


def api_key_revoke(*, api_key: ApiKey, actor: Actor = PLATFORM) -> None:
    require_staff_permission(actor, "gameapi.revoke_apikey")
    with transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk).update(is_active=False)
        webhook_deliveries_cancel_for_key(api_key=api_key, reason="API key revoked")
    forget_cached_key(api_key)
    logger.info("API key %s revoked", api_key.key_prefix)


_touched_at: dict[int, float] = {}


def api_key_touch_due(api_key: ApiKey) -> bool:
    """Has this process not stamped the key within the resolution (a minute)?"""
    return time.monotonic() - _touched_at.get(api_key.pk, -1e9) >= conf.last_used_resolution_seconds()


def api_key_touch(*, api_key: ApiKey) -> None:
    """Stamp last_used_at at most once a minute per key: a cache flag saves the write.

    An in-process mark skips even the cache round trip while this process touched the key
    recently (several processes may each write once a minute: harmless).
    """
    if not api_key_touch_due(api_key):
        return
    _touched_at[api_key.pk] = time.monotonic()
    try:
        first_this_minute = cache.add(f"gameapi:key-used:{api_key.pk}", 1, conf.last_used_resolution_seconds())
    except Exception:  # the cache is an optimisation; Redis down must not fail requests
        logger.debug("last-used guard unavailable", exc_info=True)
        return
    if first_this_minute:
        now = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


@transaction.atomic
def api_key_update(*, api_key: ApiKey, actor: Actor, scopes=None, rate_limits=None) -> list[str]:
    """Change a key's scopes and per-tier rate overrides; returns the fields that changed.

    The key cache forgets the key on commit, so the next request already runs with the change.
    """
    require_staff_permission(actor, "gameapi.change_apikey")
    key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    wanted = {}
    if scopes is not None:
        wanted["scopes"] = clean_scopes(list(scopes))
    if rate_limits is not None:
        wanted["rate_limits"] = clean_rate_limits(rate_limits)
    changed = [name for name, value in wanted.items() if getattr(key, name) != value]
    if changed:
        ApiKey.objects.filter(pk=key.pk).update(**{name: wanted[name] for name in changed})
        transaction.on_commit(lambda: forget_cached_key(key))
        logger.info("API key %s changed: %s", key.key_prefix, ", ".join(changed))
    return changed


@transaction.atomic
def api_key_extend(*, api_key: ApiKey, actor: Actor, days: int) -> ApiKey:
    """Push a usable key's expiry `days` further out (from now if it had none or it lies behind)."""
    require_staff_permission(actor, "gameapi.change_apikey")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise ValidationError("extend by 1 to 3650 days", field="days")
    key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if not api_key_is_usable(key) or key.grace_until is not None:
        raise ValidationError("This key is expired, revoked or rotated; extend its successor instead", field="prefix")
    now = timezone.now()
    key.expires_at = max(key.expires_at or now, now) + timedelta(days=days)
    key.save(update_fields=["expires_at"])
    transaction.on_commit(lambda: forget_cached_key(key))
    logger.info("API key %s now expires %s", key.key_prefix, key.expires_at.isoformat())
    return key
