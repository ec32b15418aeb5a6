"""Retention of the Game API request log: rows older than API_REQUEST_RETENTION_DAYS go, in batches.

Run by the background worker on a schedule, or by cron through `prune_api_requests`;
batches claimed with SKIP LOCKED, so several sweepers share the work (gamebuddies/batches.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from gamebuddies.batches import claim_batch, in_batches

from .models import ApiRequest

API_REQUEST_BATCH = 5000


def prune_api_requests_batch(*, cutoff: datetime, size: int = API_REQUEST_BATCH) -> list:
    """Delete up to `size` request-log rows older than `cutoff` (call inside a transaction)."""
    ids = claim_batch(ApiRequest.objects.filter(created_at__lt=cutoff), size)
    if ids:
        ApiRequest.objects.filter(pk__in=ids).delete()
    return ids


def prune_api_requests(*, older_than_days: int | None = None, batch_size: int = API_REQUEST_BATCH, now=None) -> int:
    days = settings.API_REQUEST_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return in_batches(lambda: prune_api_requests_batch(cutoff=cutoff, size=batch_size))
