"""Writes of webhook endpoints. The raw secret is returned once and stored encrypted."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from gamebuddies.actors import Actor
from gamebuddies.errors import ValidationError
from rooms.permissions import require_staff_permission

from ..models import ApiKey, Scope
from ..selectors import api_key_can_own_webhooks
from .delivery import cancel_pending, redeliver
from .models import WEBHOOK_EVENT_TYPES, WebhookDelivery, WebhookEndpoint
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
    if not api_key_can_own_webhooks(api_key):
        raise ValidationError("The API key is revoked, expired or rotated out; use its successor", field="apiKey")
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
    """Switch an endpoint off: nothing more is queued for it, and what is queued is cancelled."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        cancel_pending(endpoints=[endpoint.pk], reason="endpoint deactivated")
        transaction.on_commit(invalidate_endpoint_cache)


def webhook_deliveries_cancel_for_key(*, api_key: ApiKey, reason: str) -> int:
    """The key no longer speaks for its endpoints (revoked): their pending deliveries are cancelled."""
    with transaction.atomic():
        cancelled = cancel_pending(endpoints=WebhookEndpoint.objects.filter(api_key=api_key), reason=reason)
        transaction.on_commit(invalidate_endpoint_cache)
    return cancelled


def webhook_endpoints_follow_rotation(*, old: ApiKey, new: ApiKey) -> int:
    """On rotation the endpoints move to the successor key, so they keep receiving after the grace ends."""
    moved = WebhookEndpoint.objects.filter(api_key=old).update(api_key=new)
    transaction.on_commit(invalidate_endpoint_cache)
    return moved


# --- Staff changes from the admin: each checks the staff member's permission. -------------
def webhook_url_check(url: str) -> str:
    """The SSRF rules for a target URL (shape, scheme, public addresses only); returns it unchanged."""
    safe_addresses(url)
    return url


def webhook_endpoint_add(*, actor: Actor, api_key: ApiKey, url: str, event_types=None) -> CreatedEndpoint:
    require_staff_permission(actor, "gameapi.manage_webhooks")
    return webhook_endpoint_create(api_key=api_key, url=url, event_types=event_types)


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, actor: Actor, url: str | None = None, event_types=None, is_active: bool | None = None
) -> list[str]:
    """Edit URL (checked again against the SSRF rules), event types and the active flag; returns what changed."""
    require_staff_permission(actor, "gameapi.manage_webhooks")
    current = WebhookEndpoint.objects.get(pk=endpoint.pk)
    wanted: dict = {}
    if url is not None and url != current.url:
        wanted["url"] = webhook_url_check(url)
    if event_types is not None:
        wanted["event_types"] = clean_event_types(list(event_types))
    if is_active is not None:
        wanted["is_active"] = bool(is_active)
    changed = [name for name, value in wanted.items() if getattr(current, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**{name: wanted[name] for name in changed})
        transaction.on_commit(invalidate_endpoint_cache)
    if wanted.get("is_active") is False:
        webhook_endpoint_deactivate(endpoint=current)  # whatever switching off also does
    return changed


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> str:
    """A new signing secret, effective for the next delivery; the raw value is returned once."""
    require_staff_permission(actor, "gameapi.manage_webhooks")
    secret = new_webhook_secret()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret_encrypted=encrypt_secret(secret))
    return secret


def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> None:
    """Staff send a delivery again, whatever its state: it rejoins its room's queue now."""
    require_staff_permission(actor, "gameapi.manage_webhooks")
    redeliver(delivery)
