"""API keys for game servers and the request log. Keys are stored as SHA-256 only."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Scope(models.TextChoices):
    ROOMS_READ = "rooms:read"
    ROOMS_WRITE = "rooms:write"
    STATUS_WRITE = "status:write"
    STATE_WRITE = "state:write"
    WEBHOOKS = "webhooks"


ALL_SCOPES = [choice.value for choice in Scope]


class ApiKey(models.Model):
    key_prefix = models.CharField(max_length=16, help_text="First characters of the key, for recognising it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    service_name = models.CharField(max_length=100)
    game = models.ForeignKey(
        "rooms.Game",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="When set, the key can only touch rooms playing this game.",
    )
    scopes = models.JSONField(default=list)
    # Optional per-key overrides of the rate tiers: {"status": "120/m"}.
    rate_limits = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    rotated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    grace_until = models.DateTimeField(null=True, blank=True, help_text="A rotated-out key works until then.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "api_keys"
        verbose_name = "API key"
        permissions = [
            ("issue_apikey", "Can issue API keys"),
            ("rotate_apikey", "Can rotate API keys"),
            ("revoke_apikey", "Can revoke API keys"),
        ]
        indexes = [models.Index(fields=["key_hash"], condition=Q(is_active=True), name="idx_api_keys_hash_active")]

    def __str__(self) -> str:
        return f"{self.service_name} ({self.key_prefix}…)"


class ApiRequest(models.Model):
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()
    duration_ms = models.FloatField()
    request_id = models.CharField(max_length=64)
    # Set when the request finished, not when the buffered row is flushed (see gameapi/request_log.py).
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "api_requests"
        verbose_name = "API request"
        indexes = [
            models.Index(fields=["api_key", "-created_at"], name="idx_api_requests_key_created"),
            # The retention sweep deletes by age (gameapi/retention.py).
            models.Index(fields=["created_at"], name="idx_api_requests_created"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"



class IdempotencyRecord(models.Model):
    """The durable half of an Idempotency-Key (gameapi/idempotency_store.py).

    Written in the same transaction as the change it answers, so a retry after a
    connection lost during COMMIT finds it exactly when the change committed. Redis keeps
    the in-flight claim and the fast replay; this row is what survives an unknown outcome
    or a Redis restart. The answer is sealed like the Redis record (AES-GCM under a key
    derived from the caller's raw API key): the table alone cannot reveal session tokens.
    Kept for the idempotency window, then deleted by the retention sweep (gameapi/retention.py).
    """

    # No index of its own: the unique constraint below leads with it.
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+", db_index=False)
    key_hash = models.CharField(max_length=64, help_text="SHA-256 of the client's Idempotency-Key.")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical body.")
    status_code = models.PositiveSmallIntegerField()
    response = models.BinaryField(help_text="The sealed answer (status, content type, body).")
    # The lean status path seals its answer before the statement that writes the event runs;
    # the event's id is stored here and put into the answer's updateId on replay.
    event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "api_idempotency_records"
        verbose_name = "idempotency record"
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key_hash"], name="uniq_idempotency_record_key"),
        ]
        # The retention sweep deletes by age.
        indexes = [models.Index(fields=["created_at"], name="idx_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key_hash[:12]} {self.status_code}"


# Webhook models live in their own module; importing them here registers them with the app.
from .webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
