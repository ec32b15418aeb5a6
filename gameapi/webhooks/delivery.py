"""Sending deliveries: in room-version order per endpoint, with retries for about a day.

For each (endpoint, room) only the oldest pending delivery may be sent; while it waits
for a retry the later ones wait too, so a receiver sees a room's events in order. A
delivery that still fails after WEBHOOK_RETRY_WINDOW_SECONDS is given up (status
failed), its endpoint is marked failing, and the queue moves on.

One receiver cannot hold the others up (issue 18 #2):
- an attempt has one total deadline (outbound.post_json);
- attempts run on sender threads with a per-endpoint cap (senders.py), and the worker
  task waits for them only briefly;
- a failed or timed-out attempt puts its endpoint in backoff: none of its deliveries, in
  any room, is tried again before `backoff_until`;
- a delivery is claimed before it is sent (a lease on `next_attempt_at`, `attempts`
  counted up), and its result is saved only if the row is still as claimed, so a
  change staff made meanwhile (cancelled, redelivered) wins.

Before every attempt the endpoint and its key are checked again (issue 18 #3): an endpoint
switched off, or whose key was revoked, expired or lost the webhooks scope, has its
pending deliveries cancelled instead of sent.
"""

from __future__ import annotations

import json
import logging
import random
import time
from concurrent.futures import wait as wait_for_futures
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from gamebuddies import metrics

from ..models import Scope
from ..selectors import api_key_is_usable
from . import outbound
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .senders import InlineRunner, Slot
from .signing import SIGNATURE_HEADER, decrypt_secret, signature_header

logger = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 5
MAX_DELAY_SECONDS = 3600
LEASE_MARGIN_SECONDS = 5  # a claimed delivery is free again this long after its attempt's deadline
BUSY_RETRY_SECONDS = 1  # all of an endpoint's slots (or all sender threads) taken: look again then
MAX_PER_DRAIN = 50  # deliveries one drain sends before it lets the room be planned afresh
MAX_ROUNDS = 20


def retry_delay(attempts: int) -> float:
    """Exponential backoff with full jitter in its upper half: 5 s, 10 s, 20 s ... capped at an hour."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _lease_seconds() -> float:
    return settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS


# --- may this endpoint still receive? ----------------------------------------------------
def endpoint_refusal(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> str | None:
    """Why nothing may be sent to this endpoint any more, or None if it may receive."""
    if not endpoint.is_active:
        return "endpoint deactivated"
    key = endpoint.api_key
    if not key.is_active:
        return "API key revoked"
    if not api_key_is_usable(key, now=now):
        return "API key expired or rotated out"
    if Scope.WEBHOOKS not in (key.scopes or []):
        return "API key lacks the webhooks scope"
    return None


def cancel_pending(*, endpoints, reason: str) -> int:
    """Cancel every pending delivery of these endpoints (ids or a queryset); returns how many.

    A delivery being sent right now finishes its attempt, but its result no longer
    changes the cancelled row (the save is conditional).
    """
    cancelled = WebhookDelivery.objects.filter(endpoint__in=endpoints, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, cancel_reason=reason[:100]
    )
    if cancelled:
        logger.info("%d webhook deliveries cancelled: %s", cancelled, reason)
        metrics.webhook_deliveries.labels(DeliveryStatus.CANCELLED.value).inc(cancelled)
    return cancelled


# --- one attempt ------------------------------------------------------------------------
def claim_head(endpoint_id: int, room_id, *, now: datetime | None = None) -> WebhookDelivery | None:
    """The oldest pending delivery of (endpoint, room), claimed for one attempt, or None.

    None when there is none, it is not due, its endpoint is backing off or may not receive
    (its deliveries are then cancelled), or another sender claimed it first.
    """
    now = now or timezone.now()
    head = (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, room_id=room_id, status=DeliveryStatus.PENDING)
        .select_related("endpoint__api_key")
        .order_by("room_version", "id")
        .first()
    )
    if head is None or head.next_attempt_at > now:
        return None
    endpoint = head.endpoint
    reason = endpoint_refusal(endpoint, now=now)
    if reason:
        cancel_pending(endpoints=[endpoint.pk], reason=reason)
        return None
    if endpoint.backoff_until and endpoint.backoff_until > now:
        return None
    lease = now + timedelta(seconds=_lease_seconds())
    claimed = WebhookDelivery.objects.filter(
        pk=head.pk, status=DeliveryStatus.PENDING, attempts=head.attempts, next_attempt_at=head.next_attempt_at
    ).update(attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=lease)
    if not claimed:
        return None
    head.attempts, head.last_attempt_at, head.next_attempt_at = head.attempts + 1, now, lease
    return head


def attempt(delivery: WebhookDelivery, *, transport=None) -> bool:
    """POST a claimed delivery (see claim_head); records the attempt and, if the row is still
    as claimed, the delivery's new state. Returns whether the receiver took it."""
    endpoint = delivery.endpoint
    body = body_of(delivery)
    try:
        secret = decrypt_secret(endpoint.secret_encrypted)
    except ValueError:
        outcome = outbound.DeliveryOutcome(None, 0.0, "", "signing secret cannot be decrypted with the configured keys")
    else:
        headers = {
            SIGNATURE_HEADER: signature_header(secret, body),
            "X-GameBuddies-Event": delivery.event_type,
            "X-GameBuddies-Delivery": str(delivery.event_id),
        }
        outcome = outbound.post_json(endpoint.url, body, headers, transport=transport)
    now = timezone.now()
    gave_up = False
    if outcome.ok:
        changes = {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
    elif now - delivery.created_at > timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS):
        changes, gave_up = {"status": DeliveryStatus.FAILED}, True
    else:
        changes = {"next_attempt_at": now + timedelta(seconds=retry_delay(delivery.attempts))}
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            created_at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.response_excerpt,
            error=outcome.error[:200],
        )
        saved = WebhookDelivery.objects.filter(
            pk=delivery.pk,
            status=DeliveryStatus.PENDING,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
        ).update(**changes)
        _record_endpoint_health(endpoint, ok=outcome.ok, gave_up=gave_up and bool(saved), now=now)
    if saved:
        for name, value in changes.items():
            setattr(delivery, name, value)
        label = "retrying" if delivery.status == DeliveryStatus.PENDING else delivery.status
    else:
        label = "superseded"
        logger.info("webhook delivery %s changed during its attempt; the attempt's result is not applied", delivery.pk)
    metrics.webhook_deliveries.labels(label).inc()
    return outcome.ok


