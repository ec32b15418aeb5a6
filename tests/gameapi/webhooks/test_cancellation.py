"""Switching an endpoint off or revoking its key stops what is queued (issue 18 #3).

The attack: signed POSTs with room state kept arriving after the endpoint was
deactivated and its key revoked; the delivery stayed pending with retries for 24 h.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from gameapi.selectors import webhook_key_choices
from gameapi.services import api_key_create, api_key_revoke, api_key_rotate
from gameapi.webhooks.delivery import deliver_room
from gameapi.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from gameapi.webhooks.outbox import invalidate_endpoint_cache
from gameapi.webhooks.services import webhook_endpoint_create, webhook_endpoint_deactivate
from gamebuddies.errors import ValidationError
from rooms import services
from tests.factories import SYSTEM, make_room
from tests.gameapi.webhooks.deliveries import make_due
from tests.gameapi.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as running:
        yield running


def _subscribe(url, *, scopes=("webhooks",)):
    key = api_key_create(service_name="hooks", scopes=list(scopes)).api_key
    endpoint = webhook_endpoint_create(api_key=key, url=url, event_types=["player.joined"]).endpoint
    invalidate_endpoint_cache()
    return key, endpoint


def _queue_behind_a_failure(receiver):
    """A room with two deliveries queued: the first failed once and waits for its retry."""
    receiver.status = 500
    room, _ = make_room()
    services.room_join(room=room.pk, display_name="A", actor=SYSTEM)
    services.room_join(room=room.pk, display_name="B", actor=SYSTEM)
    deliver_room(room.pk)
    assert len(receiver.received) == 1
    receiver.status = 200
    for delivery in WebhookDelivery.objects.all():
        make_due(delivery)
    return room


def test_deactivating_an_endpoint_cancels_its_queue_and_nothing_more_is_sent(receiver):
    _, endpoint = _subscribe(receiver.url)
    room = _queue_behind_a_failure(receiver)

    webhook_endpoint_deactivate(endpoint=endpoint)
    rows = list(WebhookDelivery.objects.all())
    assert {(d.status, d.cancel_reason) for d in rows} == {("cancelled", "endpoint deactivated")}
    assert rows[0].get_status_display() == "Cancelled"  # what the admin's list and filter show
    assert deliver_room(room.pk) is None
    services.room_join(room=room.pk, display_name="C", actor=SYSTEM)
    deliver_room(room.pk)
    assert len(receiver.received) == 1  # only the attempt made before the switch-off


def test_revoking_the_key_cancels_the_queue_of_its_endpoints(receiver):
    key, _ = _subscribe(receiver.url)
    room = _queue_behind_a_failure(receiver)

    api_key_revoke(api_key=key)
    assert set(WebhookDelivery.objects.values_list("status", "cancel_reason")) == {("cancelled", "API key revoked")}
    deliver_room(room.pk)
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("switch_off", "reason"),
    [
        (
            lambda endpoint: WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False),
            "endpoint deactivated",
        ),
        (
            lambda endpoint: type(endpoint.api_key).objects.filter(pk=endpoint.api_key_id).update(is_active=False),
            "API key revoked",
        ),
        (
            lambda endpoint: (
                type(endpoint.api_key)
                .objects.filter(pk=endpoint.api_key_id)
                .update(expires_at=timezone.now() - timedelta(seconds=1))
            ),
            "API key expired or rotated out",
        ),
        (
            lambda endpoint: (
                type(endpoint.api_key).objects.filter(pk=endpoint.api_key_id).update(scopes=["rooms:read"])
            ),
            "API key lacks the webhooks scope",
        ),
    ],
)
def test_endpoint_and_key_are_checked_again_before_every_attempt(receiver, switch_off, reason):
    # Switched off behind the services' back (a raw update, an admin edit, plain expiry):
    # the check before the next attempt still stops the queue.
    _, endpoint = _subscribe(receiver.url)
    room = _queue_behind_a_failure(receiver)
    switch_off(WebhookEndpoint.objects.select_related("api_key").get(pk=endpoint.pk))

    assert deliver_room(room.pk) is None
    assert len(receiver.received) == 1
    assert set(WebhookDelivery.objects.values_list("status", "cancel_reason")) == {("cancelled", reason)}


def test_on_rotation_the_endpoints_move_to_the_successor_and_keep_receiving_after_the_grace(receiver):
    old_key, endpoint = _subscribe(receiver.url)
    successor = api_key_rotate(api_key=old_key, grace_days=0).api_key
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).api_key_id == successor.pk
    type(old_key).objects.filter(pk=old_key.pk).update(grace_until=timezone.now() - timedelta(seconds=1))

    room, _ = make_room()
    services.room_join(room=room.pk, display_name="A", actor=SYSTEM)
    assert deliver_room(room.pk) is None
    assert [b["type"] for b in receiver.bodies()] == ["player.joined"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_only_keys_that_can_own_webhooks_are_offered_or_accepted_for_an_endpoint(receiver):
    usable = api_key_create(service_name="usable", scopes=["webhooks"]).api_key
    revoked = api_key_create(service_name="revoked", scopes=["webhooks"]).api_key
    api_key_revoke(api_key=revoked)
    expired = api_key_create(service_name="expired", scopes=["webhooks"]).api_key
    type(expired).objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    rotated_out = api_key_create(service_name="rotated", scopes=["webhooks"]).api_key
    successor = api_key_rotate(api_key=rotated_out).api_key  # the old one is still in its grace period
    no_scope = api_key_create(service_name="reader", scopes=["rooms:read"]).api_key

    assert set(webhook_key_choices()) == {usable, successor}
    for key in (revoked, expired, rotated_out, no_scope):
        key.refresh_from_db()
        with pytest.raises(ValidationError):
            webhook_endpoint_create(api_key=key, url=receiver.url)
    assert webhook_endpoint_create(api_key=usable, url=receiver.url).endpoint.api_key_id == usable.pk
