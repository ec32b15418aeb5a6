"""Signed webhook deliveries, in order, with retries and a delivery log (issue: integrations)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gameapi.services import api_key_create
from gameapi.webhooks.delivery import deliver_room, redeliver
from gameapi.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from gameapi.webhooks.outbound import UnsafeTargetError
from gameapi.webhooks.outbox import invalidate_endpoint_cache
from gameapi.webhooks.services import webhook_endpoint_create
from gameapi.webhooks.signing import verify_signature
from rooms import services
from tests.factories import SYSTEM, make_room, player_actor
from tests.gameapi.webhooks.deliveries import make_due
from tests.gameapi.webhooks.receiver import Receiver


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver lives on loopback
    with Receiver() as running:
        yield running


def _subscribe(url, *, game=None, event_types=None):
    key = api_key_create(service_name="hooks", scopes=["webhooks", "rooms:read"], game_slug=game).api_key
    created = webhook_endpoint_create(api_key=key, url=url, event_types=event_types)
    invalidate_endpoint_cache()
    return created


@pytest.mark.django_db
def test_receiver_gets_signed_deliveries_in_room_version_order(receiver):
    created = _subscribe(receiver.url)
    room, seats = make_room(players=2)
    services.member_set_ready(room=room.pk, player_id=seats[1].player.pk, ready=True, actor=player_actor(seats[1]))
    services.room_leave(room=room.pk, player_id=seats[1].player.pk, actor=player_actor(seats[1]))

    assert deliver_room(room.pk) is None
    bodies = receiver.bodies()
    versions = [b["roomVersion"] for b in bodies]
    assert versions == sorted(versions) and versions[0] == 1 and versions[-1] == room.version + 2
    types = [b["type"] for b in bodies]
    assert types[:2] == ["room.created", "room.state_changed"] and "player.joined" in types and "player.left" in types
    for headers, body in receiver.received:
        assert verify_signature(created.secret, headers["x-gamebuddies-signature"], body)
    assert set(bodies[0]) == {"id", "type", "createdAt", "roomCode", "roomVersion", "data"}
    assert WebhookDelivery.objects.filter(status="delivered").count() == len(bodies)


@pytest.mark.django_db
def test_a_failing_receiver_gets_retries_in_order_and_the_log_shows_every_attempt(receiver):
    _subscribe(receiver.url, event_types=["player.joined"])
    room, _ = make_room(players=1)
    services.room_join(room=room.pk, display_name="A", actor=SYSTEM)
    services.room_join(room=room.pk, display_name="B", actor=SYSTEM)
    receiver.status = 500

    come_back = deliver_room(room.pk)
    assert come_back is not None and come_back > timezone.now()
    first, second = WebhookDelivery.objects.order_by("room_version")
    assert len(receiver.received) == 1  # the later delivery waits behind the failing one
    make_due(first)
    deliver_room(room.pk)
    assert WebhookAttempt.objects.filter(delivery=first).count() == 2
    assert list(WebhookAttempt.objects.filter(delivery=first).values_list("status_code", flat=True)) == [500, 500]

    receiver.status = 200
    make_due(first)
    deliver_room(room.pk)
    assert [b["roomVersion"] for b in receiver.bodies()] == [first.room_version] * 3 + [second.room_version]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db
def test_after_the_retry_window_a_delivery_is_given_up_and_the_endpoint_marked_failing(receiver, settings):
    created = _subscribe(receiver.url, event_types=["room.created"])
    receiver.status = 503
    room, _ = make_room()
    WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(days=2))
    deliver_room(room.pk)
    assert WebhookDelivery.objects.get().status == "failed"
    assert WebhookEndpoint.objects.get(pk=created.endpoint.pk).failing_since is not None
    receiver.status = 200
    redeliver(WebhookDelivery.objects.get())
    deliver_room(room.pk)
    assert WebhookDelivery.objects.get().status == "delivered"


@pytest.mark.django_db
def test_a_rolled_back_change_writes_no_delivery_and_no_task(receiver):
    _subscribe(receiver.url)
    room, seats = make_room(players=2)
    deliveries, tasks = WebhookDelivery.objects.count(), DBTaskResult.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.member_set_ready(room=room.pk, player_id=seats[1].player.pk, ready=True, actor=SYSTEM)
        raise RuntimeError("rolled back")
    assert (WebhookDelivery.objects.count(), DBTaskResult.objects.count()) == (deliveries, tasks)


@pytest.mark.django_db
def test_a_key_bound_to_another_game_receives_nothing_for_this_room(receiver, quiz_game):
    from rooms.models import Game

    Game.objects.create(slug="other", name="Other", launch_url="/games/other/", min_players=1, max_players=4)
    _subscribe(receiver.url, game="other")
    make_room(players=2, game_slug="quiz")
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_endpoints_on_private_addresses_are_refused_when_not_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    key = api_key_create(service_name="hooks", scopes=["webhooks"]).api_key
    with pytest.raises(UnsafeTargetError):
        webhook_endpoint_create(api_key=key, url="http://127.0.0.1:9/hooks")


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_sends_deliveries_queued_by_room_changes(receiver):
    _subscribe(receiver.url, event_types=["room.created"])
    make_room()
    assert receiver.received == []  # nothing is sent from the request that caused it
    call_command("run_worker", batch=True, interval=0)
    assert [b["type"] for b in receiver.bodies()] == ["room.created"]
