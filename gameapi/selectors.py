"""Reads of API keys. Keys are found by their SHA-256, never by the raw value."""

from __future__ import annotations

import hmac
import logging
from datetime import datetime

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from gamebuddies.errors import InvalidApiKeyError, NotFoundError, ValidationError

from . import key_cache
from .key_cache import key_cache_key, key_generation_key  # noqa: F401 - also the lean path's
from .keys import KEY_PREFIX, hash_key, is_well_formed
from .models import ApiKey, Scope

logger = logging.getLogger(__name__)


def api_key_is_usable(key: ApiKey, *, now: datetime | None = None) -> bool:
    """Active, not past its expiry, and (for a rotated-out key) still inside its grace period."""
    now = now or timezone.now()
    if not key.is_active:
        return False
    if key.expires_at is not None and key.expires_at <= now:
        return False
    return key.grace_until is None or key.grace_until > now


def api_key_can_own_webhooks(key: ApiKey, *, now: datetime | None = None) -> bool:
    """May a webhook endpoint be attached to this key? Usable, not rotated out (its endpoints
    moved to the successor), and holding the webhooks scope."""
    return api_key_is_usable(key, now=now) and key.grace_until is None and Scope.WEBHOOKS in (key.scopes or [])


def webhook_key_choices() -> QuerySet[ApiKey]:
    """The keys the admin's webhook endpoint form may offer (the rule above, as a queryset)."""
    candidates = ApiKey.objects.filter(is_active=True, grace_until__isnull=True).order_by("service_name", "pk")
    return ApiKey.objects.filter(pk__in=[k.pk for k in candidates if api_key_can_own_webhooks(k)]).order_by(
        "service_name", "pk"
    )


KEY_CACHE_SECONDS = 60


def api_key_authenticate(*, raw_key: object) -> ApiKey:
    """The usable key for a raw `gb_...` value, or InvalidApiKeyError.

    Active keys are cached by hash for a minute (a query and its ORM work were a sixth
    of a status update's CPU); revoking or rotating a key deletes its entry, and expiry
    and grace are checked on every request against the cached row.
    """
    if not is_well_formed(raw_key):
        raise InvalidApiKeyError()
    digest = hash_key(raw_key)
    key = _cached_key(digest)
    if key is None:
        key = ApiKey.objects.filter(key_hash=digest, is_active=True).first()
        if key is not None:
            _remember_key(digest, key)
    return usable_key_or_refuse(key, digest)


def usable_key_or_refuse(key: ApiKey | None, digest: str, *, now: datetime | None = None) -> ApiKey:
    """The key found for `digest` if it may be used; otherwise InvalidApiKeyError.

    Unknown, revoked, expired and rotated-out keys all get the same answer, so a refusal
    never tells whether a key exists or what became of it.
    """
    # The index lookup already matched; the constant-time comparison keeps the check
    # itself free of timing differences should the lookup ever become a scan.
    if key is None or not hmac.compare_digest(key.key_hash, digest) or not api_key_is_usable(key, now=now):
        raise InvalidApiKeyError()
    return key


def _cached_key(digest: str) -> ApiKey | None:
    try:
        return cache.get(key_cache_key(digest))
    except Exception:  # the cache is an optimisation; Redis down falls back to the database
        return None


def _remember_key(digest: str, key: ApiKey) -> None:
    try:
        cache.set(key_cache_key(digest), key, KEY_CACHE_SECONDS)
    except Exception:
        logger.debug("API key cache unavailable", exc_info=True)


def forget_cached_key(key: ApiKey) -> None:
    """After a key changes (revoked, rotated): the next request reads it from the database.

    Processes that keep keys in memory (the lean path) see the new generation on their
    next request for this key and reload it. While Redis is away this is deferred, not
    refused (gameapi/key_cache.py says why that is safe).
    """
    key_cache.forget(key.pk, key.key_hash)


def api_key_get_by_prefix(*, prefix: str) -> ApiKey:
    """The one active key whose display prefix starts with `prefix` (for the management commands)."""
    prefix = (prefix or "").strip()
    if not prefix.startswith(KEY_PREFIX):
        prefix = KEY_PREFIX + prefix
    if len(prefix) < len(KEY_PREFIX) + 4:
        raise ValidationError("Give at least four characters of the key prefix", field="prefix")
    matches = list(
        ApiKey.objects.filter(key_prefix__startswith=prefix[:16], is_active=True).order_by("-created_at")[:2]
    )
    if not matches:
        raise NotFoundError(f"No active API key with prefix {prefix}")
    if len(matches) > 1:
        raise ValidationError(f"More than one active key starts with {prefix}; give more characters", field="prefix")
    return matches[0]
