"""Retention of the Game API's own rows, in batches: the request log and durable idempotency records.

Request-log rows older than API_REQUEST_RETENTION_DAYS go; idempotency records go once the
idempotency window (GAME_API_IDEMPOTENCY_TTL_SECONDS, 24 h) is over, when no retry may use
them any more, so that table stays bounded by a day of keyed writes.
Run by the background worker on a schedule, or by cron through `prune_api_requests`;
batches claimed with SKIP LOCKED, so several sweepers share the work (gamebuddies/batches.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from gamebuddies.batches import claim_batch, in_batches

from . import conf, idempotency_store
from .models import ApiRequest

logger = logging.getLogger(__name__)

API_REQUEST_BATCH = 5000


def prune_api_requests_batch(*, cutoff: datetime, size: int = API_REQUEST_BATCH) -> list:
    """Delete up to `size` request-log rows older than `cutoff` (call inside a transaction)."""
    ids = claim_batch(ApiRequest.objects.filter(created_at__lt=cutoff), size)
    if ids:
        ApiRequest.objects.filter(pk__in=ids).delete()
    return ids


def prune_api_requests(*, older_than_days: int | None = None, batch_size: int = API_REQUEST_BATCH, now=None) -> int:
    """Delete old request-log rows (the count returned) and expired idempotency records."""
    days = settings.API_REQUEST_RETENTION_DAYS if older_than_days is None else older_than_days
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    prune_idempotency_records(batch_size=batch_size, now=now)
    return in_batches(lambda: prune_api_requests_batch(cutoff=cutoff, size=batch_size))


def prune_idempotency_records(*, batch_size: int = API_REQUEST_BATCH, now=None) -> int:
    """Delete durable Idempotency-Key records older than the idempotency window."""
    cutoff = (now or timezone.now()) - timedelta(seconds=conf.idempotency_ttl_seconds())
    deleted = in_batches(lambda: idempotency_store.delete_older_than(cutoff, size=batch_size))
    if deleted:
        logger.info("retention: %d expired idempotency records deleted", deleted)
    return deleted
