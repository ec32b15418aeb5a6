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

With the header, the answer of a change is also recorded in PostgreSQL in the same
transaction as the change (gameapi/idempotency_store.py), and a request that finds no
record in Redis looks there before it runs: a retry after a connection lost during COMMIT
replays the original answer if the change committed and applies it, once, if it did not.
While Redis is away the record alone keeps the promise (its unique key lets one of two
concurrent requests with the same key commit; the other answers 409).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

from gamebuddies import metrics
from gamebuddies.errors import DuplicateRequestError, IdempotencyKeyReusedError, ValidationError
from gamebuddies.validation import loads_json
from rooms.services import AlreadyApplied, IdempotentWrite

from . import conf, idempotency_store

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
    api_key_id: int = 0
    key_hash: str = ""  # SHA-256 of the Idempotency-Key: the durable record's key
    # Set when the slot must be freed whatever the answer (the key belongs to another request).
    discard: bool = False
    # Redis was away when the request began: no slot to free or fill (the durable record holds).
    unclaimed: bool = False

    def release(self) -> None:
        """Free the slot without keeping an answer (the request did not finish)."""
        if self.unclaimed:
            return
        try:
            cache.delete(self.cache_key)
        except Exception:  # the claim expires by itself (in-flight timeout)
            logger.warning("idempotency slot not freed", exc_info=True)

    def finish(self, response: HttpResponse) -> None:
        if self.unclaimed:
            return
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
        if self.discard or not self.idempotency_key or not _should_store(status, body):
            return None
        return {"state": _DONE, "fp": self.fingerprint, "blob": self.seal(status, content_type, body)}

    def seal(self, status: int, content_type: str, body: bytes) -> bytes:
        """The answer encrypted for this API key and Idempotency-Key (nonce + ciphertext)."""
        plain = json.dumps({"status": status, "type": content_type, "body": body.decode()}).encode()
        nonce = os.urandom(12)
        sealed = _cipher(self.raw_api_key, self.idempotency_key).encrypt(nonce, plain, self.fingerprint.encode())
        return nonce + sealed

    def replay(self, record: dict) -> HttpResponse | None:
        return self.open(record.get("blob") or b"")

    def open(self, blob: bytes, *, event_id: int | None = None) -> HttpResponse | None:
        """The stored answer as a replayed response; None if it cannot be decrypted.

        `event_id`: a durable record of the lean status path, whose answer was sealed before
        the event it reports existed, carries the event's id separately (its `updateId`).
        """
        try:
            plain = _cipher(self.raw_api_key, self.idempotency_key).decrypt(
                blob[:12], blob[12:], self.fingerprint.encode()
            )
        except (InvalidTag, ValueError):
            return None
        stored = json.loads(plain)
        body = stored["body"]
        if event_id is not None:
            answer = orjson.loads(body)
            answer["updateId"] = str(event_id)
            body = orjson.dumps(answer)  # as the lean path wrote the original
        response = HttpResponse(body, status=stored["status"], content_type=stored["type"])
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


# The header's rule, also the OpenAPI schema's `pattern` (gameapi/openapi/operation.py): 1-255
# printable characters of a header value (Latin-1: no controls, no NBSP or soft hyphen), not
# starting or ending with a space (HTTP strips those, so such a key would not be the one sent).
_PRINTABLE = "\u0021-\u007e\u00a1-\u00ac\u00ae-\u00ff"
KEY_PATTERN = f"^[{_PRINTABLE}](?:[ {_PRINTABLE}]{{0,{MAX_KEY_LENGTH - 2}}}[{_PRINTABLE}])?$"
_KEY_RE = re.compile(KEY_PATTERN)


def clean_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not _KEY_RE.fullmatch(value):  # fullmatch: `$` alone would let a trailing newline through
        raise ValidationError(
            f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable characters, not starting or ending with a space",
            field=HEADER,
        )
    return value


