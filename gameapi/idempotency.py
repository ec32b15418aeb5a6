"""Idempotent retries (Idempotency-Key) and in-flight deduplication of identical requests.

With an `Idempotency-Key` header, the first response to a POST/PUT is kept for 24 h and
replayed to any retry with the same body (header `Idempotent-Replayed: true`), without
running the request again. The same key with another body is refused (422); a retry
that arrives while the first is still running gets 409 DUPLICATE_REQUEST (retryable).
Without the header, identical requests (same API key, method, path and body) that
overlap in time are deduplicated the same way for at most a few seconds.

Records live in the shared cache, keyed by API key id and a hash of the client's key.
`cache.add` (SET NX on Redis) decides atomically who runs first. Stored bodies can hold
session tokens, so they are encrypted with a key derived from the caller's raw API key,
which the server never stores: the cache alone cannot reveal them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.cache import cache
from django.http import HttpResponse

from gamebuddies import metrics
from gamebuddies.errors import DuplicateRequestError, IdempotencyKeyReusedError, ValidationError
from gamebuddies.validation import loads_json

from . import conf

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
GUARDED_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_IN_FLIGHT, _DONE = "in_flight", "done"


class Replay(Exception):  # noqa: N818 - control flow, not an error
    """Raised before the handler runs when a stored response answers the request."""

    def __init__(self, response: HttpResponse):
        super().__init__("idempotent replay")
        self.response = response


def _fingerprint(method: str, path: str, body: bytes) -> str:
    # Key order and whitespace do not make a different request.
    try:
        canonical = json.dumps(loads_json(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, ValidationError):  # not JSON, or nested too deep to parse: the bytes as sent
        canonical = body
    return hashlib.sha256(method.encode() + b"\0" + path.encode() + b"\0" + canonical).hexdigest()


def _cipher(raw_api_key: str, idempotency_key: str) -> AESGCM:
    secret = hmac.new(raw_api_key.encode(), b"idempotency\0" + idempotency_key.encode(), hashlib.sha256).digest()
    return AESGCM(secret)


@dataclass
class Guard:
    """One running request that holds a cache slot until `finish` stores or frees it."""

    cache_key: str
    fingerprint: str
    idempotency_key: str | None
    raw_api_key: str

    def finish(self, response: HttpResponse) -> None:
        try:
            record = self.record_for(
                status=response.status_code, content_type=response.get("Content-Type", ""), body=response.content
            )
            if record is not None:
                cache.set(self.cache_key, record, conf.idempotency_ttl_seconds())
            else:
                cache.delete(self.cache_key)
        except Exception:  # a lost record means a retry runs again; never fail the response
            logger.warning("idempotency record not saved", exc_info=True)

    def record_for(self, *, status: int, content_type: str, body: bytes) -> dict | None:
        """What to keep for this answer: the sealed record, or None to free the slot."""
        if not self.idempotency_key or not _should_store(status, body):
            return None
        return self._seal(status=status, content_type=content_type, body=body)

    def _seal(self, *, status: int, content_type: str, body: bytes) -> dict:
        plain = json.dumps({"status": status, "type": content_type, "body": body.decode()}).encode()
        nonce = os.urandom(12)
        sealed = _cipher(self.raw_api_key, self.idempotency_key).encrypt(nonce, plain, self.fingerprint.encode())
        return {"state": _DONE, "fp": self.fingerprint, "blob": nonce + sealed}

    def replay(self, record: dict) -> HttpResponse | None:
        blob = record.get("blob") or b""
        try:
            plain = _cipher(self.raw_api_key, self.idempotency_key).decrypt(
                blob[:12], blob[12:], self.fingerprint.encode()
            )
        except (InvalidTag, ValueError):
            return None
        stored = json.loads(plain)
        response = HttpResponse(stored["body"], status=stored["status"], content_type=stored["type"])
        response[REPLAYED_HEADER] = "true"
        return response


def _should_store(status: int, body: bytes) -> bool:
    """Keep final answers; a retryable error (409 conflict, 429, 5xx) must let the retry run."""
    if status >= 500 or status == 429:
        return False
    if status >= 400:
        try:
            return not json.loads(body).get("retryable", False)
        except (ValueError, AttributeError):
            return False
    return True


def clean_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_KEY_LENGTH or not value.isprintable():
        raise ValidationError(f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable characters", field=HEADER)
    return value


def new_guard(
    *, method: str, path: str, body: bytes, api_key_id: int, raw_api_key: str, header: str | None
) -> tuple[Guard, int]:
    """The slot this request would claim, and how long an unfinished claim blocks others."""
    idempotency_key = clean_idempotency_key(header)
    fingerprint = _fingerprint(method, path, body)
    if idempotency_key:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
        guard = Guard(f"gameapi:idem:{api_key_id}:{digest}", fingerprint, idempotency_key, raw_api_key)
        return guard, conf.in_flight_seconds()
    guard = Guard(f"gameapi:dedup:{api_key_id}:{fingerprint}", fingerprint, None, raw_api_key)
    return guard, conf.dedup_seconds()


def in_flight_record(guard: Guard) -> dict:
    return {"state": _IN_FLIGHT, "fp": guard.fingerprint}


def raise_for_existing(guard: Guard, record: dict) -> None:
    """Another request holds the slot: replay its stored answer, or say why this one can't run."""
    if record.get("fp") != guard.fingerprint:
        raise IdempotencyKeyReusedError()
    if record.get("state") == _DONE:
        response = guard.replay(record)
        if response is not None:
            metrics.idempotent_replays.inc()
            raise Replay(response)
        raise IdempotencyKeyReusedError()
    raise DuplicateRequestError()


def begin(
    *, method: str, path: str, body: bytes, api_key_id: int, raw_api_key: str, header: str | None
) -> Guard | None:
    """Claim the request's slot, or raise Replay / DuplicateRequestError / IdempotencyKeyReusedError."""
    if method not in GUARDED_METHODS:
        return None
    guard, timeout = new_guard(
        method=method, path=path, body=body, api_key_id=api_key_id, raw_api_key=raw_api_key, header=header
    )
    for _ in range(2):  # a record that expires between add and get gets one more try
        try:
            claimed = cache.add(guard.cache_key, in_flight_record(guard), timeout)
        except Exception:
            if guard.idempotency_key:
                raise  # promised exactly-once: better a 500 the client retries than a double write
            logger.warning("request deduplication unavailable", exc_info=True)
            return None
        if claimed:
            return guard
        record = cache.get(guard.cache_key)
        if record is not None:
            raise_for_existing(guard, record)
    raise DuplicateRequestError()
