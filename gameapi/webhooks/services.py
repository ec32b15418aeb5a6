"""Writes of webhook endpoints. The raw secret is returned once and stored encrypted."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from gamebuddies.errors import ValidationError

from ..models import ApiKey, Scope
from .models import WEBHOOK_EVENT_TYPES, WebhookEndpoint
from .outbound import safe_addresses
from .outbox import invalidate_endpoint_cache
from .signing import encrypt_secret, new_webhook_secret


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def clean_event_types(event_types) -> list[str]:
    if event_types in (None, ""):
        return []
    if not isinstance(event_types, list | tuple) or not all(isinstance(e, str) for e in event_types):
        raise ValidationError("eventTypes must be a list of event type names", field="eventTypes")
    unknown = sorted(set(event_types) - set(WEBHOOK_EVENT_TYPES))
    if unknown:
        raise ValidationError(f"Unknown event type {unknown[0]}", field="eventTypes")
    return sorted(set(event_types))


def webhook_endpoint_create(*, api_key: ApiKey, url: str, event_types=None) -> CreatedEndpoint:
    if Scope.WEBHOOKS not in api_key.scopes:
        raise ValidationError("The API key needs the webhooks scope", field="apiKey")
    safe_addresses(url)  # refuse private targets now; delivery checks again against fresh DNS
    secret = new_webhook_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            api_key=api_key,
            url=url,
            secret_encrypted=encrypt_secret(secret),
            event_types=clean_event_types(event_types),
        )
        transaction.on_commit(invalidate_endpoint_cache)
    return CreatedEndpoint(endpoint=endpoint, secret=secret)


def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    invalidate_endpoint_cache()