def new_guard(
    *, method: str, path: str, body: bytes, api_key_id: int, raw_api_key: str, header: str | None
) -> tuple[Guard, int]:
    """The slot this request would claim, and how long an unfinished claim blocks others."""
    idempotency_key = clean_idempotency_key(header)
    fingerprint = _fingerprint(method, path, body)
    if idempotency_key:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
        guard = Guard(
            f"gameapi:idem:{api_key_id}:{digest}", fingerprint, idempotency_key, raw_api_key, api_key_id, digest
        )
        return guard, conf.in_flight_seconds()
    guard = Guard(f"gameapi:dedup:{api_key_id}:{fingerprint}", fingerprint, None, raw_api_key, api_key_id)
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
                # Redis is away: PostgreSQL alone keeps the promise. The record is looked up
                # here and written with the change; its unique key lets only one of two
                # concurrent requests with this key commit (the other answers 409).
                guard.unclaimed = True
                _answer_from_durable_record(guard)
                return guard
            logger.warning("request deduplication unavailable", exc_info=True)
            return None
        if claimed:
            if guard.idempotency_key:
                _answer_from_durable_record(guard)
            return guard
        record = cache.get(guard.cache_key)
        if record is not None:
            raise_for_existing(guard, record)
    raise DuplicateRequestError()


# -- the durable record (PostgreSQL) ---------------------------------------------------------------
def replay_durable(guard: Guard, stored: idempotency_store.Stored) -> None:
    """Answer from a durable record: raise Replay, or IdempotencyKeyReusedError for another request."""
    response = None
    if stored.fingerprint == guard.fingerprint:
        response = guard.open(stored.response, event_id=stored.event_id)
    if response is None:
        guard.discard = True  # the key is another request's: keep nothing under it for this one
        raise IdempotencyKeyReusedError()
    metrics.idempotent_replays.inc()
    raise Replay(response)


def _answer_from_durable_record(guard: Guard) -> None:
    """Redis had no record (never stored after a 503, or lost in a restart): ask PostgreSQL.

    Holding the claim: a replay is kept in Redis for the next retry; anything else frees it.
    """
    try:
        stored = idempotency_store.find(api_key_id=guard.api_key_id, key_hash=guard.key_hash)
        if stored is not None:
            replay_durable(guard, stored)
    except Replay as replay:
        guard.finish(replay.response)
        raise
    except BaseException:
        guard.release()
        raise


def save_durable(guard: Guard, *, status: int, body: bytes, content_type: str = "application/json") -> None:
    """Record the answer of a change in the caller's transaction (2xx answers only)."""
    if not guard.idempotency_key or not 200 <= status < 300 or len(body) > idempotency_store.MAX_RESPONSE_BYTES:
        return
    idempotency_store.save(
        api_key_id=guard.api_key_id,
        key_hash=guard.key_hash,
        fingerprint=guard.fingerprint,
        status=status,
        response=guard.seal(status, content_type, body),
    )


def run_recorded(guard: Guard, operation):
    """Run a synchronous operation returning a JSON body, with its durable record in its transaction.

    For the lean path's ORM operations (bulk status, game end, session validation): a record
    already there is replayed instead of running the operation again.
    """
    with transaction.atomic():
        stored = idempotency_store.find(api_key_id=guard.api_key_id, key_hash=guard.key_hash)
        if stored is not None:
            replay_durable(guard, stored)
        body = operation()
        save_durable(guard, status=200, body=orjson.dumps(body))
    return body


def durable_write(guard: Guard, answer) -> IdempotentWrite | None:
    """The lean status path's durable record: written by the change's own statement.

    `answer(room_version, member)`: the body the change will be answered with, whose
    `updateId` is filled in from the stored event id on replay.
    """
    if not guard.idempotency_key:
        return None
    ids = {"api_key_id": guard.api_key_id, "key_hash": guard.key_hash}

    def seal(room_version: int, member) -> bytes:
        return guard.seal(200, "application/json", orjson.dumps(answer(room_version, member)))

    def save(response: bytes, event_id: int) -> None:
        idempotency_store.save(**ids, fingerprint=guard.fingerprint, status=200, response=response, event_id=event_id)

    return IdempotentWrite(
        table=idempotency_store.TABLE,
        fingerprint=guard.fingerprint,
        seal=seal,
        find=lambda: idempotency_store.find(**ids),
        save=save,
        **ids,
    )


def replay_applied(guard: Guard, applied: AlreadyApplied) -> None:
    """The lean status path found this key's record: replay it (or refuse another request's key)."""
    replay_durable(guard, idempotency_store.Stored(applied.fingerprint, applied.response, applied.event_id))

