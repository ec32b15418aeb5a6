"""Forgetting an API key's cached copies when its row changes, even while Redis is away.

Two caches hold keys: the shared cache (`gameapi:key:<hash>`, a minute, the DRF path) and
each process's own (the lean path, gameapi/lean/keys.py), which reloads a key when its
generation in Redis changes. A save (revoke, rotate, re-scope, any admin edit) deletes the
first and bumps the second, so the change takes effect on the next request everywhere.

While Redis is away, neither can be done, and the save must still succeed (it used to
answer 503). It can: during the outage every request authenticates from PostgreSQL (cache
reads miss; the lean path hands its requests to Django, which then reads the row). What
must not happen is a stale copy being believed once Redis is back. So a failed invalidation
is logged once per outage, counted (gamebuddies_key_invalidations_deferred_total) and kept
in this process, which sends it again every half second until Redis takes it (and the lean
path drops its in-process copies when it finds Redis away). Should this process exit first,
the copies still expire: a minute in the shared cache, a minute in a process (their max age).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from django.core.cache import cache

from gamebuddies import metrics
from gamebuddies.outages import Outage

logger = logging.getLogger(__name__)

RETRY_SECONDS = 0.5

invalidations = Outage(
    "API key cache invalidation (Redis)",
    "key changes are kept and sent again until it is back; meanwhile keys are read from PostgreSQL",
)
_pending: dict[int, str] = {}  # key id -> its hash: invalidations Redis has not taken yet
_lock = threading.Lock()
_retrier: threading.Thread | None = None


def key_cache_key(digest: str) -> str:
    return f"gameapi:key:{digest}"


def key_generation_key(api_key_id: int) -> str:
    return f"gameapi:keygen:{api_key_id}"


def _invalidate(api_key_id: int, key_hash: str) -> None:
    """Delete the shared copy and give the key a new generation; raises while Redis is away.

    `delete` and `add` report an outage (the cache's `set` would skip it silently); the
    generation is deleted first so `add` always writes a new value.
    """
    cache.delete_many([key_cache_key(key_hash), key_generation_key(api_key_id)])
    cache.add(key_generation_key(api_key_id), uuid.uuid4().hex, None)


def forget(api_key_id: int, key_hash: str) -> None:
    """Invalidate the key's cached copies now, or as soon as Redis takes it (never raises)."""
    try:
        _invalidate(api_key_id, key_hash)
    except Exception as exc:
        invalidations.failed(exc)
        metrics.key_invalidations_deferred.inc()
        _defer(api_key_id, key_hash)
        return
    invalidations.recovered()


def _defer(api_key_id: int, key_hash: str) -> None:
    global _retrier
    with _lock:
        _pending[api_key_id] = key_hash
        if _retrier is None or not _retrier.is_alive():
            _retrier = threading.Thread(target=_retry_until_sent, name="gameapi-key-invalidation", daemon=True)
            _retrier.start()


def _retry_until_sent() -> None:
    while flush_pending():
        time.sleep(RETRY_SECONDS)


def flush_pending() -> int:
    """Send the deferred invalidations; the number still pending (Redis still away)."""
    with _lock:
        waiting = list(_pending.items())
    for api_key_id, key_hash in waiting:
        try:
            _invalidate(api_key_id, key_hash)
        except Exception:
            break
        with _lock:
            if _pending.get(api_key_id) == key_hash:
                del _pending[api_key_id]
        invalidations.recovered()
    with _lock:
        return len(_pending)
