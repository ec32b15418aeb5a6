"""Helpers for tests of webhook deliveries."""

from __future__ import annotations

from django.utils import timezone

from gameapi.webhooks.models import WebhookDelivery, WebhookEndpoint


def make_due(delivery):
    """Skip the waiting: the delivery's retry and its endpoint's backoff are both over now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(backoff_until=None)
