"""API key authentication for the lean path: a process-local cache, PostgreSQL on a miss.

`gameapi.selectors.api_key_authenticate` costs a Redis GET per request. Here a key found
once is kept in this process; its generation (a Redis value bumped whenever the key row
changes, read by the guard's script in the same round trip as the rate limit) tells
when to read it again, so revoking, rotating or re-scoping a key takes effect on the
next request in every process. Usability (active, expiry, grace) is checked by the same
`api_key_is_usable` on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.utils import timezone

from gamebuddies import pg
from gamebuddies.errors import InvalidApiKeyError

from ..keys import hash_key, is_well_formed
from ..models import ApiKey
from ..selectors import usable_key_or_refuse

# Even with an unchanged generation, a key is read again after this long (a lost bump).
_MAX_AGE_SECONDS = 60.0
_MAX_ENTRIES = 10_000
_FIELDS = [f.attname for f in ApiKey._meta.concrete_fields]
_KEY_SQL = (
    f"SELECT {', '.join(f.column for f in ApiKey._meta.concrete_fields)} FROM api_keys "  # noqa: S608 - metadata only
    "WHERE key_hash = %(digest)s AND is_active"
)


@dataclass
class _Entry:
    key: ApiKey
    loaded_at: float
    generation: bytes | None = None


_cache: dict[str, _Entry] = {}


async def _load(digest: str) -> ApiKey | None:
    row = await pg.fetch(_KEY_SQL, {"digest": digest})
    return None if row is None else ApiKey.from_db("default", _FIELDS, row)


def _usable(key: ApiKey | None, digest: str) -> ApiKey:
    return usable_key_or_refuse(key, digest, now=timezone.now())


async def authenticate(raw_key: str) -> tuple[ApiKey, str]:
    """The usable key for a raw value and its digest, or InvalidApiKeyError."""
    if not is_well_formed(raw_key):
        raise InvalidApiKeyError()
    digest = hash_key(raw_key)
    entry = _cache.get(digest)
    if entry is None or time.monotonic() - entry.loaded_at > _MAX_AGE_SECONDS:
        key = await _load(digest)
        if key is None:
            _cache.pop(digest, None)
        else:
            _remember(digest, key)
        return _usable(key, digest), digest
    return _usable(entry.key, digest), digest


def _remember(digest: str, key: ApiKey, generation: bytes | None = None) -> None:
    if len(_cache) >= _MAX_ENTRIES:
        _cache.pop(next(iter(_cache)))
    _cache[digest] = _Entry(key=key, loaded_at=time.monotonic(), generation=generation)


async def confirm_generation(digest: str, key: ApiKey, generation: bytes) -> ApiKey:
    """After the guard read the key's generation: reload the key if it changed since it was cached."""
    entry = _cache.get(digest)
    if entry is not None and entry.generation is None:
        entry.generation = generation  # first sight since loading: this is its generation
        return key
    if entry is not None and entry.generation == generation:
        return key
    fresh = await _load(digest)
    if fresh is None:
        _cache.pop(digest, None)
    else:
        _remember(digest, fresh, generation)
    return _usable(fresh, digest)


def forget_all() -> None:
    """Tests: start from an empty cache."""
    _cache.clear()
