"""Webhook endpoints, the delivery outbox and its attempt log.

Deliveries are rows written in the same transaction as the room change that caused
them (an outbox), so a committed change always has its deliveries and a rolled-back
one never does. The worker sends them; every attempt is kept.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

WEBHOOK_EVENT_TYPES = [
    "room.created",
    "room.state_changed",
    "player.joined",
    "player.left",
    "player.status_changed",
    "game.started",
    "game.ended",
    "room.closed",
]


class WebhookEndpoint(models.Model):
    api_key = models.ForeignKey("gameapi.ApiKey", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(max_length=500)
    # Encrypted (Fernet): the server needs the secret itself to sign, so it cannot keep only a hash.
    secret_encrypted = models.TextField(editable=False)
    event_types = models.JSONField(default=list, blank=True, help_text="Empty means every event type.")
    is_active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="Set when a delivery was given up.")
    # The endpoint's own backoff: after a failed or timed-out attempt no delivery (of any room)
    # goes to it before backoff_until, so a slow or broken receiver costs one attempt per
    # backoff step, not one per queued delivery.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    backoff_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "webhook_endpoints"
        permissions = [("manage_webhooks", "Can add, edit and rotate webhook endpoints and redeliver")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the retry window
    CANCELLED = "cancelled"  # its endpoint was switched off or its key revoked before it went out


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=40)
    room = models.ForeignKey("rooms.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    room_code = models.CharField(max_length=6)
    room_version = models.PositiveIntegerField()
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "webhook_deliveries"
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The head of each endpoint's queue for a room, in version order.
            models.Index(
                fields=["endpoint", "room", "room_version", "id"],
                condition=Q(status="pending"),
                name="idx_webhook_pending_order",
            ),
            models.Index(fields=["status", "next_attempt_at"], name="idx_webhook_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} v{self.room_version} -> {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    created_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(default=0)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "webhook_attempts"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.pk}: {self.status_code or self.error}"
