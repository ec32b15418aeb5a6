"""Durable Idempotency-Key records in PostgreSQL (IdempotencyRecord), beside the Redis ones.

Redis (gameapi/idempotency.py) decides who runs first (the in-flight claim, 409 for a
duplicate) and replays fast. It cannot say what happened to a change whose connection was
lost during COMMIT: the first request answered 503, so Redis kept nothing, yet the change
may have committed. The record here is written in the same transaction as the change (the
same statement on the lean status path, rooms/services/fast_status.py), so it exists exactly
when the change does: a retry that finds it replays the original answer, one that does not
applies the change, once. Only answers of changes (2xx) are kept, sealed as in Redis, for
the idempotency window; the retention sweep deletes older rows (gameapi/retention.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from gamebuddies.batches import claim_batch
from gamebuddies.errors import DuplicateRequestError

from .models import IdempotencyRecord

TABLE = IdempotencyRecord._meta.db_table
UNIQUE_CONSTRAINT = "uniq_idempotency_record_key"
# Bounded: a larger answer is kept in Redis only (no Game API answer comes near it).
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    response: bytes
    event_id: int | None


def find(*, api_key_id: int, key_hash: str) -> Stored | None:
    row = (
        IdempotencyRecord.objects.filter(api_key_id=api_key_id, key_hash=key_hash)
        .values_list("fingerprint", "response", "event_id")
        .first()
    )
    if row is None:
        return None
    fingerprint, response, event_id = row
    return Stored(fingerprint, bytes(response), event_id)


def save(
    *, api_key_id: int, key_hash: str, fingerprint: str, status: int, response: bytes, event_id: int | None = None
) -> None:
    """Insert the record inside the caller's transaction.

    A record already there means another request with this key committed first (Redis lost
    the in-flight claim, e.g. restarted): DuplicateRequestError, and the caller's transaction
    must roll back, so the change is not applied twice; the client's retry then replays.
    """
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                api_key_id=api_key_id,
                key_hash=key_hash,
                fingerprint=fingerprint,
                status_code=status,
                response=response,
                event_id=event_id,
            )
    except IntegrityError as exc:
        raise DuplicateRequestError() from exc


def delete_older_than(cutoff: datetime, *, size: int) -> list:
    """One batch of the retention sweep (call inside a transaction)."""
    ids = claim_batch(IdempotencyRecord.objects.filter(created_at__lt=cutoff), size)
    if ids:
        IdempotencyRecord.objects.filter(pk__in=ids).delete()
    return ids
