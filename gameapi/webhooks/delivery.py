"""Sending deliveries: in room-version order per endpoint, with retries for about a day.

For each (endpoint, room) only the oldest pending delivery may be sent; while it waits
for a retry the later ones wait too, so a receiver sees a room's events in order. A
delivery that still fails after WEBHOOK_RETRY_WINDOW_SECONDS is given up (status
failed), its endpoint is marked failing, and the queue moves on.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from gamebuddies import metrics

from . import outbound
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .signing import SIGNATURE_HEADER, decrypt_secret, signature_header

logger = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 5
MAX_DELAY_SECONDS = 3600


def retry_delay(attempts: int) -> float:
    """Exponential backoff with full jitter in its upper half: 5 s, 10 s, 20 s ... capped at an hour."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def attempt(delivery: WebhookDelivery, *, transport=None) -> bool:
    """One POST of one delivery; records the attempt and the delivery's new state."""
    endpoint = delivery.endpoint
    body = body_of(delivery)
    headers = {
        SIGNATURE_HEADER: signature_header(decrypt_secret(endpoint.secret_encrypted), body),
        "X-GameBuddies-Event": delivery.event_type,
        "X-GameBuddies-Delivery": str(delivery.event_id),
    }
    outcome = outbound.post_json(endpoint.url, body, headers, transport=transport)
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            created_at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.response_excerpt,
            error=outcome.error[:200],
        )
        delivery.attempts += 1
        delivery.last_attempt_at = now
        if outcome.ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
            if endpoint.failing_since:
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif now - delivery.created_at > timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS):
            delivery.status = DeliveryStatus.FAILED
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        else:
            delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
        delivery.save(update_fields=["status", "attempts", "last_attempt_at", "delivered_at", "next_attempt_at"])
    metrics.webhook_deliveries.labels("retrying" if delivery.status == DeliveryStatus.PENDING else delivery.status).inc()
    return outcome.ok


def _queue_heads(room_id) -> list[WebhookDelivery]:
    """The oldest pending delivery of each endpoint for this room."""
    pending = (
        WebhookDelivery.objects.filter(room_id=room_id, status=DeliveryStatus.PENDING)
        .select_related("endpoint")
        .order_by("endpoint_id", "room_version", "id")
    )
    heads: dict[int, WebhookDelivery] = {}
    for delivery in pending:
        heads.setdefault(delivery.endpoint_id, delivery)
    return list(heads.values())


def deliver_room(room_id, *, transport=None) -> timezone.datetime | None:
    """Send everything due for a room, in order; returns when to come back (or None when done).

    A short cache lock keeps two workers from sending one room's queue at once (which
    could reorder it); the loser comes back shortly instead.
    """
    lock_key, token = f"webhook-room-lock:{room_id}", uuid.uuid4().hex
    if not cache.add(lock_key, token, 120):
        return timezone.now() + timedelta(seconds=1)
    try:
        while True:
            now = timezone.now()
            heads = _queue_heads(room_id)
            due = [d for d in heads if d.next_attempt_at <= now]
            if not due:
                return min((d.next_attempt_at for d in heads), default=None)
            for delivery in due:
                attempt(delivery, transport=transport)
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)


def redeliver(delivery: WebhookDelivery) -> None:
    """Staff asked to send a delivery again (whatever its state): it rejoins its room's queue now."""
    from .tasks import deliver_room_webhooks

    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), delivered_at=None
        )
        deliver_room_webhooks.enqueue(room_id=str(delivery.room_id))