def _record_endpoint_health(endpoint: WebhookEndpoint, *, ok: bool, gave_up: bool, now: datetime) -> None:
    """A success clears the endpoint's backoff; a failure lengthens it (for every room at once)."""
    rows = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if ok:
        rows.filter(
            Q(consecutive_failures__gt=0) | Q(backoff_until__isnull=False) | Q(failing_since__isnull=False)
        ).update(consecutive_failures=0, backoff_until=None, failing_since=None)
        return
    rows.update(consecutive_failures=F("consecutive_failures") + 1)
    failures = rows.values_list("consecutive_failures", flat=True).first() or 1
    rows.update(backoff_until=now + timedelta(seconds=retry_delay(failures)))
    if gave_up:
        rows.filter(failing_since__isnull=True).update(failing_since=now)


# --- a room's queue ---------------------------------------------------------------------
def _drain(endpoint_id: int, room_id, slot: Slot, transport) -> None:
    """Send one endpoint's due deliveries for one room, in order, until one fails or none is due."""
    try:
        for _ in range(MAX_PER_DRAIN):
            delivery = claim_head(endpoint_id, room_id)
            if delivery is None:
                return
            slot.renew()
            if not attempt(delivery, transport=transport):
                return
    finally:
        slot.release()


def _queue_heads(room_id) -> list[WebhookDelivery]:
    """The oldest pending delivery of each endpoint for this room."""
    pending = (
        WebhookDelivery.objects.filter(room_id=room_id, status=DeliveryStatus.PENDING)
        .select_related("endpoint__api_key")
        .order_by("endpoint_id", "room_version", "id")
    )
    heads: dict[int, WebhookDelivery] = {}
    for delivery in pending:
        heads.setdefault(delivery.endpoint_id, delivery)
    return list(heads.values())


def deliver_room(room_id, *, transport=None, senders=None, on_detached_finish=None) -> datetime | None:
    """Send everything due for a room, each endpoint's queue in order; returns when to come back
    (or None when nothing is left).

    With `senders` (the worker's sender pool) each endpoint's queue is drained on a sender
    thread, and this waits at most WEBHOOK_DISPATCH_WAIT_SECONDS: a drain still running
    then calls `on_detached_finish` when it ends. Without, everything runs here, in order.
    """
    senders = senders or InlineRunner()
    stop_waiting = time.monotonic() + settings.WEBHOOK_DISPATCH_WAIT_SECONDS
    for _ in range(MAX_ROUNDS):
        now = timezone.now()
        later: list[datetime] = []
        jobs = []
        for head in _queue_heads(room_id):
            endpoint = head.endpoint
            reason = endpoint_refusal(endpoint, now=now)
            if reason:
                cancel_pending(endpoints=[endpoint.pk], reason=reason)
                continue
            due_at = max(head.next_attempt_at, endpoint.backoff_until or head.next_attempt_at)
            if due_at > now:
                later.append(due_at)
                continue
            slot = Slot.take(endpoint.pk, ttl=_lease_seconds())
            job = slot and senders.start(_drain, endpoint.pk, room_id, slot, transport)
            if job is None:
                if slot:
                    slot.release()
                later.append(now + timedelta(seconds=BUSY_RETRY_SECONDS))
                continue
            jobs.append(job)
        if not jobs:
            return min(later, default=None)
        wait_for_futures([job.future for job in jobs], timeout=max(0.0, stop_waiting - time.monotonic()))
        for job in jobs:
            if job.future.done() and job.future.exception() is not None:
                error = job.future.exception()
                logger.warning("webhook drain failed: %s", error.__class__.__name__, exc_info=error)
        running = [job for job in jobs if job.detach(on_detached_finish)] if senders.pooled else []
        if running:
            # Slow receivers keep their sender threads; the room is looked at again when they
            # finish, or after the lease at the latest should this process die meanwhile.
            return min([*later, now + timedelta(seconds=_lease_seconds())])
    return timezone.now() + timedelta(seconds=BUSY_RETRY_SECONDS)


def redeliver(delivery: WebhookDelivery) -> None:
    """Staff asked to send a delivery again (whatever its state): it rejoins its room's queue now,
    and its endpoint's backoff is lifted so the attempt is not held back."""
    from .tasks import schedule_room

    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), delivered_at=None, cancel_reason=""
        )
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(backoff_until=None)
        if delivery.room_id is not None:  # a deleted room's deliveries have no queue to rejoin
            schedule_room(delivery.room_id)
