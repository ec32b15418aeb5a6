"""Writing deliveries into the outbox, inside the transaction of the room change.

Registered as a room-change hook (rooms/services/changes.py), so every committed change
has its deliveries and a rolled-back change has none. The worker task that sends them
is enqueued in the same transaction (django-tasks' database backend is itself a table).
"""

from __future__ import annotations

import time

from django.core.cache import cache

from gamebuddies import pg
from gamebuddies.errors import utc_now_iso

from ..models import Scope
from ..selectors import api_key_is_usable
from .models import WebhookDelivery, WebhookEndpoint

# Room change events -> the webhook event types they produce (besides room.state_changed).
EVENT_TYPES_BY_CHANGE = {
    "room_created": "room.created",
    "player_joined": "player.joined",
    "player_left": "player.left",
    "player_kicked": "player.left",
    "player_status_changed": "player.status_changed",
    "bulk_status_update": "player.status_changed",
    "player_connected": "player.status_changed",
    "player_disconnected": "player.status_changed",
    "game_started": "game.started",
    "game_ended": "game.ended",
    "room_closed": "room.closed",
    "room_abandoned": "room.closed",
}
_ENDPOINTS_CACHE_KEY = "webhook-endpoints:v1"
_ENDPOINTS_CACHE_SECONDS = 10


def invalidate_endpoint_cache() -> None:
    cache.delete(_ENDPOINTS_CACHE_KEY)
    _local["at"] = float("-inf")


def _active_endpoints() -> list[tuple[int, str | None, list[str]]]:
    """(endpoint id, game the key is bound to, event types) of every endpoint that may receive.

    Cached briefly so a room change with no webhooks configured costs no query.
    """
    cached = cache.get(_ENDPOINTS_CACHE_KEY)
    if cached is not None:
        return cached
    endpoints = WebhookEndpoint.objects.filter(is_active=True, api_key__is_active=True).select_related("api_key")
    rows = [
        (endpoint.pk, endpoint.api_key.game_id, list(endpoint.event_types or []))
        for endpoint in endpoints
        if Scope.WEBHOOKS in endpoint.api_key.scopes and api_key_is_usable(endpoint.api_key)
    ]
    cache.set(_ENDPOINTS_CACHE_KEY, rows, _ENDPOINTS_CACHE_SECONDS)
    return rows


# The event loop's copy of the endpoint list, for `room_has_endpoints`: refreshed from the
# shared cache (in a worker thread) at most this often, so an endpoint added or removed
# reaches the lean path within this many seconds.
_LOCAL_SECONDS = 2.0
_local: dict = {"at": float("-inf"), "rows": []}


def _endpoints_for(rows, room) -> list:
    return [e for e in rows if e[1] is None or e[1] == room.current_game_id]


async def room_has_endpoints(room) -> bool:
    """Room-change hook probe: would `record_room_change` write deliveries for this room?"""
    now = time.monotonic()
    if now - _local["at"] > _LOCAL_SECONDS:
        _local["rows"] = await pg.run_orm(_active_endpoints)
        _local["at"] = now
    return bool(_endpoints_for(_local["rows"], room))


def record_room_change(*, room, event: str, changes: dict, payload: dict) -> None:
    """Room-change hook: one delivery per subscribed endpoint and event type."""
    endpoints = _endpoints_for(_active_endpoints(), room)
    if not endpoints:
        return
    types = ["room.state_changed"]
    if event in EVENT_TYPES_BY_CHANGE:
        types.insert(0, EVENT_TYPES_BY_CHANGE[event])
    deliveries = []
    for endpoint_id, _game, wanted in endpoints:
        for event_type in types:
            if wanted and event_type not in wanted:
                continue
            delivery = WebhookDelivery(
                endpoint_id=endpoint_id,
                event_type=event_type,
                room=room,
                room_code=room.room_code,
                room_version=room.version,
                payload={},
            )
            delivery.payload = {
                "id": str(delivery.event_id),
                "type": event_type,
                "createdAt": utc_now_iso(),
                "roomCode": room.room_code,
                "roomVersion": room.version,
                "data": {"event": event, "changes": changes, "state": payload["state"]},
            }
            deliveries.append(delivery)
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        from .tasks import deliver_room_webhooks

        deliver_room_webhooks.enqueue(room_id=str(room.pk))
